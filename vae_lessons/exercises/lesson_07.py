"""Lesson 7 exercises: units, the importance-weighted bound, and the error of a mean.

Each exercise stands alone (the lesson may be split in two): no exercise uses another's
answer. The checks of the functions call them on several inputs, fixed and
seeded-random, whose right answers differ. The last exercise is an experiment with the
lesson's model: its check scores the test digits on the student's machine (the model
comes from the model cache; on an empty cache it is trained first, as in Lesson 4).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from vae_lessons import data
from vae_lessons.exercises.checking import (
    Mistake,
    answers_follow_inputs,
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
        "ignores_input",
        "not_a_function",
    ),
    kind="one-liner",
)
def ex1(answer):
    """A function ``bits_per_pixel(nats) -> float``: nats per digit to bits per pixel."""
    inputs = [
        np.array([165.0, 543.4, 80.0]),
        np.random.default_rng(7).uniform(50.0, 600.0, size=3),
    ]
    values = [
        as_array(call(answer, nats), nats.shape, "the result")
        for nats in inputs
    ]

    def all_close(convert):
        return all(
            close(value, convert(nats), TOLERANCE)
            for value, nats in zip(values, inputs)
        )

    if all_close(lambda nats: nats / (data.NUM_PIXELS * math.log(2))):
        return
    candidates = (
        (
            "nats_per_pixel",
            lambda nats: nats / data.NUM_PIXELS,
            "That is nats per pixel: also divide by ln 2 to get bits.",
        ),
        (
            "bits_per_digit",
            lambda nats: nats / math.log(2),
            "That is bits per digit: also divide by the 784 pixels.",
        ),
        (
            "log10",
            lambda nats: nats / (data.NUM_PIXELS * math.log(10)),
            "You divided by ln 10; one bit is ln 2 nats (np.log(2)).",
        ),
    )
    for name, convert, message in candidates:
        if all_close(convert):
            raise Mistake(name, message)
    answers_follow_inputs(
        values, [nats / (data.NUM_PIXELS * math.log(2)) for nats in inputs]
    )
    raise Mistake(
        "wrong_value",
        "Not bits per pixel on some inputs. Convert in two steps: how many nats is one "
        "bit, and how many pixels share a digit's nats?",
    )


def _log_weights():
    """Made-up log importance weights (num_samples=8, batch=3): far below 0, far above, near 0."""
    rng = np.random.default_rng(5)
    return [
        -800.0 + 3.0 * rng.standard_normal((8, 3)),  # exp underflows to 0
        700.0 + 5.0 * rng.standard_normal((8, 3)),  # exp overflows to inf
        10.0 * rng.standard_normal((8, 3)),  # one weight dominates
    ]


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
        "forgot_to_add_back",
        "ignores_input",
        "not_finite",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``log_mean_exp(log_weights) -> (batch,)``, over axis 0 of (num_samples, batch)."""
    inputs = _log_weights()
    values = [
        as_array(
            call(answer, log_weights),
            (log_weights.shape[1],),
            "the result",
            not_finite_advice="exp underflows to 0 for log weights far below 0 (and log(0) "
            "is -inf), and overflows to inf far above 0: subtract the largest log weight "
            "before exp, and add it back after the log.",
        )
        for log_weights in inputs
    ]

    def all_close(targets):
        return all(close(v, t, TOLERANCE) for v, t in zip(values, targets))

    # NumPy's log-sum-exp (logaddexp reduced over the samples), in float64
    log_sums = [np.logaddexp.reduce(w, axis=0) for w in inputs]
    expected = [
        log_sum - np.log(len(w)) for log_sum, w in zip(log_sums, inputs)
    ]
    if all_close(expected):
        return
    if all_close([w.mean(axis=0) for w in inputs]):
        raise Mistake(
            "mean_of_logs",
            "That is the mean of the log weights: the ELBO again. Take the log of the mean "
            "weight (log-mean-exp), which is larger: the tighter bound.",
        )
    if all_close(log_sums):
        raise Mistake(
            "forgot_log_k",
            "That is log-sum-exp; for the mean subtract log k (k = number of samples).",
        )
    if all_close([e - w.max(axis=0) for e, w in zip(expected, inputs)]):
        raise Mistake(
            "forgot_to_add_back",
            "You subtracted the largest log weight before exp: add it back after the log.",
        )
    answers_follow_inputs(values, expected)
    raise Mistake(
        "wrong_value",
        "Off from log-mean-exp over axis 0 (the samples) on some inputs. Try it on "
        "[[0.], [0.]]: expect [0.].",
    )


def _value_sets():
    """Values whose mean's standard error is asked: a fixed set, then seeded ones of other sizes."""
    rng = np.random.default_rng(8)
    return [
        np.array(
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
        ),
        rng.normal(165.0, 40.0, size=37),
        rng.exponential(20.0, size=200) + 100.0,
    ]


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
        "ignores_input",
        "not_a_function",
    ),
    kind="one-liner",
)
def ex3(answer):
    """A function ``standard_error(values) -> float``: of the mean of ``values``."""
    inputs = _value_sets()
    values = [
        float(as_array(call(answer, v), (), "the standard error"))
        for v in inputs
    ]

    def all_close(rule):
        return all(
            abs(value - rule(v)) <= TOLERANCE * abs(rule(v))
            for value, v in zip(values, inputs)
        )

    if all_close(lambda v: np.std(v, ddof=1) / np.sqrt(len(v))):
        return
    candidates = (
        (
            "standard_deviation",
            lambda v: np.std(v, ddof=1),
            "That is the standard deviation; divide it by sqrt(n).",
        ),
        (
            "divided_by_n",
            lambda v: np.std(v, ddof=1) / len(v),
            "You divided by n; the standard error divides by sqrt(n).",
        ),
        (
            "population_std",
            lambda v: np.std(v) / np.sqrt(len(v)),
            (
                "Almost: use the sample standard deviation, np.std(values, ddof=1) (NumPy's "
                "default is ddof=0)."
            ),
        ),
    )
    for name, rule, message in candidates:
        if all_close(rule):
            raise Mistake(name, message)
    answers_follow_inputs(
        values, [np.std(v, ddof=1) / np.sqrt(len(v)) for v in inputs]
    )
    raise Mistake(
        "wrong_value",
        "Not the standard error of the mean on some inputs (relative tolerance 1e-6). "
        "Work one out by hand for values [1, 3] and compare with your function.",
    )


