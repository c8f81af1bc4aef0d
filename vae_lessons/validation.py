"""Argument checks with one shape of message, Keras's own.

Keras words a bad argument as "Invalid value received for argument `rate`. Expected a
float value between 0 and 1. Received: rate=1.5"; every check of the package uses the
same three parts: the argument, what was expected, what was received. A value of the
wrong kind raises ``TypeError``, a value of the right kind outside its range raises
``ValueError``. NumPy integer and floating-point scalars count as numbers wherever a
Python number does; ``bool`` does not count as a number.

Plain functions rather than a validation library: the checks are a handful of
comparisons, and a dependency would not give Keras's message shape.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def message(name, expected, value):
    """The one error message: ``Invalid value received for argument `name`. Expected ... Received: name=value``."""
    return f"Invalid value received for argument `{name}`. Expected {expected}. Received: {name}={value!r}"


def _is_integer(value):
    return isinstance(
        value, (numbers.Integral, np.integer)
    ) and not isinstance(value, (bool, np.bool_))


def _is_real(value):
    return isinstance(
        value, (numbers.Real, np.floating, np.integer)
    ) and not isinstance(value, (bool, np.bool_))


def _range_text(minimum, maximum, *, above=False):
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    if minimum is not None:
        return f"{'>' if above else '>='} {minimum}"
    if maximum is not None:
        return f"<= {maximum}"
    return ""


def check_integer(name, value, *, minimum=None, maximum=None):
    """Check that ``value`` is an integer in ``[minimum, maximum]`` and return it as ``int``.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : object
    minimum, maximum : int or None
        Inclusive bounds; None for no bound.

    Returns
    -------
    value : int

    Raises
    ------
    TypeError
        If ``value`` is not a Python or NumPy integer (``True``/``False`` are not).
    ValueError
        If it lies outside the bounds.

    Examples
    --------
    >>> check_integer("latent_dim", np.int64(2), minimum=1)
    2
    """
    expected = " ".join(
        filter(None, ["an integer", _range_text(minimum, maximum)])
    )
    if not _is_integer(value):
        raise TypeError(message(name, expected, value))
    value = int(value)
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise ValueError(message(name, expected, value))
    return value


def check_number(name, value, *, minimum=None, maximum=None, above=False):
    """Check that ``value`` is a finite real number in range and return it as ``float``.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : object
    minimum, maximum : float or None
        Bounds; None for no bound. ``maximum`` is inclusive.
    above : bool, default False
        If True, ``value`` must be strictly greater than ``minimum``.

    Returns
    -------
    value : float

    Raises
    ------
    TypeError
        If ``value`` is not a Python or NumPy real number.
    ValueError
        If it is NaN or infinite, or outside the bounds.

    Examples
    --------
    >>> check_number("kl_weight", np.float32(0.5), minimum=0)
    0.5
    """
    expected = " ".join(
        filter(
            None,
            ["a finite number", _range_text(minimum, maximum, above=above)],
        )
    )
    if not _is_real(value):
        raise TypeError(message(name, expected, value))
    value = float(value)
    too_low = minimum is not None and (
        value <= minimum if above else value < minimum
    )
    too_high = maximum is not None and value > maximum
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(message(name, expected, value))
    return value


def check_choice(name, value, choices):
    """Check that ``value`` is one of ``choices`` and return it.

    Raises
    ------
    ValueError
        If it is not, naming the choices.
    """
    if not any(
        value == choice and type(value) is type(choice)
        for choice in choices
    ):
        raise ValueError(
            message(
                name,
                "one of " + ", ".join(repr(choice) for choice in choices),
                value,
            )
        )
    return value


def check_array(name, value, *, shape, minimum=None, maximum=None):
    """Check a numeric array's shape, finiteness and range; return it as float32.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : array_like
    shape : tuple of int or None
        The expected shape; None matches any size >= 1 on that axis.
    minimum, maximum : float or None
        Inclusive bounds of the values; None for no bound.

    Returns
    -------
    array : numpy.ndarray, float32, shape ``shape``

    Raises
    ------
    TypeError
        If ``value`` is not numeric.
    ValueError
        If its shape differs, an axis of free size is empty, or a value is NaN,
        infinite or out of bounds.

    Examples
    --------
    >>> check_array("z", [[0.0, 1.0]], shape=(None, 2)).dtype
    dtype('float32')
    """
    wanted = (
        "("
        + ", ".join("n" if size is None else str(size) for size in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )
    bounds = _range_text(minimum, maximum)
    expected = f"a finite array of shape {wanted}" + (
        f" with values {bounds}" if bounds else ""
    )
    array = np.asarray(value)
    if not (
        np.issubdtype(array.dtype, np.number)
        and not np.issubdtype(array.dtype, np.complexfloating)
    ):
        raise TypeError(
            f"Invalid value received for argument `{name}`. Expected {expected}. Received: {name}.dtype={array.dtype}"
        )
    if array.ndim != len(shape) or any(
        (size is None and actual < 1)
        or (size is not None and actual != size)
        for size, actual in zip(shape, array.shape)
    ):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected {expected}. Received: {name}.shape={array.shape}"
        )
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected {expected}. Received: {name} with NaN or infinite values"
        )
    if (minimum is not None and array.min() < minimum) or (
        maximum is not None and array.max() > maximum
    ):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected {expected}. "
            f"Received: {name} with values in [{array.min():g}, {array.max():g}]"
        )
    return array


def check_numeric(name, value, *, finite=False, minimum=None, maximum=None):
    """Refuse ``None``, text and non-numeric arrays before they reach a backend; return ``value``.

    Backend tensors pass through unchanged (no copy, nothing traced), so the loss
    functions can call this on every input at no cost inside a training step.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : array_like or tensor
    finite : bool, default False
        Also refuse NaN, infinite and out-of-range values, where they can be read
        (:func:`check_values`).
    minimum, maximum : float or None
        Inclusive bounds of the values, with ``finite``.

    Raises
    ------
    TypeError
        If ``value`` is None, a string, or a NumPy array (or list) that is not numeric.
    ValueError
        With ``finite``, if a readable value is NaN, infinite or out of bounds.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(message(name, "a numeric array or tensor", value))
    if isinstance(
        value, (np.ndarray, np.generic, numbers.Number, list, tuple)
    ):
        try:
            dtype = np.asarray(value).dtype
        except ValueError:  # a ragged list
            raise TypeError(
                message(name, "a numeric array or tensor", "a ragged list")
            ) from None
        if not np.issubdtype(dtype, np.number) or np.issubdtype(
            dtype, np.complexfloating
        ):
            raise TypeError(
                f"Invalid value received for argument `{name}`. Expected a numeric array or tensor. Received: {name}.dtype={dtype}"
            )
    elif not (
        hasattr(value, "shape") and hasattr(value, "dtype")
    ):  # not a tensor
        raise TypeError(
            message(name, "a numeric array or tensor", type(value).__name__)
        )
    if finite:
        check_values(name, value, minimum=minimum, maximum=maximum)
    return value


