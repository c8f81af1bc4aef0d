"""Wrong answers to Lesson 09's exercises: (exercise, mistake named, answer)."""

import functools

import keras
import numpy as np

from vae_lessons import data, evaluation, training
from vae_lessons.exercises import lesson_09


def _conv_decoder(latent_dim, flat=True, last="sigmoid", filters=16):
    """Lesson 9 exercise 2's decoder, or one with a named mistake."""
    z = keras.Input(shape=(latent_dim,))
    hidden = keras.layers.Reshape((7, 7, 32))(keras.layers.Dense(7 * 7 * 32, activation="relu")(z))
    hidden = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(hidden)
    hidden = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation=last)(hidden)
    return keras.Model(z, keras.layers.Reshape((784,))(hidden) if flat else hidden)


@functools.cache
def _scores():
    """Exercise 3's models scored here afresh: per-seed -ELBO of each network, and seed 0's per digit."""
    _, (test_images, _) = data.load_mnist()
    x_test = data.flatten_and_scale(test_images)
    by_seed, per_digit = {}, {}
    for architecture in ("conv", "mlp"):
        models = [training.trained_vae(training.TrainingConfig(architecture=architecture, epochs=10, seed=seed))[0]
                  for seed in (0, 1, 2)]
        by_seed[architecture] = np.array([evaluation.held_out_score(vae, x_test).negative_elbo for vae in models])
        per_digit[architecture] = np.sum(evaluation.elbo_terms(models[0], x_test), axis=0)
    return by_seed, per_digit


def _answer(mean_shift=0.0, sign=1.0, error="paired", verdict="right"):
    by_seed, per_digit = _scores()
    d = evaluation.paired_difference(by_seed["conv"], by_seed["mlp"])
    standard_error = {
        "paired": d.standard_error,
        "unpaired": np.sqrt((np.var(by_seed["conv"], ddof=1) + np.var(by_seed["mlp"], ddof=1)) / 3),
        "standard_deviation": d.standard_error * np.sqrt(3),
    }[error]
    right = lesson_09.right_verdicts(d.mean, d.standard_error)
    if verdict == "right":
        verdict = sorted(right)[0]
    elif verdict == "wrong":
        verdict = next(v for v in ("conv better", "MLP better", "cannot tell") if v.lower() not in right)
    return (sign * d.mean + mean_shift, standard_error, verdict)


def _one_seed():
    _, per_digit = _scores()
    d = evaluation.paired_difference(per_digit["conv"], per_digit["mlp"])
    return (d.mean, d.standard_error, "cannot tell")


WRONG_ANSWERS = [
    (lesson_09.ex1, "no_bias", lambda: lambda k, c, f: k * k * c * f),
    (lesson_09.ex1, "per_pixel", lambda: lambda k, c, f: (784 * c + 1) * f),
    (lesson_09.ex1, "kernel_not_squared", lambda: lambda k, c, f: k * c * f + f),
    (lesson_09.ex1, "ignores_input", lambda: lambda k, c, f: 160),
    (lesson_09.ex1, "wrong_value", lambda: lambda k, c, f: (k * k + 1) * c * f),
    (lesson_09.ex1, "not_a_function", lambda: 160),
    (lesson_09.ex2, "not_a_model", lambda: _conv_decoder(2)),
    (lesson_09.ex2, "not_a_model", lambda: lambda latent_dim: _conv_decoder(latent_dim).layers),
    (lesson_09.ex2, "ignores_input", lambda: lambda latent_dim: _conv_decoder(2)),
    (lesson_09.ex2, "wrong_input_size", lambda: lambda latent_dim: _conv_decoder(latent_dim + 1)),
    (lesson_09.ex2, "image_shape", lambda: lambda latent_dim: _conv_decoder(latent_dim, flat=False)),
    (lesson_09.ex2, "no_sigmoid", lambda: lambda latent_dim: _conv_decoder(latent_dim, last=None)),
    (lesson_09.ex2, "wrong_size", lambda: lambda latent_dim: _conv_decoder(latent_dim, filters=32)),
    (lesson_09.ex2, "not_a_function", lambda: 7),
    (lesson_09.ex3, "reversed_sign", lambda: _answer(sign=-1.0)),
    (lesson_09.ex3, "unpaired", lambda: _answer(error="unpaired")),
    (lesson_09.ex3, "standard_deviation", lambda: _answer(error="standard_deviation")),
    (lesson_09.ex3, "one_seed", _one_seed),
    (lesson_09.ex3, "wrong_value", lambda: _answer(mean_shift=5.0)),
    (lesson_09.ex3, "wrong_verdict", lambda: _answer(verdict="wrong")),
    (lesson_09.ex3, "wrong_type", lambda: "cannot tell"),
    (lesson_09.ex3, "wrong_type", lambda: (1.0, 0.5, "maybe")),
    (lesson_09.ex3, "wrong_type", lambda: ("1.0", 0.5, "cannot tell")),
]
