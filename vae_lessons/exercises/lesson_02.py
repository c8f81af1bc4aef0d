"""Lesson 2 exercises: the reparameterization trick, and one epsilon per example."""

from __future__ import annotations

import keras
import numpy as np

from vae_lessons import sampling
from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-5  # relative and absolute, float32 arithmetic
STATISTICS_TOLERANCE = 0.1  # relative error allowed on a sample's mean and spread (2,000 draws)


def _latents():
    """Fixed test inputs: z_mean, z_log_var (some negative), epsilon, each (5, 3)."""
    rng = np.random.default_rng(0)
    z_mean = rng.normal(size=(5, 3)).astype(np.float32)
    z_log_var = rng.uniform(-2.0, 2.0, size=(5, 3)).astype(np.float32)
    epsilon = rng.standard_normal((5, 3)).astype(np.float32)
    return z_mean, z_log_var, epsilon


@exercise(
    name="lesson_02.ex1",
    why="Writing z as mean plus sigma times noise is what lets gradients reach the encoder; "
    "and sigma is exp(z_log_var / 2), because z_log_var is the log of the variance.",
    hints=(
        "z = mu + sigma * epsilon. What is sigma, given the log of the variance?",
        "log(sigma^2) = 2 log(sigma), so sigma = exp(z_log_var / 2).",
        "return z_mean + np.exp(z_log_var / 2) * epsilon",
    ),
    solution="""
        def reparameterize(z_mean, z_log_var, epsilon):
            sigma = np.exp(z_log_var / 2)  # z_log_var is log(sigma^2)
            return z_mean + sigma * epsilon  # (batch, latent_dim)


        answer = reparameterize
    """,
    mistakes=(
        "variance_instead_of_sigma",
        "log_var_without_exp",
        "sqrt_of_log_var",
        "forgot_mean",
        "forgot_sigma",
        "wrong_shape",
        "not_a_function",
        "returned_none",
        "changed_input",
    ),
)
def ex1(answer):
    """A function ``reparameterize(z_mean, z_log_var, epsilon) -> z``, all (batch, latent_dim)."""
    z_mean, z_log_var, epsilon = _latents()
    result = call(answer, z_mean, z_log_var, epsilon)
    try:
        z = as_array(result, z_mean.shape, "z")
    except Mistake as mistake:
        if mistake.name == "not_finite" and np.array_equal(
            np.isnan(np.asarray(result, dtype=float)), z_log_var < 0
        ):
            raise Mistake(
                "sqrt_of_log_var",
                "NaN exactly where z_log_var is negative: you took a square root (or log) of the "
                "log-variance. A log-variance can be negative; sigma is exp(z_log_var / 2).",
            ) from None
        raise
    expected = keras.ops.convert_to_numpy(
        sampling.reparameterize(z_mean, z_log_var, epsilon)
    )
    if close(z, expected, TOLERANCE, TOLERANCE):
        return
    candidates = {
        "variance_instead_of_sigma": (
            z_mean + np.exp(z_log_var) * epsilon,
            (
                "You scaled the noise by exp(z_log_var), the variance sigma^2 (as if z_log_var "
                "were log sigma: off by a factor of 2 in the exponent). Use exp(z_log_var / 2)."
            ),
        ),
        "log_var_without_exp": (
            z_mean + z_log_var * epsilon,
            "You multiplied the noise by z_log_var itself. It is a log: sigma = exp(z_log_var / 2).",
        ),
        "forgot_mean": (
            np.exp(z_log_var / 2) * epsilon,
            "The spread is right but z is not centred on z_mean: add z_mean.",
        ),
        "forgot_sigma": (
            z_mean + epsilon,
            "You added the noise without scaling it: multiply epsilon by sigma = exp(z_log_var / 2).",
        ),
    }
    for name, (wrong, message) in candidates.items():
        if close(z, wrong, TOLERANCE, TOLERANCE):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        "z differs from z_mean + exp(z_log_var / 2) * epsilon (tolerance 1e-5). Try one "
        "example by hand: z_mean=0, z_log_var=0, epsilon=1 should give z=1.",
    )


@exercise(
    name="lesson_02.ex2",
    why="With one epsilon per example, every digit in a batch gets its own sample; a shared "
    "epsilon (the 2018 notebook's bug) moves the whole batch together and makes its gradient "
    "far noisier.",
    hints=(
        "Draw epsilon with the same shape as z_mean: (batch, latent_dim).",
        (
            "rng = np.random.default_rng(seed); epsilon = rng.standard_normal(z_mean.shape). "
            "A shape of (1, latent_dim) would share one draw across the batch."
        ),
        "return z_mean + np.exp(z_log_var / 2) * epsilon, with epsilon of shape z_mean.shape",
    ),
    solution="""
        def sample_z(z_mean, z_log_var, seed):
            rng = np.random.default_rng(seed)
            # (batch, latent_dim): one draw per example and dimension
            epsilon = rng.standard_normal(z_mean.shape)
            return z_mean + np.exp(z_log_var / 2) * epsilon


        answer = sample_z
    """,
    mistakes=(
        "shared_epsilon",
        "not_reproducible",
        "variance_instead_of_sigma",
        "wrong_mean",
        "wrong_spread",
        "wrong_shape",
    ),
)
def ex2(answer):
    """A function ``sample_z(z_mean, z_log_var, seed) -> z`` drawing epsilon with NumPy."""
    batch = 2000
    z_mean = np.tile(
        np.array([[1.0, -1.0]], dtype=np.float32), (batch, 1)
    )  # every row the same
    z_log_var = np.tile(
        np.log(np.array([[4.0, 0.25]], dtype=np.float32)), (batch, 1)
    )  # sigma 2 and 0.5
    sigma = np.array([2.0, 0.5])
    z = as_array(call(answer, z_mean, z_log_var, 0), z_mean.shape, "z")
    if np.allclose(z, z[:1]):
        raise Mistake(
            "shared_epsilon",
            "Every example got the same z: one epsilon for the whole batch (the 2018 bug). "
            "Draw epsilon with shape z_mean.shape, one row per example.",
        )
    if not np.array_equal(
        z, as_array(call(answer, z_mean, z_log_var, 0), z_mean.shape, "z")
    ):
        raise Mistake(
            "not_reproducible",
            "The same seed gave different z: draw from np.random.default_rng(seed), not np.random.",
        )
    spread = z.std(axis=0)
    if np.all(np.abs(spread - sigma**2) <= STATISTICS_TOLERANCE * sigma**2):
        raise Mistake(
            "variance_instead_of_sigma",
            "The spread of z is sigma^2, not sigma: scale epsilon by exp(z_log_var / 2), not exp(z_log_var).",
        )
    if np.any(
        np.abs(z.mean(axis=0) - z_mean[0])
        > STATISTICS_TOLERANCE * sigma + 4 * sigma / np.sqrt(batch)
    ):
        raise Mistake(
            "wrong_mean",
            f"z should be centred on z_mean {z_mean[0].tolist()}; add z_mean.",
        )
    if np.any(np.abs(spread - sigma) > STATISTICS_TOLERANCE * sigma):
        raise Mistake(
            "wrong_spread",
            f"The spread of z is {np.round(spread, 2).tolist()}, expected sigma = {sigma.tolist()} "
            "(within 10%): z = z_mean + exp(z_log_var / 2) * epsilon, with standard-normal epsilon.",
        )
