"""Lesson 8 exercises: which dimensions are active, and a paired difference.

Each exercise stands alone, on small made-up arrays: none needs a trained model.
"""

from __future__ import annotations

import numpy as np

from vae_lessons import evaluation, losses
from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-6  # relative
KL_THRESHOLD = (
    0.1  # nats: a dimension is active by KL when its mean KL exceeds this
)


def _latents():
    """Made-up encoder outputs, 200 digits x 5 dimensions, built so that each classic
    mistake marks a different set of dimensions active.

    Per dimension (mean KL in nats; Var(z_mean)):
    0: codes at +/-1, z_log_var -3: KL 1.52, variance 1 (active every way);
    1: codes at +/-0.05, z_log_var 0: KL 0.00125, variance 0.0025;
    2: codes at 0, z_log_var -0.6: KL 0.074, variance 0;
    3: codes at +/-0.141, z_log_var 0: KL 0.01, variance 0.02;
    4: codes at +/-0.4, z_log_var 0: KL 0.08, variance 0.16.
    """
    signs = np.where(np.arange(200) % 2 == 0, 1.0, -1.0)[
        :, None
    ]  # (200, 1)
    spread = np.array([1.0, 0.05, 0.0, np.sqrt(0.02), 0.4])  # (5,)
    z_mean = signs * spread  # (200, 5)
    z_log_var = np.broadcast_to(
        np.array([-3.0, 0.0, -0.6, 0.0, 0.0]), z_mean.shape
    ).copy()
    return z_mean, z_log_var


def _kl_terms(z_mean, z_log_var):
    """``exp(v) + m^2 - 1 - v`` per digit and dimension: twice the KL."""
    return np.exp(z_log_var) + z_mean**2 - 1 - z_log_var


