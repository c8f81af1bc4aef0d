"""Wrong answers to Lesson 09's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_09


def _conv_decoder(latent_dim, flat=True, last="sigmoid", filters=16):
    """Lesson 9 exercise 2's decoder, or one with a named mistake."""
    z = keras.Input(shape=(latent_dim,))
    hidden = keras.layers.Reshape((7, 7, 32))(keras.layers.Dense(7 * 7 * 32, activation="relu")(z))
    hidden = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(hidden)
    hidden = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation=last)(hidden)
    return keras.Model(z, keras.layers.Reshape((784,))(hidden) if flat else hidden)


WRONG_ANSWERS = [
    (lesson_09.ex1, "no_bias", lambda: lambda k, c, f: k * k * c * f),
    (lesson_09.ex1, "per_pixel", lambda: lambda k, c, f: (784 * c + 1) * f),
    (lesson_09.ex1, "wrong_value", lambda: lambda k, c, f: k * c * f + f),
    (lesson_09.ex1, "not_a_function", lambda: 160),
    (lesson_09.ex2, "not_a_model", lambda: _conv_decoder(2)),
    (lesson_09.ex2, "not_a_model", lambda: lambda latent_dim: _conv_decoder(latent_dim).layers),
    (lesson_09.ex2, "image_shape", lambda: lambda latent_dim: _conv_decoder(latent_dim, flat=False)),
    (lesson_09.ex2, "no_sigmoid", lambda: lambda latent_dim: _conv_decoder(latent_dim, last=None)),
    (lesson_09.ex2, "wrong_size", lambda: lambda latent_dim: _conv_decoder(latent_dim, filters=32)),
    (lesson_09.ex2, "not_a_function", lambda: 7),
]
