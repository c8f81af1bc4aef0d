"""The argument checks, tested once and thoroughly: what each accepts, what it refuses,
and Keras's message shape (the argument, what was expected, what was received).

NumPy integer and floating-point scalars count as numbers; ``bool`` does not. A value of
the wrong kind raises ``TypeError``, a value of the right kind out of range (or of the
wrong shape, empty, NaN or infinite) raises ``ValueError``. Every public function calls
these helpers, so tests/test_bad_inputs.py only checks that each one does.
"""

import math

import keras
import numpy as np
import pytest

from vae_lessons import validation

KERAS_SHAPE = "Invalid value received for argument `{name}`. Expected {expected}. Received: {received}"


def refused(call, error, text):
    """Assert that ``call()`` raises ``error`` whose message is exactly ``text``."""
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == text


def test_the_message_names_the_argument_what_was_expected_and_what_was_received():
    assert validation.message("rate", "a float value between 0 and 1", 1.5) == (
        "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=1.5"
    )
    assert validation.message("source", "one of 'sample'", "x").endswith("Received: source='x'")  # repr: quoted


def test_integers_of_every_numpy_type_are_accepted_and_returned_as_int(check_each):
    values = [3, np.int8(3), np.int16(3), np.int32(3), np.int64(3), np.uint8(3), np.uint64(3)]

    def accepted(value):
        result = validation.check_integer("epochs", value, minimum=1, maximum=3)
        assert result == 3 and type(result) is int, repr(result)

    check_each(((type(value).__name__, value) for value in values), accepted)
    assert validation.check_integer("seed", 0, minimum=0) == 0  # the bounds are inclusive
    assert validation.check_integer("offset", -7) == -7  # no bounds


def test_numbers_of_every_numpy_type_are_accepted_and_returned_as_float(check_each):
    values = [0.5, np.float16(0.5), np.float32(0.5), np.float64(0.5)]

    def accepted(value):
        result = validation.check_number("kl_weight", value, minimum=0, maximum=0.5)
        assert result == 0.5 and type(result) is float, repr(result)

    check_each(((type(value).__name__, value) for value in values), accepted)
    for integer in (2, np.int64(2), np.uint8(2)):  # integers are numbers too
        result = validation.check_number("kl_weight", integer, minimum=0)
        assert result == 2.0 and type(result) is float
    assert validation.check_number("shift", -1e30) == -1e30  # no bounds: any finite number


@pytest.mark.parametrize(
    ("value", "error", "received"),
    [
        (True, TypeError, "n=True"),  # bool is not a number
        (np.bool_(False), TypeError, f"n={np.bool_(False)!r}"),  # np.False_ in NumPy 2
        (2.0, TypeError, "n=2.0"),  # a whole float is not an integer
        (np.float64(2.0), TypeError, f"n={np.float64(2.0)!r}"),
        ("2", TypeError, "n='2'"),
        (None, TypeError, "n=None"),
        ([2], TypeError, "n=[2]"),
        (0, ValueError, "n=0"),  # below
        (np.int64(5), ValueError, "n=5"),  # above, shown as the int it became
    ],
)
def test_check_integer_refuses(value, error, received):
    refused(
        lambda: validation.check_integer("n", value, minimum=1, maximum=4),
        error, KERAS_SHAPE.format(name="n", expected="an integer between 1 and 4", received=received),
    )


@pytest.mark.parametrize(
    ("value", "error", "received"),
    [
        (True, TypeError, "n=True"),
        (np.bool_(True), TypeError, f"n={np.bool_(True)!r}"),
        ("1", TypeError, "n='1'"),
        (None, TypeError, "n=None"),
        (1j, TypeError, "n=1j"),
        (np.array([1.0]), TypeError, f"n={np.array([1.0])!r}"),  # an array is not a scalar
        (math.nan, ValueError, "n=nan"),
        (np.float32("nan"), ValueError, "n=nan"),
        (math.inf, ValueError, "n=inf"),
        (-math.inf, ValueError, "n=-inf"),
        (0.5, ValueError, "n=0.5"),  # below
        (4.5, ValueError, "n=4.5"),  # above
    ],
)
def test_check_number_refuses(value, error, received):
    refused(
        lambda: validation.check_number("n", value, minimum=1, maximum=4),
        error, KERAS_SHAPE.format(name="n", expected="a finite number between 1 and 4", received=received),
    )


def test_the_expected_range_is_worded_for_each_kind_of_bound():
    cases = [
        (lambda: validation.check_integer("n", 0, minimum=1), "an integer >= 1", "n=0"),
        (lambda: validation.check_integer("n", 5, maximum=4), "an integer <= 4", "n=5"),
        (lambda: validation.check_integer("n", "x"), "an integer", "n='x'"),
        (lambda: validation.check_number("n", 0, minimum=0, above=True), "a finite number > 0", "n=0.0"),
        (lambda: validation.check_number("n", -1, minimum=0), "a finite number >= 0", "n=-1.0"),
        (lambda: validation.check_number("n", math.inf), "a finite number", "n=inf"),
    ]
    for call, expected, received in cases:
        with pytest.raises((TypeError, ValueError)) as raised:
            call()
        assert str(raised.value) == KERAS_SHAPE.format(name="n", expected=expected, received=received)
    assert validation.check_number("n", 1e-9, minimum=0, above=True) == 1e-9  # just above: accepted
    assert validation.check_integer("seed", 2**32 - 1, minimum=0, maximum=2**32 - 1) == 2**32 - 1