def _is_known(shape):
    """True for a shape of plain integers: not a symbolic one (None, or JAX's dimension
    expressions while Keras traces a model), which only the backend can check."""
    return all(_is_integer(size) for size in shape)


def check_same_shape(**shapes):
    """Check that arrays of these shapes have one shape (unknown sizes are skipped).

    Raises
    ------
    ValueError
        Naming every argument and their shapes.
    """
    known = {tuple(shape) for shape in shapes.values() if _is_known(shape)}
    if len(known) > 1:
        names = ", ".join(shapes)
        received = ", ".join(
            f"{name}.shape={tuple(shape)}" for name, shape in shapes.items()
        )
        raise ValueError(
            f"Invalid value received for arguments `{names}`. Expected arrays of one shape. Received: {received}"
        )


def check_broadcastable(**shapes):
    """Check that arrays of these shapes broadcast together (unknown sizes are skipped).

    Parameters
    ----------
    **shapes : tuple of int or None
        The shape of each named argument, e.g. ``x=(4, 784), x_reconstructed=(3, 784)``.

    Raises
    ------
    ValueError
        Naming every argument and their shapes.
    """
    known = [tuple(shape) for shape in shapes.values() if _is_known(shape)]
    try:
        np.broadcast_shapes(*known)
    except ValueError:
        names = ", ".join(shapes)
        received = ", ".join(
            f"{name}.shape={tuple(shape)}" for name, shape in shapes.items()
        )
        raise ValueError(
            f"Invalid value received for arguments `{names}`. Expected shapes that broadcast together (the same shape). Received: {received}"
        ) from None


