"""Lesson 8 exercises: which dimensions are active, a paired difference, collapse as β
grows, and which standard error answers a question about training.

Exercises 1 and 2 run on small made-up arrays. Exercise 3 reads the lesson's β models
from the model cache (the lesson has trained them; an empty cache trains them first:
minutes), and its check recomputes the right counts from the same models on your
machine. Exercise 4 is a choice.
"""

from __future__ import annotations

import functools
import os

import keras
import numpy as np

from vae_lessons import data, evaluation, registry
from vae_lessons.exercises.checking import (
    IGNORES_INPUT,
    Mistake,
    a_kind,
    answers_follow_inputs,
    as_array,
    call,
    choose,
    close,
    exercise,
)

TOLERANCE = 1e-6  # relative
KL_THRESHOLD = (
    0.1  # nats: a dimension is active by KL when its mean KL exceeds this
)


def _alternating(n):
    """(n, 1): +1, -1, +1, ... so that codes of +/-s have mean 0 and variance s^2."""
    return np.where(np.arange(n) % 2 == 0, 1.0, -1.0)[:, None]


def _latents():
    """Encoder outputs for exercise 1: three (n, 5) pairs ``(z_mean, z_log_var)``.

    Built so that each classic mistake marks a different set of dimensions active on
    at least one of them, and no dimension's mean KL lies within 0.001 nats of 0.1
    (a float32 computation classifies every dimension as float64 does).

    1. 200 digits. Mean KL per dimension (nats) 1.52, 0.0012, 0.074, 0.01, 0.08: codes at
       +/-1, 0.05, 0, 0.141, 0.4, with z_log_var -3, 0, -0.6, 0, 0.
    2. 40 digits. 0.125 (codes +/-0.5: the mean code is 0, yet the KL is not),
       0.36 (codes 0, z_log_var -1.5: only the variance terms count), 1.38 (z_log_var
       alternating -2 and +2: its mean is 0, yet the KL is not), 0.125, 0.098.
    3. 300 digits drawn with seed 8, the first dimension the prior itself: 0, 0.87,
       0.087, 0.17, 0.083.
    """
    first = _alternating(200) * np.array(
        [1.0, 0.05, 0.0, np.sqrt(0.02), 0.4]
    )
    first_log_var = np.broadcast_to(
        np.array([-3.0, 0.0, -0.6, 0.0, 0.0]), first.shape
    ).copy()
    signs = _alternating(40)[:, 0]  # (40,)
    zero = np.zeros(40)
    second = np.stack(
        [0.5 * signs, zero, zero, zero + 0.5, 0.3 * signs], axis=1
    )  # (40, 5)
    second_log_var = np.stack(
        [zero, zero - 1.5, 2 * signs, zero, zero - 0.5], axis=1
    )
    rng = np.random.default_rng(8)
    third = rng.standard_normal((300, 5)) * np.array(
        [0.05, 0.8, 0.35, 0.1, 0.02]
    )
    third_log_var = rng.normal(
        np.array([0.0, -2.0, 0.0, -0.9, 0.4]), 0.3, (300, 5)
    )
    third[:, 0] = third_log_var[:, 0] = (
        0.0  # the prior itself: KL 0 for every digit
    )
    return [
        (first, first_log_var),
        (second, second_log_var),
        (third, third_log_var),
    ]


def _kl_terms(z_mean, z_log_var):
    """``exp(v) + m^2 - 1 - v`` per digit and dimension: twice the KL."""
    return np.exp(z_log_var) + z_mean**2 - 1 - z_log_var


def _active(mean_kl):
    return mean_kl > KL_THRESHOLD


def _mean_kl(z_mean, z_log_var):
    return 0.5 * _kl_terms(z_mean, z_log_var).mean(axis=0)


