"""Lessons 9 and 10: a convolutional encoder and decoder (lesson 9), and training aids (lesson 10).

The convolutional builders return Keras models with the same inputs and outputs as the
MLP builders of :mod:`vae_lessons.models`, so the same ``models.VAE`` class, loss and
``.keras`` save/load work unchanged. Digits stay flat vectors outside; the models
reshape inside::

    encoder  x (784) -> (28, 28, 1) -> Conv2D(16, stride 2) -> (14, 14, 16)
             -> Conv2D(32, stride 2) -> (7, 7, 32) -> flatten (1568)
             -> z_mean, z_log_var (latent_dim) -> Sampling -> z
    decoder  z (latent_dim) -> Dense -> (7, 7, 32) -> Conv2DTranspose(16, stride 2)
             -> (14, 14, 16) -> Conv2DTranspose(1, stride 2, sigmoid) -> (28, 28, 1) -> 784

The decoder mirrors the encoder: each stride-2 convolution of the encoder halves the
image, each stride-2 transposed convolution of the decoder doubles it, and the last one
outputs the single channel of pixel means. ``dense_units`` adds the keras-io example's
dense bottleneck between the convolutions and z, and ``final_convolution`` its extra
full-resolution layer; the design study (``benchmarks/conv_design.py``) measured both.
The convolutions are Keras's own ``Conv2D`` and ``Conv2DTranspose`` layers.

Also here, for lesson 10: dynamic and fixed binarization of the digits (binarized
MNIST), and :class:`KLWarmUp`, a callback that ramps the KL weight.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers

from vae_lessons import data, models, validation
from vae_lessons.data import IMAGE_SHAPE, NUM_PIXELS
from vae_lessons.sampling import Sampling

DEFAULT_FILTERS = (16, 32)


def check_filters(filters):
    """Filters of the stride-2 convolutions: a non-empty tuple of positive ints that fits 28 x 28."""
    expected = "a non-empty list of positive integers, at most 2 (28 halves twice: 14, 7)"
    if (
        isinstance(filters, (str, bytes, dict))
        or not hasattr(filters, "__len__")
        or np.ndim(filters) != 1
    ):
        raise TypeError(validation.message("filters", expected, filters))
    if len(filters) == 0:
        raise ValueError(validation.message("filters", expected, filters))
    checked = tuple(
        validation.check_integer(
            "filters", value, minimum=1, maximum=models.MAX_UNITS
        )
        for value in filters
    )
    if IMAGE_SHAPE[0] % 2 ** len(checked) or IMAGE_SHAPE[1] % 2 ** len(
        checked
    ):
        # 28 -> 14 -> 7 -> 4 with 'same' padding, and the decoder could not get back to 28
        raise ValueError(validation.message("filters", expected, filters))
    return checked


def _check_dense_units(dense_units):
    if dense_units is None:
        return None
    return validation.check_integer(
        "dense_units", dense_units, minimum=1, maximum=models.MAX_UNITS
    )


def build_conv_encoder(
    latent_dim=2,
    filters=DEFAULT_FILTERS,
    dense_units=None,
    kernel_size=3,
    kl_weight=1.0,
    seed=None,
    sampling_class=Sampling,
):
    """The convolutional encoder q(z|x): x -> (z_mean, z_log_var, z).

    Parameters
    ----------
    latent_dim : int, default 2
    filters : sequence of int, default (16, 32)
        Filters of each stride-2 convolution (each halves the image: 28 -> 14 -> 7);
        one or two of them. The keras-io example uses (32, 64).
    dense_units : int or None, default None
        Units of a dense ReLU layer between the flattened feature maps and z (the
        keras-io example uses 16); None connects the feature maps to z directly.
    kernel_size : int, default 3
    kl_weight : float, default 1.0
        Weight of the KL loss added by the sampling layer.
    seed : int >= 0 or None
        Seed of the sampling noise; None is fresh randomness.
    sampling_class : type, default sampling.Sampling
        The noise hook, as for :func:`vae_lessons.models.build_encoder`.

    Returns
    -------
    encoder : keras.Model
        Input (batch, 784); outputs ``[z_mean, z_log_var, z]``, each (batch, latent_dim).
    """
    latent_dim = validation.check_integer(
        "latent_dim", latent_dim, minimum=1, maximum=models.MAX_LATENT_DIM
    )
    filters = check_filters(filters)
    dense_units = _check_dense_units(dense_units)
    kernel_size = validation.check_integer(
        "kernel_size", kernel_size, minimum=1, maximum=28
    )  # at most the image's 28 pixels
    models.check_sampling_class(sampling_class)
    sampling = sampling_class(kl_weight=kl_weight, seed=seed, name="z")
    x = keras.Input(shape=(NUM_PIXELS,), name="x")
    hidden = layers.Reshape((*IMAGE_SHAPE, 1), name="to_image")(
        x
    )  # (batch, 784) -> (batch, 28, 28, 1)
    for index, count in enumerate(filters, start=1):
        # (batch, height, width, channels) -> (batch, height / 2, width / 2, count)
        hidden = layers.Conv2D(
            count,
            kernel_size,
            strides=2,
            padding="same",
            activation="relu",
            name=f"encoder_conv_{index}",
        )(hidden)
    hidden = layers.Flatten(name="flatten")(
        hidden
    )  # (batch, 7, 7, 32) -> (batch, 1568)
    if dense_units is not None:
        hidden = layers.Dense(
            dense_units, activation="relu", name="encoder_dense"
        )(hidden)  # -> (batch, dense_units)
    z_mean = layers.Dense(latent_dim, name="z_mean")(
        hidden
    )  # -> (batch, latent_dim)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(
        hidden
    )  # -> (batch, latent_dim)
    z = sampling([z_mean, z_log_var])
    return keras.Model(x, [z_mean, z_log_var, z], name="encoder")


def build_conv_decoder(
    latent_dim=2,
    filters=DEFAULT_FILTERS,
    kernel_size=3,
    final_convolution=False,
):
    """The convolutional decoder p(x|z): z -> Bernoulli means of the 784 pixels.

    Parameters
    ----------
    latent_dim : int, default 2
    filters : sequence of int, default (16, 32)
        The encoder's filters; the decoder mirrors them (see the module docstring).
    kernel_size : int, default 3
    final_convolution : bool, default False
        False: the last stride-2 transposed convolution outputs the pixel means. True
        (the keras-io example): every transposed convolution keeps ``filters`` channels
        and one more stride-1 convolution at full resolution outputs the means (slower).

    Returns
    -------
    decoder : keras.Model
        Input (batch, latent_dim); output (batch, 784) in [0, 1].
    """
    latent_dim = validation.check_integer(
        "latent_dim", latent_dim, minimum=1, maximum=models.MAX_LATENT_DIM
    )
    filters = check_filters(filters)
    kernel_size = validation.check_integer(
        "kernel_size", kernel_size, minimum=1, maximum=28
    )  # at most the image's 28 pixels
    if not isinstance(final_convolution, (bool, np.bool_)):
        raise TypeError(
            validation.message(
                "final_convolution", "True or False", final_convolution
            )
        )
    scale = 2 ** len(filters)
    height, width = IMAGE_SHAPE[0] // scale, IMAGE_SHAPE[1] // scale
    channels = list(
        reversed(filters)
    )  # transposed convolutions from coarse to fine
    outputs = channels if final_convolution else [*channels[1:], 1]
    z = keras.Input(shape=(latent_dim,), name="z")
    hidden = layers.Dense(
        height * width * filters[-1],
        activation="relu",
        name="decoder_dense",
    )(z)
    hidden = layers.Reshape(
        (height, width, filters[-1]), name="to_feature_maps"
    )(hidden)  # -> (batch, 7, 7, 32)
    for index, count in enumerate(outputs, start=1):
        last = index == len(outputs) and not final_convolution
        # (batch, height, width, channels) -> (batch, 2 height, 2 width, count)
        hidden = layers.Conv2DTranspose(
            count,
            kernel_size,
            strides=2,
            padding="same",
            activation="sigmoid" if last else "relu",
            name=f"decoder_conv_{index}",
        )(hidden)
    if final_convolution:
        hidden = layers.Conv2D(
            1,
            kernel_size,
            padding="same",
            activation="sigmoid",
            name="decoder_output",
        )(hidden)
    x_reconstructed = layers.Reshape((NUM_PIXELS,), name="x_reconstructed")(
        hidden
    )  # (batch, 28, 28, 1) -> (batch, 784)
    return keras.Model(z, x_reconstructed, name="decoder")


def build_conv_vae(
    latent_dim=2, filters=DEFAULT_FILTERS, kl_weight=1.0, seed=None
):
    """The convolutional VAE: :func:`build_conv_encoder` and its mirror decoder.

    Parameters
    ----------
    latent_dim : int, default 2
    filters : sequence of int, default (16, 32)
    kl_weight : float, default 1.0
    seed : int or None, default None
        Seed of the sampling noise.

    Returns
    -------
    vae : models.VAE
        Built for inputs (batch, 784), like :func:`vae_lessons.models.build_vae`.
    """
    encoder = build_conv_encoder(
        latent_dim, filters, kl_weight=kl_weight, seed=seed
    )
    decoder = build_conv_decoder(latent_dim, filters)
    vae = models.VAE(encoder, decoder, name="vae")
    vae.build((None, NUM_PIXELS))
    return vae


# ---------------------------------------------------------------------------------
# Binarized MNIST: grey levels read as probabilities of a black-or-white pixel.


def binarize(x, seed=0):
    """A fixed, seeded binarization: each pixel is 1 with probability its grey level.

    Used for test digits, so a binarized-MNIST score is the same on every run.

    Parameters
    ----------
    x : array_like, shape (n, 784), values in [0, 1]
    seed : int >= 0, default 0

    Returns
    -------
    x_binary : numpy.ndarray, float32, shape (n, 784), values 0.0 or 1.0
    """
    x = data.check_digits(x)
    return draw_binary(x, validation.check_seed("seed", seed))


def draw_binary(x, seed):
    """The draw behind every binarization: pixel ``x[i, j]`` is 1 where a uniform number
    from ``numpy.random.default_rng(seed)`` falls below it.

    Parameters
    ----------
    x : numpy.ndarray, float32, shape (n, 784), values in [0, 1] (checked by the callers)
    seed : int or sequence of int
        What ``numpy.random.default_rng`` takes, e.g. ``[seed, epoch, batch]``.

    Returns
    -------
    x_binary : numpy.ndarray, float32, shape (n, 784), values 0.0 or 1.0
    """
    uniform = np.random.default_rng(seed).random(
        x.shape, dtype=np.float32
    )  # (n, 784)
    return (uniform < x).astype(np.float32)


class DynamicBinarization(keras.utils.PyDataset):
    """Training batches binarized afresh every epoch: ``(x_binary, x_binary)`` pairs.

    Each epoch shuffles the digits and draws every pixel again as a Bernoulli sample
    with its grey level as probability ("dynamic binarization"), so the model never
    sees the same black-and-white digit twice. Pass it to ``model.fit`` in place of
    ``x, x`` (without ``batch_size``). The draws of batch ``index`` of epoch ``epoch``
    come from ``numpy.random.default_rng([seed, epoch, index])``: reproducible, and
    independent of the order in which Keras reads the batches.

    Parameters
    ----------
    x : array_like, shape (n, 784), values in [0, 1]
        Grey-level digits.
    batch_size : int, default 32
    seed : int >= 0, default 0
    **kwargs
        ``workers``, ``use_multiprocessing``, ``max_queue_size`` of ``PyDataset``.
    """

    def __init__(self, x, batch_size=32, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.x = data.check_digits(x)
        self.batch_size = validation.check_integer(
            "batch_size", batch_size, minimum=1
        )
        self.seed = validation.check_seed("seed", seed)
        self.epoch = 0
        self.order = self._shuffled_order()

    def _shuffled_order(self):
        return np.random.default_rng([self.seed, self.epoch]).permutation(
            len(self.x)
        )

    def __len__(self):
        return math.ceil(
            len(self.x) / self.batch_size
        )  # a last, smaller batch

    def __getitem__(self, index):
        rows = self.order[
            index * self.batch_size : (index + 1) * self.batch_size
        ]
        x_binary = draw_binary(
            self.x[rows], [self.seed, self.epoch, index]
        )  # (batch, 784)
        return x_binary, x_binary

    def on_epoch_end(self):
        self.epoch += 1
        self.order = self._shuffled_order()


# ---------------------------------------------------------------------------------
# KL warm-up: start with the reconstruction alone, then ramp the KL weight up.


def _sampling_layers(model):
    """Every ``Sampling`` layer inside ``model``, looking into nested models."""
    found = []
    for layer in model.layers if hasattr(model, "layers") else []:
        if isinstance(layer, Sampling):
            found.append(layer)
        else:
            found.extend(_sampling_layers(layer))
    return found


class KLWarmUp(keras.callbacks.Callback):
    """Ramp the KL weight linearly from 0 to ``target`` over the first ``warmup_epochs``.

    Epoch ``e`` (counting from 0) trains with ``kl_weight = target * min(1, e /
    warmup_epochs)``: the first epoch fits the reconstruction alone, the weight reaches
    ``target`` at epoch ``warmup_epochs`` and stays there (Bowman et al. 2016; Sønderby
    et al. 2016). The weight sits in the model's ``Sampling`` layers as a variable
    (``Sampling.kl_weight``), which a compiled training step reads at every step. The logged ``kl`` is the weighted
    term, so it starts at 0; the loss of warm-up epochs is not yet the negative ELBO.

    Parameters
    ----------
    warmup_epochs : int >= 1
    target : float >= 0, default 1.0
    """

    def __init__(self, warmup_epochs, target=1.0):
        super().__init__()
        self.warmup_epochs = validation.check_integer(
            "warmup_epochs", warmup_epochs, minimum=1
        )
        self.target = validation.check_number("target", target, minimum=0)

    def weight(self, epoch):
        """The KL weight of epoch ``epoch`` (from 0)."""
        return self.target * min(1.0, epoch / self.warmup_epochs)

    def on_train_begin(self, logs=None):
        layers_found = _sampling_layers(self.model)
        if not layers_found:
            raise ValueError(
                "KLWarmUp: the model has no Sampling layer whose KL weight it could ramp"
            )
        self.layers = layers_found

    def on_epoch_begin(self, epoch, logs=None):
        for layer in self.layers:
            layer.kl_weight.assign(self.weight(epoch))