TARGET_ERROR = 0.5  # nats per digit
NEEDED_TOLERANCE = 0.01  # relative


@functools.lru_cache(maxsize=4)
def _test_scores(cache_folder, backend):
    """The lesson's per-digit test negative ELBOs (seed 0), as the lesson computes them.

    ``cache_folder`` and ``backend`` only key this memo: the model is the same while
    they are.
    """
    from vae_lessons import evaluation, training

    vae, _ = training.trained_vae()
    _, (test_images, _) = data.load_mnist()
    reconstruction, kl = evaluation.elbo_terms(
        vae, data.flatten_and_scale(test_images), seed=0
    )
    return np.asarray(reconstruction, np.float64) + np.asarray(
        kl, np.float64
    )


def per_digit_test_scores():
    """The lesson's 1,000 per-digit test negative ELBOs, on this machine's model cache."""
    import keras

    from vae_lessons import cache

    return _test_scores(str(cache.cache_dir()), keras.backend.backend())


@exercise(
    name="lesson_07.ex4",
    why="The standard error falls as 1/sqrt(n): to divide it by about 3 takes about ten "
    "times the digits, more than the sample's 1,000. Before comparing two models, check "
    "that the difference you look for is larger than the noise your test set allows.",
    hints=(
        (
            "The standard error of the mean of n digits is s / sqrt(n), with s the standard "
            "deviation of the per-digit scores (it does not shrink with n)."
        ),
        "Solve s / sqrt(n) = 0.5 for n; s is np.std(test_negative_elbo, ddof=1).",
        "answer = (np.std(test_negative_elbo, ddof=1) / 0.5) ** 2",
    ),
    solution="""
        vae, _ = training.trained_vae()  # the lesson's model (cached)
        _, (test_images, _) = data.load_mnist()
        x_test = data.flatten_and_scale(test_images)  # (1000, 784)
        reconstruction, kl = evaluation.elbo_terms(vae, x_test, seed=0)
        test_negative_elbo = reconstruction + kl  # (1000,), as in the lesson
        spread = np.std(test_negative_elbo, ddof=1)  # of one digit's score
        answer = (spread / 0.5) ** 2  # n with spread / sqrt(n) = 0.5
    """,
    mistakes=(
        "linear_in_n",
        "square_root",
        "ratio_upside_down",
        "standard_error_as_spread",
        "rounded_standard_error",
        "wrong_type",
    ),
    kind="experiment",
)
def ex4(answer):
    """A number: how many test digits bring the standard error of the mean test negative ELBO to 0.5 nats.

    Scores the lesson's model (from the model cache) on this machine's test digits.
    """
    value = float(as_array(answer, (), "the number of digits"))
    scores = per_digit_test_scores()
    n = len(scores)
    error = float(np.std(scores, ddof=1) / np.sqrt(n))  # with n digits

    def near(target):
        return abs(value - target) <= NEEDED_TOLERANCE * abs(target)

    if near(n * (error / TARGET_ERROR) ** 2):
        return
    candidates = (
        (
            "linear_in_n",
            n * error / TARGET_ERROR,
            (
                "That assumes the standard error falls as 1/n. It falls as 1/sqrt(n): four "
                "times the digits only halve it."
            ),
        ),
        (
            "square_root",
            n * math.sqrt(error / TARGET_ERROR),
            (
                "The standard error falls as 1/sqrt(n), so n grows with the SQUARE of the "
                "factor by which you shrink it, not its square root."
            ),
        ),
        (
            "ratio_upside_down",
            n * (TARGET_ERROR / error) ** 2,
            (
                "Fewer digits would make the standard error larger, not smaller: the ratio is "
                "upside down."
            ),
        ),
        (
            "standard_error_as_spread",
            (error / TARGET_ERROR) ** 2,
            (
                "You used the standard error of the 1,000-digit mean where the spread of single "
                "digits belongs: s = np.std(test_negative_elbo, ddof=1), then solve "
                "s / sqrt(n) = 0.5."
            ),
        ),
        (
            "rounded_standard_error",
            n * (round(error, 1) / TARGET_ERROR) ** 2,
            (
                "Close: you seem to have used the standard error rounded as printed. Compute it "
                "from the per-digit scores, test_negative_elbo, at full precision."
            ),
        ),
    )
    for name, target, message in candidates:
        if near(target):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        "Not what the lesson's test scores give. Use the 1,000 per-digit negative ELBOs "
        "(test_negative_elbo, seed 0), their standard deviation s (ddof=1), and solve "
        "s / sqrt(n) = 0.5 for n.",
    )