_EX1_MISTAKES = {
    "kl_of_mean_code": (
        lambda m, v: _active(
            0.5 * _kl_terms(m.mean(axis=0), v.mean(axis=0))
        ),
        (
            "You took the KL of the average code (z_mean and z_log_var averaged over the "
            "digits first). Codes of +0.5 and -0.5 average to 0, yet each digit's code is "
            "away from the prior. Compute each digit's KL first, then average over the digits."
        ),
    ),
    "mu_squared_only": (
        lambda m, v: _active(0.5 * (m**2).mean(axis=0)),
        (
            "You kept only z_mean^2 / 2 and dropped the variance terms, exp(z_log_var) - 1 "
            "- z_log_var. A code centred on 0 whose variance is far from 1 still costs nats."
        ),
    ),
    "sum_over_digits": (
        lambda m, v: _active(0.5 * _kl_terms(m, v).sum(axis=0)),
        (
            "You summed the KL over the digits: that grows with their number. Average it "
            "over the digits (axis 0), then compare with 0.1 nats."
        ),
    ),
    "missing_half": (
        lambda m, v: _active(_kl_terms(m, v).mean(axis=0)),
        "Your KL is twice too large: the formula starts with 0.5.",
    ),
    "log_var_as_log_sigma": (
        lambda m, v: _active(0.5 * _kl_terms(m, 2 * v).mean(axis=0)),
        (
            "z_log_var is the log of the VARIANCE, so the variance is exp(z_log_var), not "
            "exp(2 z_log_var)."
        ),
    ),
    "by_variance": (
        lambda m, v: evaluation.active_dimensions(m),
        (
            "That is Burda et al.'s test, Var(z_mean) > 0.01, not the KL. This exercise asks "
            "for the mean KL of each dimension > 0.1 nats."
        ),
    ),
}


