"""Lesson 3 exercises: the reconstruction loss, the KL term, the know-nothing baseline, a wider prior.

Each function answer is called on several inputs, fixed and seeded-random, whose right
answers differ: a function that returns one array whatever it is given fails.
"""

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
    results_on,
)

RELATIVE_TOLERANCE = 1e-4  # float32 sums over 784 pixels
ABSOLUTE_TOLERANCE = 1e-2  # nats; covers any clipping epsilon up to 1e-5
BASELINE_TOLERANCE = 0.05  # nats per digit


def _grey_pairs():
    """Pairs (x, x_reconstructed) strictly inside (0, 1), no clipping needed.

    A seeded-random (4, 784) pair of uniform grey levels, and three real test digits (3, 784),
    squeezed into [0.05, 0.95], each with a blurred reconstruction (half the digit, half the
    average of four).
    """
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.95, size=(4, data.NUM_PIXELS)).astype(
        np.float32
    )
    x_reconstructed = rng.uniform(
        0.05, 0.95, size=(4, data.NUM_PIXELS)
    ).astype(np.float32)
    _, (x_test, _) = data.load_mnist()
    digits = 0.05 + 0.9 * data.flatten_and_scale(x_test[:4])  # (4, 784)
    blurred = 0.5 * digits + 0.5 * digits.mean(axis=0)  # (4, 784)
    return [(x, x_reconstructed), (digits[1:], blurred[1:])]


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
        "ignores_input",
    ),
)
def ex1(answer):
    """A function ``reconstruction_loss(x, x_reconstructed) -> (batch,)``, like losses.reconstruction_loss."""
    pairs = _grey_pairs()
    expected = [
        _numpy(losses.reconstruction_loss(x, x_reconstructed))
        for x, x_reconstructed in pairs
    ]
    results = results_on(answer, pairs, expected)
    for (x, x_reconstructed), result, right in zip(
        pairs, results, expected
    ):
        value = as_array(result, (len(x),), "the loss")
        if close(value, right, RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE):
            continue
        if close(
            value * data.NUM_PIXELS,
            right,
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
        if close(-value, right, RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE):
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
    """Test inputs (z_mean, z_log_var), log-variances of both signs, latent_dim 3 and 5, not 2.

    A fixed (3, 3) one whose first row is the prior itself (KL 0), and seeded-random (6, 3)
    and (4, 5) ones.
    """
    fixed = (
        np.array([[0, 0, 0], [1, -1, 0.5], [0, 2, 0]], dtype=np.float32),
        np.array([[0, 0, 0], [0, -1, 1], [-2, 0.5, 0]], dtype=np.float32),
    )
    inputs = [fixed]
    for seed, shape in ((1, (6, 3)), (2, (4, 5))):
        rng = np.random.default_rng(seed)
        z_mean = rng.normal(size=shape).astype(np.float32)
        z_log_var = rng.uniform(-2.0, 1.5, size=shape).astype(np.float32)
        inputs.append((z_mean, z_log_var))
    return inputs


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
        "ignores_input",
    ),
)
def ex2(answer):
    """A function ``kl_divergence(z_mean, z_log_var) -> (batch,)``, like losses.kl_divergence."""
    inputs = _latents()
    expected = [
        _numpy(losses.kl_divergence(*arguments)) for arguments in inputs
    ]
    results = results_on(answer, inputs, expected)
    for (z_mean, z_log_var), result, right in zip(
        inputs, results, expected
    ):
        value = as_array(
            result,
            (len(z_mean),),
            "the KL",
            not_finite_advice="z_log_var can be negative: do not take its log or square root; "
            "the variance is exp(z_log_var).",
        )
        if close(value, right, RELATIVE_TOLERANCE, 1e-4):
            continue
        mu, log_var = (
            z_mean.astype(np.float64),
            z_log_var.astype(np.float64),
        )
        candidates = {
            "log_var_as_log_sigma": (
                0.5
                * np.sum(
                    np.exp(2 * log_var) + mu**2 - 1 - 2 * log_var, axis=-1
                ),
                (
                    "You treated z_log_var as log sigma (a factor of 2: exp(2 z_log_var)). It is "
                    "the log of the variance: sigma^2 = exp(z_log_var) and log sigma^2 = z_log_var."
                ),
            ),
            "missing_half": (
                2 * right,
                "Twice the KL: the formula has a factor 0.5 in front.",
            ),
            "mean_over_dimensions": (
                right / mu.shape[1],
                (
                    "You averaged over the latent dimensions; sum them (the KL of independent "
                    "dimensions adds up)."
                ),
            ),
            "wrong_sign": (
                -right,
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
    kind="one-liner",
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


PRIOR_TOLERANCE = 1e-4  # relative and absolute (nats), float32 arithmetic


def _prior_inputs():
    """Test inputs (z_mean, z_log_var, prior_variance): priors wider, narrower and N(0, I).

    Seeded-random (6, 3) with prior variance 4, (5, 2) with 0.25, (4, 4) with 2.5, and the
    fixed inputs of ex2 with 1 (there the answer is the KL to N(0, I)).
    """
    inputs = []
    for seed, shape, prior_variance in (
        (3, (6, 3), 4.0),
        (4, (5, 2), 0.25),
        (5, (4, 4), 2.5),
    ):
        rng = np.random.default_rng(seed)
        z_mean = rng.normal(scale=1.5, size=shape).astype(np.float32)
        z_log_var = rng.uniform(-2.0, 1.5, size=shape).astype(np.float32)
        inputs.append((z_mean, z_log_var, prior_variance))
    inputs.append((*_latents()[0], 1.0))
    return inputs


def _kl_to_prior(z_mean, z_log_var, prior_variance):
    """KL(N(z_mean, exp(z_log_var)) || N(0, prior_variance)) per example, float64, (batch,)."""
    mu, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
    per_dimension = 0.5 * (
        (np.exp(log_var) + mu**2) / prior_variance
        - 1
        - log_var
        + np.log(prior_variance)
    )  # (batch, latent_dim)
    return np.sum(per_dimension, axis=-1)


def _prior_mistakes(z_mean, z_log_var, prior_variance):
    """The classic wrong versions of the KL to N(0, s^2): name -> (value, message)."""
    mu, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
    variance, s2 = np.exp(log_var), prior_variance
    right = _kl_to_prior(z_mean, z_log_var, prior_variance)
    return {
        "forgot_log_prior": (
            0.5 * np.sum((variance + mu**2) / s2 - 1 - log_var, axis=-1),
            (
                "A term is missing: log p(z) of N(0, s^2) has a normalising constant "
                "-0.5 log(2 pi s^2), and the s^2 in it does not cancel against q's. Redo that "
                "line of the derivation."
            ),
        ),
        "mean_not_scaled": (
            0.5
            * np.sum(
                variance / s2 + mu**2 - 1 - log_var + np.log(s2), axis=-1
            ),
            (
                "mu^2 is not divided by the prior variance: E_q[z^2] = sigma^2 + mu^2, and "
                "all of it is divided by s^2."
            ),
        ),
        "variance_not_scaled": (
            0.5
            * np.sum(
                variance + mu**2 / s2 - 1 - log_var + np.log(s2), axis=-1
            ),
            (
                "sigma^2 is not divided by the prior variance: E_q[z^2] = sigma^2 + mu^2, and "
                "all of it is divided by s^2."
            ),
        ),
        "std_as_variance": (
            _kl_to_prior(z_mean, z_log_var, prior_variance**2),
            (
                "You used prior_variance as the prior's standard deviation s (squaring it). "
                "It already is s^2, the variance."
            ),
        ),
        "reversed_kl": (
            0.5
            * np.sum(
                (s2 + mu**2) / variance - 1 + log_var - np.log(s2), axis=-1
            ),
            (
                "That is KL(p || q), the KL the other way round: the expectation must be over q, "
                "the encoder's N(mu, sigma^2), so the prior's variance divides, not sigma^2."
            ),
        ),
        "mean_over_dimensions": (
            right / mu.shape[1],
            (
                "You averaged over the latent dimensions; sum them (the KL of independent "
                "dimensions adds up)."
            ),
        ),
    }


@exercise(
    name="lesson_03.ex4",
    why="A prior of variance s^2 charges codes on the scale s instead of 1: the same "
    "derivation, with E_q[z^2] = sigma^2 + mu^2 divided by s^2 and a log s^2 from the "
    "prior's normalising constant. With s^2 = 1 it is the lesson's KL.",
    hints=(
        (
            "Redo the lesson's derivation with log p(z) = -0.5 log(2 pi s^2) - z^2 / (2 s^2); "
            "only the prior's two terms change."
        ),
        (
            "Per dimension: 0.5 * ((sigma^2 + mu^2) / s^2 - 1 - log sigma^2 + log s^2), then "
            "sum over the latent dimensions."
        ),
        (
            "variance = np.exp(z_log_var); per_dimension = 0.5 * ((variance + z_mean**2) / "
            "prior_variance - 1 - z_log_var + np.log(prior_variance)); return "
            "np.sum(per_dimension, axis=-1)"
        ),
    ),
    solution="""
        def kl_to_prior(z_mean, z_log_var, prior_variance):
            variance = np.exp(z_log_var)  # sigma^2, (batch, latent_dim)
            # E_q[log q(z) - log p(z)] for p = N(0, prior_variance), per dimension
            per_dimension = 0.5 * (
                (variance + z_mean**2) / prior_variance
                - 1
                - z_log_var
                + np.log(prior_variance)
            )
            return np.sum(per_dimension, axis=-1)  # (batch,)


        answer = kl_to_prior
    """,
    mistakes=(
        "forgot_log_prior",
        "mean_not_scaled",
        "variance_not_scaled",
        "std_as_variance",
        "reversed_kl",
        "mean_over_dimensions",
        "wrong_shape",
        "not_a_function",
        "ignores_input",
    ),
)
def ex4(answer):
    """A function ``kl_to_prior(z_mean, z_log_var, prior_variance) -> (batch,)``, the KL to N(0, s^2)."""
    inputs = _prior_inputs()
    expected = [_kl_to_prior(*arguments) for arguments in inputs]
    results = results_on(answer, inputs, expected)
    for arguments, result, right in zip(inputs, results, expected):
        value = as_array(
            result,
            right.shape,
            "the KL",
            not_finite_advice="z_log_var can be negative: do not take its log or square root; "
            "the variance is exp(z_log_var).",
        )
        if close(value, right, PRIOR_TOLERANCE, PRIOR_TOLERANCE):
            continue
        for name, (wrong, message) in _prior_mistakes(*arguments).items():
            if close(value, wrong, PRIOR_TOLERANCE, PRIOR_TOLERANCE):
                raise Mistake(name, message)
        raise Mistake(
            "wrong_value",
            "Off from the KL to N(0, s^2) (tolerance 1e-4). Two checks by hand: with "
            "prior_variance=1 it must equal your kl_divergence, and z_mean=0 with "
            "z_log_var=log(prior_variance) must give 0.",
        )
