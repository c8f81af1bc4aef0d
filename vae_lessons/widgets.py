"""Lesson 6: the latent explorer, one slider per latent dimension.

Move a slider and the decoded digit morphs. The decoder runs **in the browser**: the
explorer ships the decoder's weights to a small JavaScript front end
(``_static/latent_explorer.js``), so every redraw happens without a round trip to the
kernel. That is why it keeps working in the static HTML book, where no kernel runs.

One anywidget, one synced list ``z``: the front end draws the sliders (native range
inputs with labels, usable from the keyboard), the 28x28 image drawn large, the reset
and random-z buttons and the example digits, and announces the current z in a live
text (``z = (0.50, -1.00)``) for screen readers. The Python side checks and stores z,
and decodes it with Keras for comparison.

To keep the saved widget state small, the big output kernel (hidden_units x 784) is
stored as int8 with one scale per pixel (column); the rest stays float32. The browser
computes ``sigmoid(relu(z @ W1 + b1) @ (scale * Q) + b2)``, exactly what
:func:`decode_with_packed_weights` computes in NumPy. For the default model (latent_dim
2, hidden_units 512) the state is about 0.55 MB and the pixels differ from Keras's by
at most about 0.02 (mean about 0.0005) over the slider range.

A conditional VAE (:class:`vae_lessons.conditional.ConditionalVAE`) gets a label chooser
next to the sliders: ten buttons 0-9 and one more synced trait, ``label``. Its decoder
reads ``concat([z, one_hot(label)])``, shape (latent_dim + 10,), so its packed weights
are the MLP decoder's with 10 more input rows (``condition_dim`` 10 in the packed
dict), and the browser adds the chosen label's row to the hidden layer's input sum.

Example
-------
>>> from vae_lessons import data, training, widgets
>>> vae, history = training.trained_vae(training.TrainingConfig())
>>> _, (x_test, y_test) = data.load_mnist()
>>> explorer = widgets.LatentExplorer(vae, examples=x_test[:10], labels=y_test[:10])
>>> explorer  # doctest: +SKIP
>>> explorer.z = [0.5, -1.0]
>>> explorer.image().shape
(28, 28)
"""

from __future__ import annotations

import base64
import json
import math
import warnings
from pathlib import Path

import anywidget
import keras
import numpy as np
import traitlets

from vae_lessons import conditional, data, evaluation, models, validation

STATIC = Path(__file__).parent / "_static"
PACKED_FORMAT = "vae-lessons-mlp-decoder-int8/1"
DEFAULT_Z_RANGE = 3.0
DEFAULT_MAX_SLIDERS = 8
MAX_EXAMPLES = 20
DOM_CLASS = "vae-latent-explorer"  # the browser tests and the CSS find the widget by it
# Above this, building an explorer warns: the state is saved in every notebook that
# shows it (0.55 MB for the default decoder; 4.4 MB at 4,096 hidden units).
MAX_STATE_BYTES = 2_000_000


# --- the decoder and its packed weights -------------------------------------------------