@exercise(
    name="lesson_08.ex1",
    why="A dimension whose KL is near 0 carries no information about the digit: its code "
    "is the prior whatever the input, so the decoder learns to ignore it (posterior "
    "collapse in that dimension).",
    hints=(
        (
            "Per digit and dimension, KL = 0.5 (exp(z_log_var) + z_mean^2 - 1 - z_log_var); "
            "average it over the digits (axis 0), then compare with 0.1."
        ),
        (
            "losses.kl_divergence_per_dimension(z_mean, z_log_var) gives the (n, latent_dim) "
            "terms; or evaluation.mean_kl_per_dimension gives their mean over the digits."
        ),
        "return evaluation.mean_kl_per_dimension(z_mean, z_log_var) > 0.1",
    ),
    solution="""
        def active_by_kl(z_mean, z_log_var):
            # (n, latent_dim) -> (latent_dim,): mean KL of each dimension
            kl = 0.5 * (np.exp(z_log_var) + z_mean**2 - 1 - z_log_var)
            return kl.mean(axis=0) > 0.1

        answer = active_by_kl
        # the package: evaluation.mean_kl_per_dimension(z_mean, z_log_var) > 0.1
    """,
    mistakes=(
        "sum_over_digits",
        "missing_half",
        "log_var_as_log_sigma",
        "by_variance",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex1(answer):
    """A function ``active_by_kl(z_mean, z_log_var) -> bool array (latent_dim,)``."""
    z_mean, z_log_var = _latents()
    value = as_array(
        call(answer, z_mean, z_log_var), (z_mean.shape[1],), "the result"
    )
    mean_kl = np.asarray(
        losses.kl_divergence_per_dimension(z_mean, z_log_var)
    ).mean(axis=0)
    if np.array_equal(value != 0, mean_kl > KL_THRESHOLD):
        return
    candidates = {
        "sum_over_digits": (
            0.5 * _kl_terms(z_mean, z_log_var).sum(axis=0) > KL_THRESHOLD,
            (
                "You summed the KL over the digits: that grows with their number. Average "
                "it over the digits (axis 0), then compare with 0.1 nats."
            ),
        ),
        "missing_half": (
            _kl_terms(z_mean, z_log_var).mean(axis=0) > KL_THRESHOLD,
            "Your KL is twice too large: the formula starts with 0.5.",
        ),
        "log_var_as_log_sigma": (
            0.5 * _kl_terms(z_mean, 2 * z_log_var).mean(axis=0)
            > KL_THRESHOLD,
            (
                "z_log_var is the log of the VARIANCE, so the variance is exp(z_log_var), "
                "not exp(2 z_log_var)."
            ),
        ),
        "by_variance": (
            evaluation.active_dimensions(z_mean),
            (
                "That is Burda et al.'s test, Var(z_mean) > 0.01, not the KL. This exercise "
                "asks for the mean KL of each dimension > 0.1 nats."
            ),
        ),
    }
    for name, (wrong, message) in candidates.items():
        if np.array_equal(value != 0, wrong):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        "Not the dimensions whose mean KL over the digits exceeds 0.1 nats. Print "
        "your per-dimension KL: here it should be about [1.52, 0.001, 0.074, 0.01, 0.08].",
    )


def _paired_scores():
    """Made-up scores of two models on the same 6 seeds: a shared part per seed."""
    seed_effect = np.array([0.0, 3.0, -2.0, 1.5, -1.0, 4.0])
    a = 177.0 + seed_effect + np.array([0.4, 1.9, 0.8, 2.6, 1.1, 1.6])
    b = 175.0 + seed_effect
    return a, b


@exercise(
    name="lesson_08.ex2",
    why="Pairing removes what the two models share (a seed's digits and initial weights, "
    "or how hard a test digit is), so a difference can be clear even when each "
    "model's own scores vary far more.",
    hints=(
        (
            "Take the differences d = a - b pair by pair first; then the mean of d and the "
            "standard error of that mean."
        ),
        "Standard error of the mean of d: np.std(d, ddof=1) / np.sqrt(len(d)).",
        "d = a - b; return d.mean(), np.std(d, ddof=1) / np.sqrt(len(d))",
    ),
    solution="""
        def paired(a, b):
            differences = a - b  # (n,): one per seed (or digit)
            spread = np.std(differences, ddof=1)  # ddof=1: the sample's spread
            standard_error = spread / np.sqrt(len(differences))
            return differences.mean(), standard_error

        answer = paired
        # the package: evaluation.paired_difference(a, b)
    """,
    mistakes=(
        "unpaired",
        "standard_deviation",
        "divided_by_n",
        "population_std",
        "reversed_sign",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``paired(a, b) -> (mean, standard_error)`` of ``a - b``."""
    a, b = _paired_scores()
    value = as_array(
        call(answer, a, b), (2,), "the result (mean, standard error)"
    )
    expected = evaluation.paired_difference(a, b)
    if close(value, [expected.mean, expected.standard_error], TOLERANCE):
        return
    n = len(a)
    d = a - b
    if close(value[0], -expected.mean, TOLERANCE):
        raise Mistake(
            "reversed_sign",
            "Your mean has the wrong sign: take a - b, not b - a.",
        )
    if not close(value[0], expected.mean, TOLERANCE):
        raise Mistake(
            "wrong_value",
            f"The mean difference should be mean(a - b); got {value[0]:g}.",
        )
    candidates = {
        "unpaired": (
            np.sqrt(np.var(a, ddof=1) / n + np.var(b, ddof=1) / n),
            (
                "That is the UNPAIRED standard error, from each model's own spread. Pair "
                "first: the standard error of the differences a - b."
            ),
        ),
        "standard_deviation": (
            np.std(d, ddof=1),
            "That is the standard deviation of the differences; divide by sqrt(n).",
        ),
        "divided_by_n": (
            np.std(d, ddof=1) / n,
            "You divided by n; the standard error divides by sqrt(n).",
        ),
        "population_std": (
            np.std(d) / np.sqrt(n),
            (
                "Almost: use the sample standard deviation, np.std(d, ddof=1) "
                "(NumPy's default is ddof=0)."
            ),
        ),
    }
    for name, (wrong, message) in candidates.items():
        if close(value[1], wrong, TOLERANCE):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        f"The standard error {value[1]:g} is not std(a - b, ddof=1) / sqrt(n) "
        f"(relative tolerance {TOLERANCE}).",
    )