@exercise(
    name="lesson_08.ex1",
    why="A dimension whose KL is near 0 carries no information about the digit: its code "
    "is the prior whatever the input, so the decoder learns to ignore it (posterior "
    "collapse in that dimension).",
    hints=(
        (
            "Per digit and dimension, KL = 0.5 (exp(z_log_var) + z_mean^2 - 1 - z_log_var). "
            "Compute it for every digit first, then average over the digits (axis 0)."
        ),
        (
            "The result has one value per dimension: shape (latent_dim,). Compare it with "
            "0.1 to get booleans. losses.kl_divergence_per_dimension gives the per-digit terms."
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
        "kl_of_mean_code",
        "mu_squared_only",
        "sum_over_digits",
        "missing_half",
        "log_var_as_log_sigma",
        "by_variance",
        "not_a_mask",
        IGNORES_INPUT,
        "wrong_shape",
        "not_a_function",
    ),
)
def ex1(answer):
    """A function ``active_by_kl(z_mean, z_log_var) -> bool array (latent_dim,)``."""
    cases = _latents()
    results = [
        as_array(
            call(answer, z_mean, z_log_var),
            (z_mean.shape[1],),
            "the result",
        )
        for z_mean, z_log_var in cases
    ]
    if any(not np.all((result == 0) | (result == 1)) for result in results):
        raise Mistake(
            "not_a_mask",
            "Your function returned numbers other than True and False. Return one "
            "boolean per dimension: its mean KL compared with 0.1 (`kl > 0.1`).",
        )
    masks = [result != 0 for result in results]
    expected = [_active(_mean_kl(*case)) for case in cases]
    if all(
        np.array_equal(mask, right) for mask, right in zip(masks, expected)
    ):
        return
    for name, (wrong, message) in _EX1_MISTAKES.items():
        if all(
            np.array_equal(mask, wrong(*case))
            for mask, case in zip(masks, cases)
        ):
            raise Mistake(name, message)
    # after the named mistakes: two of them give one mask to two of these inputs
    answers_follow_inputs(masks, expected)
    raise Mistake(
        "wrong_value",
        "Not the dimensions whose mean KL over the digits exceeds 0.1 nats. Test your "
        "function on codes you can work out by hand, e.g. every z_mean 0 and z_log_var 0 "
        "(KL 0: inactive), or z_mean 1 and z_log_var 0 (KL 0.5: active).",
    )


def _paired_scores():
    """Made-up scores of two models for exercise 2: three pairs of sequences ``(a, b)``.

    The first has 6 seeds with a shared part per seed; the others are drawn with seed 8,
    of lengths 3 and 10, so that a fixed number or a formula fitted to one input fails.
    """
    seed_effect = np.array([0.0, 3.0, -2.0, 1.5, -1.0, 4.0])
    a = 177.0 + seed_effect + np.array([0.4, 1.9, 0.8, 2.6, 1.1, 1.6])
    b = 175.0 + seed_effect
    rng = np.random.default_rng(8)
    pairs = [(a, b)]
    for n, gap in ((3, -0.7), (10, 2.5)):
        shared = 120 + 5 * rng.standard_normal(n)  # what both models share
        pairs.append((shared + gap + rng.standard_normal(n), shared))
    return pairs


def _standard_errors(a, b):
    """The right and the classic wrong standard errors of ``a - b``: name -> value."""
    n = len(a)
    d = a - b
    return {
        "unpaired": np.sqrt(np.var(a, ddof=1) / n + np.var(b, ddof=1) / n),
        "standard_deviation": np.std(d, ddof=1),
        "divided_by_n": np.std(d, ddof=1) / n,
        "population_std": np.std(d) / np.sqrt(n),
    }


_EX2_MESSAGES = {
    "unpaired": (
        "That is the UNPAIRED standard error, from each model's own spread. Pair first: "
        "the standard error of the differences a - b."
    ),
    "standard_deviation": (
        "That is the standard deviation of the differences; divide it by sqrt(n)."
    ),
    "divided_by_n": "You divided by n; the standard error divides by sqrt(n).",
    "population_std": (
        "Almost: use the sample standard deviation, np.std(d, ddof=1) (NumPy's default "
        "is ddof=0)."
    ),
}


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
        IGNORES_INPUT,
        "wrong_shape",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``paired(a, b) -> (mean, standard_error)`` of ``a - b``."""
    pairs = _paired_scores()
    results = [
        as_array(
            call(answer, a, b), (2,), "the result (mean, standard error)"
        )
        for a, b in pairs
    ]
    expected = []
    for a, b in pairs:
        difference = evaluation.paired_difference(a, b)
        expected.append(
            np.array([difference.mean, difference.standard_error])
        )
    answers_follow_inputs(results, expected)
    if all(
        close(value, right, TOLERANCE)
        for value, right in zip(results, expected)
    ):
        return
    if all(
        close(value[0], -right[0], TOLERANCE)
        for value, right in zip(results, expected)
    ):
        raise Mistake(
            "reversed_sign",
            "Your mean has the wrong sign: take a - b, not b - a.",
        )
    if not all(
        close(value[0], right[0], TOLERANCE)
        for value, right in zip(results, expected)
    ):
        raise Mistake(
            "wrong_value",
            "The first number should be the mean of the differences a - b, pair by pair.",
        )
    for name, message in _EX2_MESSAGES.items():
        if all(
            close(value[1], _standard_errors(a, b)[name], TOLERANCE)
            for value, (a, b) in zip(results, pairs)
        ):
            raise Mistake(name, message)
    raise Mistake(
        "wrong_value",
        "Your mean is right, but not the standard error: std(a - b, ddof=1) / sqrt(n), "
        f"within a relative {TOLERANCE:g}.",
    )


BETAS = (1.0, 2.0, 4.0, 8.0)
"""Exercise 3's KL weights: the lesson's models at latent_dim 20."""

BETA_MODELS = {
    **registry.COLLAPSE_STUDY,
    2.0: registry.KL_WEIGHT_STUDY[2.0],
}
"""β -> the registry's name of its model (β 1 is the latent-size study's 20)."""

BORDERLINE = 1e-3
"""Nats: a dimension whose mean KL lies within this of 0.1 may be counted either way.