def check_decoder(decoder, condition_dim=0):
    """Check that ``decoder`` is this package's MLP decoder; return its sizes.

    The expected architecture is :func:`vae_lessons.models.build_decoder`'s:
    ``z (latent_dim + condition_dim) -> Dense(hidden_units, relu) "decoder_hidden"
    -> Dense(784, sigmoid) "x_reconstructed"``.

    Parameters
    ----------
    decoder : keras.Model
    condition_dim : int, default 0
        Input columns after z: 10 (the one-hot label) for a conditional VAE's decoder.

    Returns
    -------
    latent_dim, hidden_units : int

    Raises
    ------
    TypeError
        If ``decoder`` is not a Keras model.
    ValueError
        If its layers are not the two Dense layers above, or it does not output 784 pixels.
    """
    if not isinstance(decoder, keras.Model):
        raise TypeError(
            validation.message(
                "model",
                "a VAE of this package, or a decoder from models.build_decoder",
                type(decoder).__name__,
            )
        )
    condition_dim = validation.check_integer(
        "condition_dim", condition_dim, minimum=0, maximum=data.NUM_PIXELS
    )
    layers = [
        layer
        for layer in decoder.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    expected = (
        f"Dense(hidden_units, relu) {models.DECODER_HIDDEN!r} then "
        f"Dense(784, sigmoid) {models.DECODER_OUTPUT!r}"
    )
    found = [f"{type(layer).__name__} {layer.name!r}" for layer in layers]
    inputs = getattr(
        decoder, "inputs", None
    )  # a subclassed model (like a VAE) has none
    if (
        not inputs
        or len(inputs) != 1
        or [layer.name for layer in layers]
        != [models.DECODER_HIDDEN, models.DECODER_OUTPUT]
        or not all(
            isinstance(layer, keras.layers.Dense) for layer in layers
        )
    ):
        raise ValueError(
            validation.message(
                "model",
                f"this package's MLP decoder: one input z, then {expected}",
                f"layers {found}",
            )
        )
    hidden, output = layers
    for layer, activation in ((hidden, "relu"), (output, "sigmoid")):
        name = getattr(
            layer.activation, "__name__", type(layer.activation).__name__
        )
        if name != activation:
            raise ValueError(
                validation.message(
                    "model",
                    f"layer {layer.name!r} with activation {activation}",
                    f"activation {name}",
                )
            )
        if not layer.use_bias:
            raise ValueError(
                validation.message(
                    "model",
                    f"layer {layer.name!r} with a bias (use_bias=True)",
                    "use_bias=False",
                )
            )
    input_dim = int(inputs[0].shape[-1])  # latent_dim + condition_dim
    latent_dim = input_dim - condition_dim
    if latent_dim < 1:
        raise ValueError(
            validation.message(
                "condition_dim",
                f"fewer label columns than the decoder's {input_dim} inputs",
                condition_dim,
            )
        )
    hidden_units = int(hidden.units)
    if tuple(hidden.kernel.shape) != (input_dim, hidden_units):
        raise ValueError(
            validation.message(
                "model",
                f"layer 'decoder_hidden' reading z directly, kernel shape ({input_dim}, {hidden_units})",
                f"kernel shape {tuple(hidden.kernel.shape)}",
            )
        )
    if output.units != data.NUM_PIXELS or tuple(output.kernel.shape) != (
        hidden_units,
        data.NUM_PIXELS,
    ):
        raise ValueError(
            validation.message(
                "model",
                f"layer 'x_reconstructed' reading 'decoder_hidden' and drawing the "
                f"{data.NUM_PIXELS} pixels, kernel shape ({hidden_units}, {data.NUM_PIXELS})",
                f"kernel shape {tuple(output.kernel.shape)}",
            )
        )
    return latent_dim, hidden_units


def _to_base64(array, dtype):
    return base64.b64encode(
        np.ascontiguousarray(array, dtype=dtype).tobytes()
    ).decode("ascii")


def _from_base64(text, dtype, shape, name="packed"):
    expected = f"base64 text of {math.prod(shape)} values of {dtype}"
    if not isinstance(text, str):
        raise TypeError(
            validation.message(name, expected, type(text).__name__)
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error: not base64
        raise ValueError(
            validation.message(name, expected, "text that is not base64")
        ) from None
    if len(raw) != math.prod(shape) * np.dtype(dtype).itemsize:
        raise ValueError(
            validation.message(name, expected, f"{len(raw)} bytes")
        )
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


def quantize_columns(kernel):
    """Symmetric int8 quantization with one scale per column.

    Parameters
    ----------
    kernel : numpy.ndarray, float, shape (rows, columns)

    Returns
    -------
    quantized : numpy.ndarray, int8, shape (rows, columns)
        Values in [-127, 127].
    scale : numpy.ndarray, float32, shape (columns,)
        ``kernel ~= quantized * scale``; a column of zeros gets scale 1.
    """
    kernel = validation.check_array("kernel", kernel, shape=(None, None))
    scale = (
        np.abs(kernel).max(axis=0) / 127.0
    )  # (rows, columns) -> (columns,)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    quantized = np.clip(np.round(kernel / scale), -127, 127).astype(np.int8)
    return quantized, scale


def pack_decoder_weights(decoder, condition_dim=0):
    """The decoder's weights in the compact form the browser reads.

    Parameters
    ----------
    decoder : keras.Model
        This package's MLP decoder (see :func:`check_decoder`).
    condition_dim : int, default 0
        10 for a conditional VAE's decoder (its input is ``concat([z, one_hot(label)])``).

    Raises
    ------
    ValueError
        If a weight is NaN or infinite (the browser would draw a plausible grey square).

    Returns
    -------
    packed : dict
        JSON-ready: ``format``, ``latent_dim``, ``condition_dim``, ``hidden_units``
        and five base64 strings of little-endian arrays, row-major:
        ``hidden_kernel`` float32 (latent_dim + condition_dim, hidden_units) (the
        label's rows last), ``hidden_bias`` float32
        (hidden_units,), ``output_kernel`` int8 (hidden_units, 784), ``output_scale``
        float32 (784,), ``output_bias`` float32 (784,).
    """
    latent_dim, hidden_units = check_decoder(decoder, condition_dim)
    hidden_kernel, hidden_bias = decoder.get_layer(
        models.DECODER_HIDDEN
    ).get_weights()
    output_kernel, output_bias = decoder.get_layer(
        models.DECODER_OUTPUT
    ).get_weights()
    weights = {"decoder_hidden kernel": hidden_kernel, "decoder_hidden bias": hidden_bias,
               "x_reconstructed kernel": output_kernel, "x_reconstructed bias": output_bias}  # fmt: skip
    broken = [
        name
        for name, array in weights.items()
        if not np.isfinite(array).all()
    ]
    if broken:
        raise ValueError(
            validation.message(
                "model",
                "a decoder with finite weights (did training diverge? retrain "
                "it with a smaller learning rate, or load another model)",
                f"NaN or infinity in {', '.join(broken)}",
            )
        )
    quantized, scale = quantize_columns(output_kernel)
    return {
        "format": PACKED_FORMAT,
        "latent_dim": latent_dim,
        "condition_dim": condition_dim,
        "hidden_units": hidden_units,
        "hidden_kernel": _to_base64(hidden_kernel, "<f4"),
        "hidden_bias": _to_base64(hidden_bias, "<f4"),
        "output_kernel": _to_base64(quantized, "i1"),
        "output_scale": _to_base64(scale, "<f4"),
        "output_bias": _to_base64(output_bias, "<f4"),
    }


def unpack_decoder_weights(packed):
    """Float arrays back from :func:`pack_decoder_weights`.

    Parameters
    ----------
    packed : dict

    Returns
    -------
    weights : dict of str to numpy.ndarray (float32)
        ``hidden_kernel`` (latent_dim + condition_dim, hidden_units), ``hidden_bias`` (hidden_units,),
        ``output_kernel`` (hidden_units, 784) already multiplied by its scales,
        ``output_bias`` (784,).
    """
    input_dim, hidden_units = _check_packed(packed)
    arrays = {
        key: _from_base64(packed[key], dtype, shape, f"packed[{key!r}]")
        for key, dtype, shape in (
            ("hidden_kernel", "<f4", (input_dim, hidden_units)),
            ("hidden_bias", "<f4", (hidden_units,)),
            ("output_kernel", "i1", (hidden_units, data.NUM_PIXELS)),
            ("output_scale", "<f4", (data.NUM_PIXELS,)),
            ("output_bias", "<f4", (data.NUM_PIXELS,)),
        )
    }
    for key in (
        "hidden_kernel",
        "hidden_bias",
        "output_scale",
        "output_bias",
    ):
        if not np.isfinite(arrays[key]).all():
            raise ValueError(
                validation.message(
                    f"packed[{key!r}]", "finite weights", "NaN or infinity"
                )
            )
    return {
        "hidden_kernel": arrays["hidden_kernel"],
        "hidden_bias": arrays["hidden_bias"],
        "output_kernel": arrays["output_kernel"].astype(np.float32)
        * arrays["output_scale"],
        "output_bias": arrays["output_bias"],
    }


def _check_packed(packed):
    """Check the packed weights' header; return ``(input_dim, hidden_units)``."""
    keys = ("hidden_kernel", "hidden_bias", "output_kernel", "output_scale",
            "output_bias")  # fmt: skip
    expected = (
        f"a dict from pack_decoder_weights with format {PACKED_FORMAT!r}"
    )
    if not isinstance(packed, dict):
        raise TypeError(
            validation.message("packed", expected, type(packed).__name__)
        )
    missing = [
        key
        for key in ("format", "latent_dim", "hidden_units", *keys)
        if key not in packed
    ]
    if packed.get("format") != PACKED_FORMAT or missing:
        raise ValueError(
            validation.message(
                "packed",
                expected,
                f"format {packed.get('format')!r}, missing {missing}",
            )
        )
    latent_dim = validation.check_integer(
        "packed['latent_dim']", packed["latent_dim"], minimum=1,
        maximum=data.NUM_PIXELS,
    )  # fmt: skip
    condition_dim = validation.check_integer(
        "packed['condition_dim']", packed.get("condition_dim", 0), minimum=0,
        maximum=data.NUM_CLASSES,
    )  # fmt: skip
    hidden_units = validation.check_integer(
        "packed['hidden_units']", packed["hidden_units"], minimum=1,
        maximum=16384,
    )  # fmt: skip
    return latent_dim + condition_dim, hidden_units


def decode_with_packed_weights(packed, z, labels=None):
    """The browser's forward pass, in NumPy: what the explorer draws for ``z``.

    Same order of operations as ``latent_explorer.js`` (float64 arithmetic on the
    packed weights, scale applied after the int8 dot product).

    Parameters
    ----------
    packed : dict
        From :func:`pack_decoder_weights`.
    z : array_like, shape (n, latent_dim)
    labels : int or array_like of int, shape (n,), optional
        The digit classes, required by (and only by) a conditional decoder
        (``condition_dim`` 10): it decodes ``concat([z, one_hot(labels)])``.

    Returns
    -------
    x_reconstructed : numpy.ndarray, float64, shape (n, 784), in [0, 1]
    """
    weights = unpack_decoder_weights(packed)  # checks packed
    quantized = _from_base64(
        packed["output_kernel"],
        "i1",
        (packed["hidden_units"], data.NUM_PIXELS),
    )
    scale = _from_base64(packed["output_scale"], "<f4", (data.NUM_PIXELS,))
    z = validation.check_array(
        "z", z, shape=(None, packed["latent_dim"])
    ).astype(np.float64)
    if packed.get("condition_dim", 0):
        one_hot = conditional.one_hot(
            conditional.check_labels(labels, len(z))
        )  # (n, 10); exact 0s and 1s in float64 next to z
        z = np.concatenate(
            [z, one_hot], axis=1
        )  # (n, latent_dim) -> (n, latent_dim + 10)
    elif labels is not None:
        raise ValueError(
            validation.message(
                "labels",
                "None: this decoder is not conditional (condition_dim 0)",
                labels,
            )
        )
    hidden = np.maximum(
        z @ weights["hidden_kernel"].astype(np.float64)
        + weights["hidden_bias"],
        0.0,
    )  # (n, latent_dim) -> (n, hidden_units)
    logits = (hidden @ quantized.astype(np.float64)) * scale + weights[
        "output_bias"
    ]  # (n, hidden_units) -> (n, 784)
    return 1.0 / (1.0 + np.exp(-logits))


def gray_levels(x_reconstructed):
    """Pixel means to the gray levels the explorer paints: ink dark on white.

    Parameters
    ----------
    x_reconstructed : array_like, values in [0, 1], any shape

    Returns
    -------
    gray : numpy.ndarray, uint8, same shape
        ``round(255 * (1 - x))``, like matplotlib's ``gray_r`` used in the lessons' figures.

    Raises
    ------
    TypeError, ValueError
        If ``x_reconstructed`` is not numeric, or holds NaN, infinity or a value
        outside [0, 1] (a uint8 cast would wrap it to a wrong gray).
    """
    values = np.asarray(x_reconstructed)
    if values.size or not np.issubdtype(values.dtype, np.number):
        validation.check_array(
            "x_reconstructed",
            values.reshape(-1),
            shape=(None,),
            minimum=0.0,
            maximum=1.0,
        )
    return np.round(
        255.0 * (1.0 - np.asarray(x_reconstructed, dtype=np.float64))
    ).astype(np.uint8)


def most_active_dimensions(z_mean, count=DEFAULT_MAX_SLIDERS):
    """The ``count`` latent dimensions the encoder uses most, to give them sliders.

    Activity is :func:`vae_lessons.evaluation.latent_activity`, the variance of
    ``z_mean`` over digits. A dimension whose z_mean hardly varies from digit to digit
    is inactive: the decoder ignores it, so a slider on it changes nothing.

    Parameters
    ----------
    z_mean : array_like, shape (n, latent_dim)
        Encoder means of some digits, e.g. ``vae.encode(x_test[:500])[0]``.
    count : int
        How many dimensions to return.

    Returns
    -------
    dimensions : list of int
        ``count`` dimensions, most active first.
    """
    activity = evaluation.latent_activity(
        z_mean
    )  # (latent_dim,); checks the shape
    count = validation.check_integer(
        "count", count, minimum=1, maximum=len(activity)
    )  # at most latent_dim
    return [
        int(index) for index in np.argsort(-activity, kind="stable")[:count]
    ]


# --- the widgets ------------------------------------------------------------------------


def slider_label(index):
    """The label of dimension ``index`` (0-based), as the lessons write it: z₁, z₂, ...

    Parameters
    ----------
    index : int
        Python index of the latent dimension.

    Returns
    -------
    label : str
        ``"z"`` followed by ``index + 1`` in subscript digits.
    """
    index = validation.check_integer("index", index, minimum=0)
    return "z" + str(index + 1).translate(
        str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    )


def _as_model_parts(model):
    """(encoder or None, decoder, condition_dim) from a VAE or a bare decoder.

    A bare decoder is taken as unconditional: pass a conditional VAE whole.
    """
    decoder = getattr(model, "decoder", None)
    if isinstance(decoder, keras.Model):
        encoder = getattr(model, "encoder", None)
        condition_dim = int(getattr(model, "condition_dim", 0))
        return (
            (encoder if isinstance(encoder, keras.Model) else None),
            decoder,
            condition_dim,
        )
    return None, model, 0


def _examples_as_pixels(examples):
    """Example digits as float32 (n, 784) in [0, 1]: uint8 (n, 28, 28) or float [0, 1]."""
    images = np.asarray(examples)
    if np.issubdtype(images.dtype, np.integer):
        data.validate_images(images, name="examples")  # (n, 28, 28), 0..255
        return data.flatten_and_scale(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(
            validation.message(
                "examples",
                "uint8 images (n, 28, 28) or float digits (n, 784) in [0, 1]",
                f"dtype {images.dtype}",
            )
        )
    if images.ndim == 3 and images.shape[1:] == data.IMAGE_SHAPE:
        images = images.reshape(len(images), data.NUM_PIXELS)
    return data.check_digits(images, "examples")


class _LatentPoint(traitlets.TraitType):
    """A latent point: checked by the widget's ``check_z`` the moment it is set (from
    Python or from the browser), stored as NumPy float32; a wrong value changes nothing."""

    info_text = "a latent point"

    def validate(self, obj, value):
        return obj.check_z(value).astype(np.float32)


class _Setting(traitlets.TraitType):
    """A synced setting whose value the widget's ``@traitlets.validate`` method checks
    (None included, unlike ``traitlets.Any``); a wrong value changes nothing."""

    allow_none = False
    info_text = "a setting of the explorer"

    def validate(self, obj, value):
        return value


class _Label(traitlets.TraitType):
    """A conditional explorer's digit label (an int 0-9; None without a condition):
    checked by the widget's ``check_label`` the moment it is set, from Python or from
    the browser; a wrong value changes nothing. (A ``traitlets.Int(allow_none=True)``
    would let None through unchecked.)"""

    info_text = "a digit label"

    def validate(self, obj, value):
        return obj.check_label(value)


def _z_to_json(z, widget):
    """The synced form of z: a list of numbers, rounded to 6 decimals (float32 precision)."""
    return [round(float(value), 6) for value in z]


def _z_from_json(value, widget):
    return value  # checked by _LatentPoint.validate when it is set


class LatentExplorer(anywidget.AnyWidget):
    """Sliders over z: decode any latent point live, in the notebook and in the book.

    Parameters
    ----------
    model : models.VAE or keras.Model
        A VAE of this package, or its decoder alone (then no ``examples``). A
        :class:`~vae_lessons.conditional.ConditionalVAE` adds a label chooser (digits 0-9)
        next to the sliders; pass it whole, not its decoder.
    examples : array_like, optional
        A few real digits to start from: uint8 (n, 28, 28) as ``data.load_mnist``
        returns, or float (n, 784) in [0, 1]; at most 20. Their encoder means are
        computed now and stored, so the example buttons work without a kernel.
    labels : array_like of int, shape (n,), optional
        The examples' digits, shown under their thumbnails. Required with examples
        of a conditional VAE: its encoder reads them, and an example's button sets
        both z (the encoder mean given that label) and the label.
    dimensions : sequence of int, optional
        Which latent dimensions get a slider (default: the first 8). See
        :func:`most_active_dimensions` to pick the ones the encoder uses most.
        Dimensions without a slider keep their value (0 after a reset).
    z_range : float, optional
        Sliders run from ``-z_range`` to ``z_range``. Default 3.0, widened in steps of
        0.5 to hold every example's encoder mean.
    step : float, default 0.01
        Slider step.
    image_size : int, default 252
        Side of the drawn image in CSS pixels (a multiple of 28 keeps pixels square).
    label : int, optional
        A conditional explorer's first label, 0-9 (default 0). Must be None for an
        unconditional model.

    Attributes
    ----------
    z : numpy.ndarray, float32, shape (latent_dim,)
        The current latent point, synced with the browser (a list of numbers there).
    label : int or None
        The digit class a conditional explorer draws (0-9), synced with the browser's
        label chooser; None for an unconditional model.
    conditional : bool
        Whether the model is a conditional VAE (the explorer shows a label chooser).
    dimensions : list of int
        The latent dimensions that have a slider, in display order.
    examples_z : numpy.ndarray, float32, shape (n, latent_dim)
        The examples' encoder means (clipped to the slider range).

    Notes
    -----
    One widget, one model: the front end (``_static/latent_explorer.js``) draws the
    sliders, buttons and example digits, decodes z with the packed weights and writes
    the new z back; the kernel only checks and stores it. Warns when the widget's
    state (saved into the notebook) exceeds ``MAX_STATE_BYTES``.
    """

    _esm = STATIC / "latent_explorer.js"
    _css = STATIC / "latent_explorer.css"
    packed_decoder = traitlets.Dict().tag(sync=True)
    # Not Float/Int/List: the @validate methods below check every assignment (from
    # Python or the browser, None included) with Keras-style messages.
    z_range = _Setting(DEFAULT_Z_RANGE).tag(sync=True)
    step = _Setting(0.01).tag(sync=True)
    examples = traitlets.List().tag(sync=True)
    image_size = _Setting(252).tag(sync=True)
    dimensions = _Setting([]).tag(sync=True)
    dimension_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # A conditional model's digit class; None for an unconditional one.
    label = _Label(None).tag(sync=True)
    # NumPy in Python, a list of numbers in the browser; set last in __init__ (its
    # check needs latent_dim and z_range).
    z = _LatentPoint().tag(
        sync=True, to_json=_z_to_json, from_json=_z_from_json
    )

    def __init__(
        self,
        model,
        examples=None,
        labels=None,
        dimensions=None,
        z_range=None,
        step=0.01,
        image_size=252,
        label=None,
    ):
        encoder, decoder, condition_dim = _as_model_parts(model)
        packed = pack_decoder_weights(
            decoder, condition_dim
        )  # checks the decoder and its weights
        self._decoder = decoder
        self.latent_dim = packed["latent_dim"]
        self.condition_dim = condition_dim
        label = self.check_label(
            0 if label is None and self.conditional else label
        )
        examples_z, example_states = self._prepare_examples(
            None if encoder is None else model, examples, labels
        )
        z_range = self._check_z_range(z_range, examples_z)
        step = self._check_step(step, z_range)
        image_size = validation.check_integer(
            "image_size", image_size, minimum=28, maximum=1024
        )  # CSS pixels
        self.examples_z = np.clip(examples_z, -z_range, z_range).astype(
            np.float32
        )
        for state, example_z in zip(example_states, self.examples_z):
            state["z"] = [round(float(value), 4) for value in example_z]
        dimensions = self._check_dimensions(dimensions)
        super().__init__(
            packed_decoder=packed,
            z_range=z_range,
            step=step,
            examples=example_states,
            image_size=int(image_size),
            dimensions=dimensions,
            dimension_labels=[
                slider_label(index) for index in range(self.latent_dim)
            ],
            label=label,
            z=np.zeros(self.latent_dim),
        )
        self._warn_if_state_is_large()

    @traitlets.validate("z_range")
    def _validate_z_range(self, proposal):
        z_range = validation.check_number(
            "z_range", proposal["value"], minimum=0, maximum=100, above=True
        )
        z = getattr(self, "z", None)
        if (
            z is not None
            and np.size(z)
            and np.abs(z).max() > z_range + 1e-6
        ):
            raise ValueError(
                validation.message(
                    "z_range",
                    f"a range that holds the current z (largest |z| "
                    f"{np.abs(z).max():.2f}; reset() first)",
                    z_range,
                )
            )
        return z_range

    @traitlets.validate("step")
    def _validate_step(self, proposal):
        return self._check_step(proposal["value"], self.z_range)

    @traitlets.validate("image_size")
    def _validate_image_size(self, proposal):
        return validation.check_integer(
            "image_size", proposal["value"], minimum=28, maximum=1024
        )  # CSS pixels

    @traitlets.validate("dimensions")
    def _validate_dimensions(self, proposal):
        if proposal["value"] is None:
            raise TypeError(
                validation.message(
                    "dimensions", "a sequence of latent dimensions", None
                )
            )
        return self._check_dimensions(proposal["value"])

    def __repr__(self):
        label = f", label={self.label}" if self.conditional else ""
        return f"LatentExplorer(latent_dim={self.latent_dim}, dimensions={self.dimensions}{label})"

    @property
    def conditional(self):
        return self.condition_dim > 0

    # --- construction helpers -----------------------------------------------------------

    def _prepare_examples(self, vae, examples, labels):
        if examples is None:
            if labels is not None:
                raise ValueError(
                    validation.message(
                        "labels", "None without examples", "labels"
                    )
                )
            return np.zeros((0, self.latent_dim), np.float32), []
        if vae is None:
            raise TypeError(
                validation.message(
                    "examples",
                    "None with a bare decoder (examples need the encoder: pass the whole VAE)",
                    "examples",
                )
            )
        pixels = _examples_as_pixels(examples)  # (n, 784)
        if not 1 <= len(pixels) <= MAX_EXAMPLES:
            raise ValueError(
                validation.message(
                    "examples",
                    f"1 to {MAX_EXAMPLES} digits",
                    f"{len(pixels)} digits",
                )
            )
        if labels is not None:
            data.validate_labels(labels, len(pixels))
        if self.conditional:
            if labels is None:
                raise ValueError(
                    validation.message(
                        "labels",
                        "the examples' labels: a conditional VAE's encoder reads them",
                        None,
                    )
                )
            z_mean, _ = vae.encode(
                pixels, np.asarray(labels)
            )  # (n, 784), (n,) -> (n, latent_dim)
        else:
            z_mean, _ = vae.encode(pixels)  # (n, 784) -> (n, latent_dim)
        if not np.isfinite(z_mean).all():
            raise ValueError(
                validation.message(
                    "model",
                    "an encoder with finite codes for the examples (retrain the model)",
                    "NaN or infinity in z_mean",
                )
            )
        states = [
            {
                "label": None if labels is None else int(labels[index]),
                "image": _to_base64(np.round(pixels[index] * 255), "u1"),
            }
            for index in range(len(pixels))
        ]
        return z_mean.astype(np.float32), states

    @staticmethod
    def _check_z_range(z_range, examples_z):
        if z_range is None:
            largest = (
                float(np.abs(examples_z).max()) if examples_z.size else 0.0
            )
            return max(DEFAULT_Z_RANGE, math.ceil(largest * 2) / 2)
        return validation.check_number(
            "z_range", z_range, minimum=0, maximum=100, above=True
        )

    @staticmethod
    def _check_step(step, z_range):
        return validation.check_number(
            "step", step, minimum=0, maximum=z_range, above=True
        )  # at most z_range

    def _check_dimensions(self, dimensions):
        if dimensions is None:
            return list(range(min(self.latent_dim, DEFAULT_MAX_SLIDERS)))
        expected = f"a non-empty sequence of distinct integers in 0..{self.latent_dim - 1} (latent_dim={self.latent_dim})"
        if isinstance(dimensions, (str, bytes)) or not hasattr(
            dimensions, "__iter__"
        ):
            raise TypeError(
                validation.message("dimensions", expected, dimensions)
            )
        dimensions = list(dimensions)
        if not all(validation._is_integer(index) for index in dimensions):
            raise TypeError(
                validation.message("dimensions", expected, dimensions)
            )
        dimensions = [int(index) for index in dimensions]
        if (
            not dimensions
            or len(set(dimensions)) != len(dimensions)
            or not all(0 <= index < self.latent_dim for index in dimensions)
        ):
            raise ValueError(
                validation.message("dimensions", expected, dimensions)
            )
        return dimensions

    # --- the Python API -----------------------------------------------------------------

    def show_dimensions(self, dimensions=None):
        """Choose which latent dimensions get a slider (needs a running kernel).

        Parameters
        ----------
        dimensions : sequence of int, optional
            Default: the first 8 (all, when latent_dim <= 8).
        """
        self.dimensions = self._check_dimensions(dimensions)

    def check_z(self, value):
        """Validate a latent point for this explorer.

        Parameters
        ----------
        value : array_like, shape (latent_dim,)

        Returns
        -------
        z : numpy.ndarray, float64, shape (latent_dim,)

        Raises
        ------
        TypeError
            If ``value`` is not numeric.
        ValueError
            If it has the wrong length, is not finite or lies outside the slider range.
        """
        expected = (
            f"{self.latent_dim} finite numbers (one per latent dimension) in the "
            f"slider range [-{self.z_range}, {self.z_range}]"
        )
        if value is None or isinstance(value, (str, bytes)):
            raise TypeError(validation.message("z", expected, value))
        raw = np.asarray(value) if not isinstance(value, dict) else None
        if raw is None or not (
            np.issubdtype(raw.dtype, np.number)
            and not np.issubdtype(raw.dtype, np.complexfloating)
        ):
            raise TypeError(
                validation.message("z", expected, type(value).__name__)
            )
        z = raw.astype(np.float64)
        if z.shape != (self.latent_dim,):
            raise ValueError(
                validation.message("z", expected, f"shape {z.shape}")
            )
        outside = ~np.isfinite(z) | (np.abs(z) > self.z_range + 1e-6)
        if outside.any():
            raise ValueError(validation.message("z", expected, z.tolist()))
        return z

    def check_label(self, value):
        """Validate a digit label for this explorer.

        Parameters
        ----------
        value : int or None
            0-9 for a conditional model; None for an unconditional one.

        Returns
        -------
        label : int or None

        Raises
        ------
        TypeError, ValueError
            If a conditional explorer gets anything but an integer 0-9, or an
            unconditional one gets a label.
        """
        if not self.conditional:
            if value is not None:
                raise ValueError(
                    validation.message(
                        "label",
                        "None: this model is not conditional (no label chooser)",
                        value,
                    )
                )
            return None
        return validation.check_integer(
            "label", value, minimum=0, maximum=self.condition_dim - 1
        )

    def _decoder_input(self, z, label):
        """(1, latent_dim [+ 10]) float32: z, then the one-hot label of a conditional model."""
        label = self.label if label is None else self.check_label(label)
        batch = np.asarray(z, dtype=np.float32)[
            None, :
        ]  # (latent_dim,) -> (1, latent_dim)
        return (
            conditional.with_labels(batch, [label])
            if self.conditional
            else batch
        )  # -> (1, latent_dim + 10)

    def reset(self):
        """Set z to the origin, the prior's mean."""
        self.z = np.zeros(self.latent_dim)

    def random_z(self, seed=None):
        """Draw z from the prior N(0, I), clipped to the slider range and rounded to the step.

        Parameters
        ----------
        seed : int >= 0 or None
            None is fresh randomness on purpose: this is the "random z" button, a new
            point each press; pass a seed to repeat one.

        Returns
        -------
        z : numpy.ndarray, float32, shape (latent_dim,)
        """
        seed = None if seed is None else validation.check_seed("seed", seed)
        rng = np.random.default_rng(seed)
        z = np.clip(
            rng.standard_normal(self.latent_dim),
            -self.z_range,
            self.z_range,
        )
        self.z = np.round(z / self.step) * self.step
        return self.z

    def start_from_example(self, index):
        """Set z to the encoder mean of example ``index`` (what its thumbnail button does).

        A conditional explorer also sets the label to the example's.
        """
        if not len(self.examples_z):
            raise ValueError(
                validation.message(
                    "index",
                    "an example's index, but this explorer has no examples",
                    index,
                )
            )
        index = validation.check_integer(
            "index", index, minimum=0, maximum=len(self.examples_z) - 1
        )
        if self.conditional:
            self.label = self.examples[index]["label"]
        self.z = self.examples[index][
            "z"
        ]  # the stored (rounded) mean the browser uses too

    def image(self, z=None, label=None):
        """The Keras decoder's image for ``z`` (default: the current z).

        Parameters
        ----------
        z : array_like, shape (latent_dim,), optional
        label : int, optional
            A conditional explorer's digit class (default: the current label).

        Returns
        -------
        image : numpy.ndarray, float32, shape (28, 28), values in [0, 1]
        """
        z = self.z if z is None else self.check_z(z)
        batch = self._decoder_input(z, label)  # (1, latent_dim [+ 10])
        pixels = keras.ops.convert_to_numpy(
            self._decoder(batch, training=False)
        )  # (1, 784)
        return pixels.reshape(data.IMAGE_SHAPE).astype(np.float32)

    def browser_image(self, z=None, label=None):
        """What the browser draws for ``z``: the packed weights' forward pass, in NumPy.

        Parameters
        ----------
        z : array_like, shape (latent_dim,), optional
        label : int, optional
            A conditional explorer's digit class (default: the current label).

        Returns
        -------
        image : numpy.ndarray, float64, shape (28, 28), values in [0, 1]
        """
        z = self.z if z is None else self.check_z(z)
        label = self.label if label is None else self.check_label(label)
        labels = [label] if self.conditional else None
        return decode_with_packed_weights(
            self.packed_decoder, z[None, :], labels
        ).reshape(data.IMAGE_SHAPE)

    def state_size(self):
        """Bytes of the widget's state as JSON (weights, examples, code): what a saved
        notebook stores for it."""
        state = self.get_state()
        return len(json.dumps(state))

    def _warn_if_state_is_large(self):
        size = self.state_size()
        if size > MAX_STATE_BYTES:
            warnings.warn(
                f"the latent explorer's state is {size / 1e6:.1f} MB (more than "
                f"{MAX_STATE_BYTES / 1e6:.1f} MB): every notebook that displays it stores that much "
                f"and every browser that opens it downloads it. A decoder with fewer hidden units "
                f"({self.packed_decoder['hidden_units']} now) keeps it small: about 1 KB per unit.",
                UserWarning,
                stacklevel=3,
            )
