"""Lesson 7 exercises: units, the importance-weighted bound, and the error of a mean.

Each exercise stands alone (the lesson may be split in two): no exercise uses another's
answer, none needs a trained model.
"""

from __future__ import annotations

import math

import numpy as np

from vae_lessons import data
from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-6  # relative


@exercise(
    name="lesson_07.ex1",
    why="Bits per pixel puts models of different image sizes on one scale; papers report "
    "negative log-likelihoods of images in it. Ours is a grey-level Bernoulli loss, not a "
    "likelihood (Lesson 3): the unit alone does not make it comparable.",
    hints=(
        "Two conversions: per digit to per pixel (784 pixels), and nats to bits (1 bit = ln 2 nats).",
        "Divide by 784 and by ln 2 = np.log(2).",
        "return nats / (784 * np.log(2))",
    ),
    solution="""
        def bits_per_pixel(nats):
            return nats / (784 * np.log(2))  # nats per digit -> bits per pixel


        answer = bits_per_pixel
        # then: bits_per_pixel(score.negative_elbo)
    """,
    mistakes=(
        "nats_per_pixel",
        "bits_per_digit",
        "log10",
        "not_a_function",
    ),
)
def ex1(answer):
    """A function ``bits_per_pixel(nats) -> float``: nats per digit to bits per pixel."""
    nats = np.array([165.0, 543.4, 80.0])
    value = as_array(call(answer, nats), nats.shape, "the result")
    expected = nats / (data.NUM_PIXELS * math.log(2))
    if close(value, expected, TOLERANCE):
        return
    candidates = {
        "nats_per_pixel": (
            nats / data.NUM_PIXELS,
            "That is nats per pixel: also divide by ln 2 to get bits.",
        ),
        "bits_per_digit": (
            nats / math.log(2),
            "That is bits per digit: also divide by the 784 pixels.",
        ),
        "log10": (
            nats / (data.NUM_PIXELS * math.log(10)),
            "You divided by ln 10; one bit is ln 2 nats (np.log(2)).",
        ),
    }
    for name, (wrong, message) in candidates.items():
        if close(value, wrong, TOLERANCE):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        "Not nats / (784 ln 2). Check: 543.4 nats per digit is 1.0 bit per pixel.",
    )


def _log_weights():
    """Made-up log importance weights, (num_samples=8, batch=3), near -800: far enough below 0 that exp underflows."""
    rng = np.random.default_rng(5)
    return -800.0 + 3.0 * rng.standard_normal((8, 3))


@exercise(
    name="lesson_07.ex2",
    why="The log of the MEAN weight, not the mean of the log weights, estimates the "
    "importance-weighted bound L_k, tighter than the ELBO; computing it needs log-sum-exp.",
    hints=(
        "log mean exp(w) = log sum exp(w) - log k, over the k samples (axis 0).",
        (
            "exp(-800) is 0 in floating point: subtract the largest weight first, "
            "log sum exp(w) = m + log sum exp(w - m)."
        ),
        (
            "m = log_weights.max(axis=0); "
            "return m + np.log(np.mean(np.exp(log_weights - m), axis=0))"
        ),
    ),
    solution="""
        def log_mean_exp(log_weights):
            # (batch,): shift so that the largest exp is exp(0) = 1
            largest = log_weights.max(axis=0)
            shifted = np.exp(log_weights - largest)  # (num_samples, batch)
            return largest + np.log(np.mean(shifted, axis=0))  # (batch,)


        answer = log_mean_exp
        # NumPy's version:
        # np.logaddexp.reduce(log_weights, axis=0) - np.log(len(log_weights))
    """,
    mistakes=(
        "mean_of_logs",
        "forgot_log_k",
        "not_finite",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``log_mean_exp(log_weights) -> (batch,)``, over axis 0 of (num_samples, batch)."""
    log_weights = _log_weights()
    value = as_array(
        call(answer, log_weights),
        (log_weights.shape[1],),
        "the result",
        not_finite_advice="exp(-800) underflows to 0, and log(0) is -inf: subtract the "
        "largest log weight before exp, and add it back after the log.",
    )
    # NumPy's log-sum-exp (logaddexp reduced over the samples), in float64
    expected = np.logaddexp.reduce(log_weights, axis=0) - np.log(
        len(log_weights)
    )
    if close(value, expected, TOLERANCE):
        return
    if close(value, log_weights.mean(axis=0), TOLERANCE):
        raise Mistake(
            "mean_of_logs",
            "That is the mean of the log weights: the ELBO again. Take the log of the mean "
            "weight (log-mean-exp), which is larger: the tighter bound.",
        )
    if close(value, expected + np.log(len(log_weights)), TOLERANCE):
        raise Mistake(
            "forgot_log_k",
            "That is log-sum-exp; for the mean subtract log k (k = number of samples).",
        )
    raise Mistake(
        "wrong_value",
        "Off from log-mean-exp over axis 0 (the samples). Try it on [[0.], [0.]]: expect [0.].",
    )


@exercise(
    name="lesson_07.ex3",
    why="The standard error says how far a mean over test digits could move with other "
    "digits; two models scored on other digits differing by less than it differ by noise "
    "(on the same digits, compare them digit by digit, paired).",
    hints=(
        "Standard error of a mean = sample standard deviation / sqrt(number of values).",
        "Use the sample standard deviation (ddof=1), and divide by sqrt(n), not n.",
        "return float(np.std(values, ddof=1) / np.sqrt(len(values)))",
    ),
    solution="""
        def standard_error(values):
            # of the mean of `values`: sample standard deviation / sqrt(n)
            return float(np.std(values, ddof=1) / np.sqrt(len(values)))


        answer = standard_error
        # the package's version: losses.monte_carlo_standard_error(values)
    """,
    mistakes=(
        "standard_deviation",
        "divided_by_n",
        "population_std",
        "not_a_function",
    ),
)
def ex3(answer):
    """A function ``standard_error(values) -> float``: of the mean of ``values``."""
    values = np.array(
        [
            160.0,
            171.0,
            158.0,
            190.0,
            149.0,
            166.0,
            177.0,
            152.0,
            163.0,
            181.0,
        ]
    )
    value = float(as_array(call(answer, values), (), "the standard error"))
    n = len(values)
    expected = np.std(values, ddof=1) / np.sqrt(n)
    if abs(value - expected) <= TOLERANCE * expected:
        return
    candidates = {
        "standard_deviation": (
            np.std(values, ddof=1),
            "That is the standard deviation; divide it by sqrt(n).",
        ),
        "divided_by_n": (
            np.std(values, ddof=1) / n,
            "You divided by n; the standard error divides by sqrt(n).",
        ),
        "population_std": (
            np.std(values) / np.sqrt(n),
            "Almost: use the sample standard deviation, np.std(values, ddof=1) (NumPy's default is ddof=0).",
        ),
    }
    for name, (wrong, message) in candidates.items():
        if abs(value - wrong) <= TOLERANCE * abs(wrong):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        f"{value:g} is not std(values, ddof=1) / sqrt(n) (relative tolerance {TOLERANCE}).",
    )