Exercise 3 compares counts, which a float32 and a float64 computation could split on a
dimension at 0.1 exactly. On the machine that wrote the lesson (JAX, cached models of
seed 0) no dimension came closer than 0.0078 nats: the mean KLs nearest 0.1 were 0.039
and 0.28 (β 2), 0.034 and 0.108 (β 4), 0.089 and 0.45 (β 8). So the inactive counts
(0, 2, 9 and 15 there) are clear; on another machine the models, and so the counts,
may differ a little, and the check recomputes them there.
"""


@functools.lru_cache(maxsize=4)
def _beta_study(cache_folder, backend):
    """β -> (mean KL, Var(z_mean)) per dimension of the β models on the 1,000 test digits.

    Loads (or, on an empty cache, trains) the lesson's models; kept per cache folder
    and backend, so that a check called again does not reload them.
    """
    del cache_folder, backend  # the cache key only
    _, (test_images, _) = data.load_mnist()
    x_test = data.flatten_and_scale(test_images)  # (1000, 784)
    study = {}
    for beta in BETAS:
        vae, _ = registry.trained(BETA_MODELS[beta])
        z_mean, z_log_var = vae.encode(x_test)  # 2 x (1000, 20)
        study[beta] = (
            evaluation.mean_kl_per_dimension(z_mean, z_log_var),
            np.var(z_mean, axis=0),
        )
    return study


def beta_study():
    """The measurements of exercise 3 on this machine: β -> (mean KL, Var(z_mean))."""
    return _beta_study(
        os.environ.get("VAE_LESSONS_CACHE", ""), keras.backend.backend()
    )


def _read_counts(answer):
    """The answer of exercise 3 as β -> int, or ``wrong_type``."""
    advice = (
        "Answer with a dict of the number of inactive dimensions of each model, "
        "{1: ..., 2: ..., 4: ..., 8: ...} (the keys are the β values)"
    )
    if not isinstance(answer, dict):
        raise Mistake("wrong_type", f"{advice}; got {a_kind(answer)}.")
    counts = {}
    for beta in BETAS:
        matches = [
            value
            for key, value in answer.items()
            if isinstance(key, (int, float, np.integer, np.floating))
            and not isinstance(key, (bool, np.bool_))
            and float(key) == beta
        ]
        if not matches:
            raise Mistake(
                "wrong_type", f"{advice}; the key {beta:g} is missing."
            )
        value = matches[0]
        if (
            not isinstance(value, (int, float, np.integer, np.floating))
            or isinstance(value, (bool, np.bool_))
            or not float(value).is_integer()
            or not 0 <= float(value) <= 20
        ):
            raise Mistake(
                "wrong_type",
                f"{advice}; for β {beta:g} got {value!r}, not a whole number from 0 to 20.",
            )
        counts[beta] = int(value)
    if len(answer) != len(BETAS):
        raise Mistake(
            "wrong_type", f"{advice}; your dict has other keys too."
        )
    return counts


@exercise(
    name="lesson_08.ex3",
    why="Collapse sets in gradually: a little above β = 1 the first dimensions switch "
    "off, and each doubling of β switches off more, while the variance test still calls "
    "many of them active.",
    hints=(
        (
            "For each β, load its model with registry.trained(name)[0] (the names: "
            "registry.COLLAPSE_STUDY and registry.KL_WEIGHT_STUDY), encode the test digits "
            "and apply your active_by_kl."
        ),
        (
            "z_mean, z_log_var = vae.encode(x_test); an inactive dimension is one where "
            "active_by_kl is False: count them with np.sum(~mask)."
        ),
        (
            "names = {**registry.KL_WEIGHT_STUDY, **registry.COLLAPSE_STUDY}; then "
            "{beta: int(np.sum(~active_by_kl(*trained(names[beta])[0].encode(x_test)))) "
            "for beta in (1, 2, 4, 8)}"
        ),
    ),
    solution="""
        from vae_lessons import registry

        _, (test_images, _) = data.load_mnist()
        x_test = data.flatten_and_scale(test_images)  # (1000, 784)
        names = {**registry.KL_WEIGHT_STUDY, **registry.COLLAPSE_STUDY}
        inactive = {}
        for beta in (1, 2, 4, 8):
            vae, _ = registry.trained(names[beta])
            z_mean, z_log_var = vae.encode(x_test)  # 2 x (1000, 20)
            kl = evaluation.mean_kl_per_dimension(z_mean, z_log_var)  # (20,)
            inactive[beta] = int(np.sum(kl <= 0.1))
        answer = inactive
    """,
    mistakes=(
        "counted_active",
        "by_variance",
        "none_inactive",
        "wrong_value",
        "wrong_type",
    ),
    kind="experiment",
)
def ex3(answer):
    """A dict ``{β: number of inactive dimensions}`` for β = 1, 2, 4 and 8.

    Trains the models first if the cache does not hold them (the lesson trains them).
    """
    counts = _read_counts(answer)
    study = beta_study()
    fewest = {  # dimensions clearly inactive, and those that may be
        beta: int(np.sum(kl <= KL_THRESHOLD - BORDERLINE))
        for beta, (kl, _) in study.items()
    }
    most = {
        beta: int(np.sum(kl <= KL_THRESHOLD + BORDERLINE))
        for beta, (kl, _) in study.items()
    }
    if all(fewest[beta] <= counts[beta] <= most[beta] for beta in BETAS):
        return
    if all(
        fewest[beta] <= 20 - counts[beta] <= most[beta] for beta in BETAS
    ):
        raise Mistake(
            "counted_active",
            "These are the ACTIVE dimensions. The question asks how many are inactive: "
            "mean KL of 0.1 nats or less.",
        )
    by_variance = {
        beta: int(np.sum(variance <= evaluation.ACTIVITY_THRESHOLD))
        for beta, (_, variance) in study.items()
    }
    if counts == by_variance:
        raise Mistake(
            "by_variance",
            "That is Burda et al.'s variance test, Var(z_mean) <= 0.01. This exercise "
            "counts by the KL: inactive when the mean KL is 0.1 nats or less.",
        )
    if not any(counts.values()):
        raise Mistake(
            "none_inactive",
            "You found no inactive dimension at any β, yet the lesson's table shows "
            "some at β = 8. Did you sum the KL over the digits instead of averaging it?",
        )
    wrong = [
        f"{beta:g}"
        for beta in BETAS
        if not fewest[beta] <= counts[beta] <= most[beta]
    ]
    raise Mistake(
        "wrong_value",
        f"Not the count the check finds for β = {', '.join(wrong)}. Encode the 1,000 "
        "test digits (x_test) with each model, and count the dimensions whose mean KL "
        "is 0.1 nats or less.",
    )


@exercise(
    name="lesson_08.ex4",
    why="The per-digit standard error treats the two trained networks as fixed; the "
    "question is about the training recipe. Only pairing over seeds contains the "
    "training noise, and with three seeds it is rough: hence lesson 8's margin of about "
    "4 standard errors.",
    hints=(
        (
            "Ask what would change if you ran the whole comparison again: new test "
            "digits, or new training runs?"
        ),
        (
            "Seed 0's standard error is over test digits: it measures how the difference "
            "between these two trained networks would move with other digits."
        ),
        "Only retraining shows how much the difference moves with the training noise.",
    ),
    solution="""
        answer = "b"  # the standard error over the three training seeds
    """,
    mistakes=("option_a", "option_c", "wrong_type"),
    kind="judgement",
)
def ex4(answer):
    """One of "a", "b" or "c": which standard error answers a question about the recipe."""
    choose(
        answer,
        {
            "a": (
                "Many digits make the mean over digits precise, for these two trained "
                "networks. Retrain them with another seed and the difference moves by "
                "more than that error says, as the three seeds show."
            ),
            "b": "",
            "c": (
                "A smaller standard error is not better if it measures the wrong noise. "
                "The per-digit one leaves out the noise of training, which is what the "
                "question is about."
            ),
        },
        correct="b",
    )