MAX_SEED = 2**31 - 1
"""The largest seed every backend takes: PyTorch's ``SeedGenerator`` holds it in an int32
(NumPy's generators would take up to 2**32 - 1)."""


def check_seed(name, value, *, allow_none=False):
    """Check a random seed: an integer in [0, MAX_SEED] (NumPy integers too); return ``int``.

    Keras refuses NumPy integer seeds, and past 2**31 PyTorch's seed overflows; this
    returns a plain ``int`` that every backend takes.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (or None where ``allow_none``).
    ValueError
        If it is negative or above ``MAX_SEED``.
    """
    if allow_none and value is None:
        return None
    expected = f"an integer seed between 0 and {MAX_SEED}" + (
        " or None" if allow_none else ""
    )
    if not _is_integer(value):
        raise TypeError(message(name, expected, value))
    if not 0 <= int(value) <= MAX_SEED:
        raise ValueError(message(name, expected, value))
    return int(value)


def is_concrete(value):
    """True when ``value``'s numbers can be read now without touching a training step.

    True for NumPy data, Python numbers and eager JAX or TensorFlow arrays. False for a
    symbolic tensor (a ``keras.KerasTensor``, a JAX tracer inside ``jit``, a TensorFlow
    graph tensor inside ``tf.function``), whose values exist only when the compiled
    step runs, and for PyTorch tensors: PyTorch runs Keras's training and prediction
    steps eagerly, and a check there would stop a step that JAX and TensorFlow run,
    so the three backends would differ.
    """
    if isinstance(
        value, (np.ndarray, np.generic, numbers.Number, list, tuple)
    ):
        return True
    module = type(value).__module__
    if module.startswith("jax"):
        import jax

        return not isinstance(value, jax.core.Tracer)
    if module.startswith("tensorflow"):
        import tensorflow as tf

        return tf.executing_eagerly() and hasattr(value, "numpy")
    return False


def check_values(name, value, *, minimum=None, maximum=None):
    """Refuse NaN, infinite and out-of-range values when they can be read now; return ``value``.

    A value check for the public loss and sampling functions, which also run inside a
    compiled training step: there (a symbolic tensor) nothing can be read and
    ``value`` passes unchanged; the model's own training is guarded by
    ``training.check_finite`` instead. Call :func:`check_numeric` first.

    Raises
    ------
    ValueError
        If a value is NaN, infinite, or outside ``[minimum, maximum]``.
    """
    if not is_concrete(value):
        return value
    import keras

    array = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    bounds = _range_text(minimum, maximum)
    expected = "finite values" + (f" {bounds}" if bounds else "")
    if array.size and not np.isfinite(array).all():
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected {expected}. "
            f"Received: {name} with NaN or infinite values"
        )
    if array.size and (
        (minimum is not None and array.min() < minimum)
        or (maximum is not None and array.max() > maximum)
    ):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected {expected}. "
            f"Received: {name} with values in [{array.min():g}, {array.max():g}]"
        )
    return value


def check_finite_result(result, **inputs):
    """Refuse a result that overflowed to infinity or NaN from finite inputs; return it.

    Finite but extreme inputs (a log-variance of -100 with a distance of 1e12, samples
    of 1e30) can overflow float32 inside a formula. When every input could be read
    (:func:`is_concrete`: NumPy data, eager JAX or TensorFlow arrays), the result is
    read too, on every backend, and an overflow is refused naming the inputs rather
    than returned. Inside a training step (symbolic tensors, or PyTorch tensors) the
    result passes unchanged.

    Parameters
    ----------
    result : tensor
    **inputs
        The function's inputs as the caller received them, by argument name.

    Raises
    ------
    ValueError
        If the inputs were readable and the result holds NaN or infinity.
    """
    if not all(is_concrete(value) for value in inputs.values()):
        return result
    import keras

    if not np.isfinite(keras.ops.convert_to_numpy(result)).all():
        joined = ", ".join(inputs)
        raise ValueError(
            f"Invalid value received for argument{'s' if len(inputs) > 1 else ''} "
            f"`{joined}`. Expected values small enough for a finite float32 result. "
            f"Received: values whose result overflows to infinity or NaN"
        )
    return result