def test_check_choice_accepts_only_the_choices_of_the_same_type():
    assert validation.check_choice("source", "sample", ("sample", "keras")) == "sample"
    assert validation.check_choice("conditional", False, (False, True)) is False
    expected = "one of 'sample', 'keras'"
    for value in ("kerass", None, 0):
        refused(
            lambda value=value: validation.check_choice("source", value, ("sample", "keras")),
            ValueError, KERAS_SHAPE.format(name="source", expected=expected, received=f"source={value!r}"),
        )
    for value in (1, 0.0):  # equal to True and False, but not booleans
        with pytest.raises(ValueError, match="Expected one of False, True"):
            validation.check_choice("conditional", value, (False, True))


def test_check_array_returns_float32_of_the_shape():
    for value in ([[0, 1]], np.array([[0, 1]], np.int64), np.array([[0.0, 1.0]], np.float64), np.array([[0, 1]], np.uint8)):
        array = validation.check_array("z", value, shape=(None, 2))
        assert array.dtype == np.float32 and array.shape == (1, 2)
        np.testing.assert_array_equal(array, [[0.0, 1.0]])
    assert validation.check_array("v", [1.0, 2.0, 3.0], shape=(3,)).shape == (3,)
    edges = validation.check_array("x", [[0.0, 1.0]], shape=(1, 2), minimum=0.0, maximum=1.0)  # inclusive bounds
    np.testing.assert_array_equal(edges, [[0.0, 1.0]])


@pytest.mark.parametrize(
    ("value", "error", "received"),
    [
        (np.array([[None, None]]), TypeError, "x.dtype=object"),
        (np.array([["a", "b"]]), TypeError, "x.dtype=<U1"),
        (np.zeros((1, 2), complex), TypeError, "x.dtype=complex128"),
        (np.array([[True, False]]), TypeError, "x.dtype=bool"),
        (np.zeros((2, 3)), ValueError, "x.shape=(2, 3)"),  # a wrong size
        (np.zeros(2), ValueError, "x.shape=(2,)"),  # a wrong number of axes
        (np.zeros((2, 2, 1)), ValueError, "x.shape=(2, 2, 1)"),
        (np.zeros((0, 2)), ValueError, "x.shape=(0, 2)"),  # empty
        ([], ValueError, "x.shape=(0,)"),
        ([[np.nan, 0.5]], ValueError, "x with NaN or infinite values"),
        ([[0.5, -np.inf]], ValueError, "x with NaN or infinite values"),
        ([[-1.0, 2.0]], ValueError, "x with values in [-1, 2]"),  # out of range
        ([[0.0, 255.0]], ValueError, "x with values in [0, 255]"),  # 0..255 pixels
    ],
)
def test_check_array_refuses(value, error, received):
    refused(
        lambda: validation.check_array("x", value, shape=(None, 2), minimum=0.0, maximum=1.0),
        error,
        KERAS_SHAPE.format(name="x", expected="a finite array of shape (n, 2) with values between 0.0 and 1.0", received=received),
    )


def test_check_array_words_its_shape_and_bounds():
    with pytest.raises(ValueError) as raised:
        validation.check_array("v", [1.0, 2.0], shape=(3,))
    assert str(raised.value) == KERAS_SHAPE.format(name="v", expected="a finite array of shape (3,)", received="v.shape=(2,)")
    with pytest.raises(ValueError, match=r"Expected a finite array of shape \(n, 784\) with values >= 0. Received: x with values in \[-1, -1\]"):
        validation.check_array("x", -np.ones((1, 784)), shape=(None, 784), minimum=0)


def test_check_numeric_refuses_what_no_backend_can_compute_and_passes_tensors_through():
    tensor = keras.ops.ones((2, 3))
    assert validation.check_numeric("x", tensor) is tensor  # unchanged: no copy, nothing traced
    array = np.ones((2, 3), np.float32)
    assert validation.check_numeric("x", array) is array
    assert validation.check_numeric("x", [[1, 2]]) == [[1, 2]]
    for value, received in [(None, "x=None"), ("abc", "x='abc'"), (b"abc", "x=b'abc'")]:
        refused(lambda value=value: validation.check_numeric("x", value), TypeError,
                KERAS_SHAPE.format(name="x", expected="a numeric array or tensor", received=received))
    for value, received in [(np.array([None]), "x.dtype=object"), ([["a"]], "x.dtype=<U1"), ([1j], "x.dtype=complex128")]:
        refused(lambda value=value: validation.check_numeric("x", value), TypeError,
                KERAS_SHAPE.format(name="x", expected="a numeric array or tensor", received=received))


def test_check_same_shape_names_every_argument_and_skips_symbolic_sizes():
    validation.check_same_shape(z_mean=(4, 2), z_log_var=(4, 2))
    validation.check_same_shape(z_mean=(None, 2), z_log_var=(4, 2))  # while Keras traces: unknown
    refused(
        lambda: validation.check_same_shape(z_mean=(4, 2), z_log_var=(3, 2)),
        ValueError,
        "Invalid value received for arguments `z_mean, z_log_var`. Expected arrays of one shape. "
        "Received: z_mean.shape=(4, 2), z_log_var.shape=(3, 2)",
    )


def test_check_broadcastable_names_every_argument_and_skips_symbolic_sizes():
    validation.check_broadcastable(x=(4, 784), x_reconstructed=(4, 784))
    validation.check_broadcastable(x=(4, 784), x_reconstructed=(1, 784))
    validation.check_broadcastable(x=(None, 784), x_reconstructed=(3, 784))
    refused(
        lambda: validation.check_broadcastable(x=(4, 784), x_reconstructed=(3, 784)),
        ValueError,
        "Invalid value received for arguments `x, x_reconstructed`. Expected shapes that broadcast together "
        "(the same shape). Received: x.shape=(4, 784), x_reconstructed.shape=(3, 784)",
    )
