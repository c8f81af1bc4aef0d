"""Lesson 3 exercises: the reconstruction loss, the KL term and the know-nothing baseline."""

from __future__ import annotations

import math

import keras
import numpy as np

from vae_lessons import data, losses
from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

RELATIVE_TOLERANCE = 1e-4  # float32 sums over 784 pixels
ABSOLUTE_TOLERANCE = 1e-2  # nats; covers any clipping epsilon up to 1e-5
BASELINE_TOLERANCE = 0.05  # nats per digit


def _grey_pair():
    """x and x_reconstructed strictly inside (0, 1): shape (4, 784) each, no clipping needed."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.95, size=(4, data.NUM_PIXELS)).astype(
        np.float32
    )
    x_reconstructed = rng.uniform(
        0.05, 0.95, size=(4, data.NUM_PIXELS)
    ).astype(np.float32)
    return x, x_reconstructed


def _perfect_pair():
    """Four real digits and a perfect reconstruction, with outputs of exactly 0 and 1."""
    (x_train, _), _ = data.load_mnist()
    x = data.flatten_and_scale(
        x_train[:4]
    )  # (4, 784), many exact 0s, some exact 1s
    return x, x.copy()


def _numpy(tensor):
    return keras.ops.convert_to_numpy(tensor).astype(np.float64)


@exercise(
    name="lesson_03.ex1",
    why="Summed over the 784 pixels, this is -log p(x|z) in nats, the term of the ELBO "
    "that makes the decoder draw the digit it was given.",
    hints=(
        (
            "Per pixel: -(x log p + (1 - x) log(1 - p)), with p = x_reconstructed. Then sum over "
            "the pixels, keeping one value per digit."
        ),
        (
            "Sum with axis=-1 (a mean would divide by 784). A pixel p of exactly 0 or 1 gives "
            "log(0): clip p to [1e-7, 1 - 1e-7] first."
        ),
        "p = np.clip(x_reconstructed, 1e-7, 1 - 1e-7); return -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)",
    ),
    solution="""
        def reconstruction_loss(x, x_reconstructed):
            # keep the log finite at outputs of exactly 0 or 1
            p = np.clip(x_reconstructed, 1e-7, 1 - 1e-7)
            # (batch, 784)
            log_likelihood = x * np.log(p) + (1 - x) * np.log(1 - p)
            # (batch,): summed over pixels, in nats
            return -np.sum(log_likelihood, axis=-1)


        answer = reconstruction_loss
    """,
    mistakes=(
        "mean_instead_of_sum",
        "swapped_arguments",
        "wrong_sign",
        "no_clipping",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex1(answer):
    """A function ``reconstruction_loss(x, x_reconstructed) -> (batch,)``, like losses.reconstruction_loss."""
    x, x_reconstructed = _grey_pair()
    value = as_array(
        call(answer, x, x_reconstructed), (len(x),), "the loss"
    )
    expected = _numpy(losses.reconstruction_loss(x, x_reconstructed))
    if not close(value, expected, RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE):
        if close(
            value * data.NUM_PIXELS,
            expected,
            RELATIVE_TOLERANCE,
            ABSOLUTE_TOLERANCE,
        ):
            raise Mistake(
                "mean_instead_of_sum",
                "Off by a factor of 784: you averaged over the pixels instead of summing. "
                "The negative log-likelihood of a digit is the sum over its pixels.",
            )
        if close(
            value,
            _numpy(losses.reconstruction_loss(x_reconstructed, x)),
            RELATIVE_TOLERANCE,
            ABSOLUTE_TOLERANCE,
        ):
            raise Mistake(
                "swapped_arguments",
                "You swapped the arguments: the logs must be of the decoder's output "
                "x_reconstructed, weighted by the target x (the 2018 notebook's costliest bug).",
            )
        if close(-value, expected, RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE):
            raise Mistake(
                "wrong_sign",
                "Right size, wrong sign: a loss is the NEGATIVE log-likelihood.",
            )
        raise Mistake(
            "wrong_value",
            f"Off from losses.reconstruction_loss (tolerance {RELATIVE_TOLERANCE} relative, "
            f"{ABSOLUTE_TOLERANCE} nats). Check the formula pixel by pixel on one digit.",
        )
    x, x_reconstructed = _perfect_pair()
    try:
        as_array(call(answer, x, x_reconstructed), (len(x),), "the loss")
    except Mistake as mistake:
        if mistake.name != "not_finite":
            raise
        raise Mistake(
            "no_clipping",
            "Right on grey pixels, but NaN or infinity when an output is exactly 0 or 1: "
            "0 * log(0) is NaN. Clip x_reconstructed to [1e-7, 1 - 1e-7] before taking logs.",
        ) from None


def _latents():
    """Fixed test inputs z_mean, z_log_var (some negative), shape (6, 3): latent_dim 3, not 2."""
    rng = np.random.default_rng(1)
    z_mean = rng.normal(size=(6, 3)).astype(np.float32)
    z_log_var = rng.uniform(-2.0, 1.5, size=(6, 3)).astype(np.float32)
    return z_mean, z_log_var


@exercise(
    name="lesson_03.ex2",
    why="The closed-form KL is what keeps each digit's code near the prior N(0, I); with "
    "z_log_var the log of the variance, sigma^2 is exp(z_log_var).",
    hints=(
        "Per dimension: 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2); sum over the latent dimensions.",
        "z_log_var already is log sigma^2, and sigma^2 = exp(z_log_var) (no factor 2 here).",
        "return 0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=-1)",
    ),
    solution="""
        def kl_divergence(z_mean, z_log_var):
            # (batch, latent_dim)
            per_dimension = 0.5 * (np.exp(z_log_var) + z_mean**2 - 1 - z_log_var)
            return np.sum(per_dimension, axis=-1)  # (batch,)


        answer = kl_divergence
    """,
    mistakes=(
        "log_var_as_log_sigma",
        "missing_half",
        "mean_over_dimensions",
        "wrong_sign",
        "wrong_shape",
        "not_finite",
    ),
)
def ex2(answer):
    """A function ``kl_divergence(z_mean, z_log_var) -> (batch,)``, like losses.kl_divergence."""
    z_mean, z_log_var = _latents()
    value = as_array(
        call(answer, z_mean, z_log_var),
        (len(z_mean),),
        "the KL",
        not_finite_advice="z_log_var can be negative: do not take its log or square root; "
        "the variance is exp(z_log_var).",
    )
    expected = _numpy(losses.kl_divergence(z_mean, z_log_var))
    if close(value, expected, RELATIVE_TOLERANCE, 1e-4):
        return
    mu, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
    candidates = {
        "log_var_as_log_sigma": (
            0.5
            * np.sum(
                np.exp(2 * log_var) + mu**2 - 1 - 2 * log_var, axis=-1
            ),
            (
                "You treated z_log_var as log sigma (a factor of 2: exp(2 z_log_var)). It is the log "
                "of the variance: sigma^2 = exp(z_log_var) and log sigma^2 = z_log_var."
            ),
        ),
        "missing_half": (
            2 * expected,
            "Twice the KL: the formula has a factor 0.5 in front.",
        ),
        "mean_over_dimensions": (
            expected / mu.shape[1],
            "You averaged over the latent dimensions; sum them (the KL of independent dimensions adds up).",
        ),
        "wrong_sign": (
            -expected,
            "Right size, wrong sign: a KL divergence is never negative.",
        ),
    }
    for name, (wrong, message) in candidates.items():
        if close(value, wrong, RELATIVE_TOLERANCE, 1e-4):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        "Off from losses.kl_divergence (tolerance 1e-4). Check one dimension by hand: "
        "z_mean=0, z_log_var=0 must give 0.",
    )


@exercise(
    name="lesson_03.ex3",
    why="784 log 2 = 543.4 nats is the loss of knowing nothing, whatever the digit. A trained "
    "decoder beats it on typical digits; a confidently wrong one can do worse (Lesson 8 "
    "shows one).",
    hints=(
        "With p = 0.5 every pixel costs -(x log 0.5 + (1 - x) log 0.5), whatever x is.",
        "That is log 2 nats per pixel, summed over 784 pixels.",
        "answer = 784 * np.log(2), or losses.reconstruction_loss(x, np.full_like(x, 0.5)) for any digits x.",
    ),
    solution="""
        (x_train, y_train), (x_test, y_test) = data.load_mnist()
        three_digits = data.flatten_and_scale(x_test[:3])  # (3, 784)
        coin = keras.ops.convert_to_numpy(
            losses.reconstruction_loss(
                three_digits, np.full_like(three_digits, 0.5)
            )
        )  # (3,)
        print(
            "all-0.5 decoder:",
            np.round(coin, 1),
            " 784 * log 2 =",
            round(784 * np.log(2), 1),
        )
        answer = float(coin[0])
    """,
    mistakes=(
        "mean_instead_of_sum",
        "bits_instead_of_nats",
        "wrong_sign",
        "wrong_shape",
    ),
)
def ex3(answer):
    """The reconstruction loss of a decoder that outputs 0.5 for every pixel, nats per digit."""
    value = float(as_array(answer, (), "the loss"))
    expected = data.NUM_PIXELS * math.log(2)
    if abs(value - expected) <= BASELINE_TOLERANCE:
        return
    if abs(value * data.NUM_PIXELS - expected) <= BASELINE_TOLERANCE:
        raise Mistake(
            "mean_instead_of_sum",
            "Off by a factor of 784: that is the loss per pixel. Sum over the 784 pixels.",
        )
    if abs(value - data.NUM_PIXELS) <= BASELINE_TOLERANCE:
        raise Mistake(
            "bits_instead_of_nats",
            "That is in bits (log base 2); the package works in nats (natural log): multiply by ln 2.",
        )
    if abs(value + expected) <= BASELINE_TOLERANCE:
        raise Mistake(
            "wrong_sign",
            "That is the log-likelihood; the loss is its negative.",
        )
    raise Mistake(
        "wrong_value",
        f"{value:.1f} nats is not it (tolerance {BASELINE_TOLERANCE}). Work out the cost of one "
        "pixel when the output is 0.5, then count the pixels.",
    )
