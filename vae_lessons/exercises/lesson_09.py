"""Lesson 9 exercises: what a convolution costs, and the convolutional decoder itself.

Neither trains a model.
"""

from __future__ import annotations

import keras
import numpy as np

from vae_lessons import architectures
from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-9  # relative


def _conv_cases():
    """(kernel_size, in_channels, filters) of the encoder's convolutions and a few more."""
    return np.array([[3, 1, 16], [3, 16, 32], [5, 3, 8], [1, 7, 2]])


@exercise(
    name="lesson_09.ex1",
    why="A convolution shares one small kernel over the whole image, so its size does "
    "not grow with the image: that is why the conv VAE has far fewer parameters than the MLP.",
    hints=(
        (
            "Each of the `filters` output channels has one kernel_size x kernel_size "
            "kernel per input channel, and one bias."
        ),
        "kernel_size**2 * in_channels weights per filter, plus 1 bias per filter.",
        "return (kernel_size**2 * in_channels + 1) * filters",
    ),
    solution="""
        def conv2d_parameters(kernel_size, in_channels, filters):
            weights = kernel_size**2 * in_channels * filters  # the kernels
            return weights + filters  # plus one bias per filter

        answer = conv2d_parameters
        # the encoder's first layer: conv2d_parameters(3, 1, 16) = 160
    """,
    mistakes=("no_bias", "per_pixel", "not_a_function"),
)
def ex1(answer):
    """``conv2d_parameters(kernel_size, in_channels, filters) -> int``: a Conv2D's size."""
    cases = _conv_cases()
    kernel_size, in_channels, filters = cases.T
    value = as_array(
        [call(answer, *(int(v) for v in case)) for case in cases],
        (len(cases),),
        "the results",
    )
    expected = (kernel_size**2 * in_channels + 1) * filters
    if close(value, expected, TOLERANCE):
        return
    if close(value, kernel_size**2 * in_channels * filters, TOLERANCE):
        raise Mistake("no_bias", "Close: each filter also has one bias.")
    if close(value, (28 * 28 * in_channels + 1) * filters, TOLERANCE):
        raise Mistake(
            "per_pixel",
            "That is a dense layer from every pixel: a convolution's kernel is "
            "only kernel_size x kernel_size, shared over the image.",
        )
    raise Mistake(
        "wrong_value",
        "Not the Conv2D parameter count. Check: a 3 x 3 convolution from 1 "
        "channel to 16 filters has 160 parameters.",
    )


LATENT_DIMS = (
    2,
    5,
)  # the decoder is built for each: a fixed model cannot pass


@exercise(
    name="lesson_09.ex2",
    why="The decoder mirrors the encoder: a dense layer makes 7 x 7 feature maps from z, "
    "and each stride-2 transposed convolution doubles them, 7 -> 14 -> 28, the last one "
    "with a sigmoid giving each pixel's Bernoulli mean.",
    hints=(
        (
            "Start from `z = keras.Input(shape=(latent_dim,))`; a Dense layer of 7 * 7 * 32 "
            "units and a Reshape give (7, 7, 32) feature maps."
        ),
        (
            "Then Conv2DTranspose(16, 3, strides=2, padding='same', activation='relu') "
            "-> (14, 14, 16), and Conv2DTranspose(1, 3, strides=2, padding='same', "
            "activation='sigmoid') -> (28, 28, 1); Reshape((784,)) at the end."
        ),
        "Compare with architectures.build_conv_decoder's code, or print model.summary().",
    ),
    solution="""
        def conv_decoder(latent_dim):
            z = keras.Input(shape=(latent_dim,))
            hidden = keras.layers.Dense(7 * 7 * 32, activation="relu")(z)
            hidden = keras.layers.Reshape((7, 7, 32))(hidden)  # (batch, 7, 7, 32)
            hidden = keras.layers.Conv2DTranspose(
                16, 3, strides=2, padding="same", activation="relu"
            )(hidden)  # (batch, 14, 14, 16)
            hidden = keras.layers.Conv2DTranspose(
                1, 3, strides=2, padding="same", activation="sigmoid"
            )(hidden)  # (batch, 28, 28, 1)
            x_reconstructed = keras.layers.Reshape((784,))(hidden)  # (batch, 784)
            return keras.Model(z, x_reconstructed)

        answer = conv_decoder
    """,
    mistakes=(
        "not_a_model",
        "image_shape",
        "no_sigmoid",
        "wrong_size",
        "not_a_function",
    ),
)
def ex2(answer):
    """``conv_decoder(latent_dim) -> keras.Model``: z (batch, latent_dim) -> (batch, 784)."""
    if isinstance(answer, keras.Model):
        raise Mistake(
            "not_a_model",
            "This is one model; the exercise wants the function that builds it, for any "
            "latent_dim: `answer = conv_decoder` (no parentheses).",
        )
    for latent_dim in LATENT_DIMS:
        model = call(answer, latent_dim)
        if not isinstance(model, keras.Model):
            raise Mistake(
                "not_a_model",
                f"conv_decoder({latent_dim}) returned a {type(model).__name__}; it should "
                "return a keras.Model: `return keras.Model(z, x_reconstructed)`.",
            )
        # codes far from 0, so that an output without a sigmoid leaves [0, 1]
        z = 3 * np.random.default_rng(latent_dim).standard_normal(
            (4, latent_dim)
        ).astype("float32")  # (4, latent_dim)
        decoded = keras.ops.convert_to_numpy(model(z))
        if decoded.shape in ((4, 28, 28, 1), (4, 28, 28)):
            raise Mistake(
                "image_shape",
                f"The output has shape {decoded.shape}: images. The VAE's loss reads "
                "flat digits, so end with keras.layers.Reshape((784,)).",
            )
        decoded = as_array(decoded, (4, 784), "the decoded digits")
        if decoded.min() < 0 or decoded.max() > 1:
            raise Mistake(
                "no_sigmoid",
                "Some outputs are outside [0, 1]: the last transposed convolution "
                "needs activation='sigmoid', since each output is a Bernoulli mean.",
            )
        expected = architectures.build_conv_decoder(latent_dim)
        if model.count_params() != expected.count_params():
            raise Mistake(
                "wrong_size",
                "Your decoder does not have the size of the encoder's mirror image: "
                "check the Dense layer's 7 * 7 * 32 units, the filters (16, then 1), "
                "the 3 x 3 kernels and stride 2. model.summary() lists each layer.",
            )
