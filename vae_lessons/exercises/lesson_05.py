"""Lesson 5 exercises: reading the latent space (class centres, KL per dimension, activity).

Each check calls the student's function on several sets of made-up codes, fixed and
seeded-random, whose right answers differ: a function that ignores its input, or a
nearby wrong rule (another threshold, another statistic), gives itself away. The student
then applies the same function to the trained encoder's codes in the lesson.
"""

from __future__ import annotations

import numpy as np

from vae_lessons import evaluation
from vae_lessons.exercises.checking import (
    Mistake,
    answers_follow_inputs,
    as_array,
    as_class_pair,
    call,
    close,
    exercise,
)

KL_TOLERANCE = 1e-5  # relative and absolute, nats


def _clusters():
    """Made-up 2-D codes of 10 classes, 30 each: centres on a spiral, classes 3 and 7 closest."""
    rng = np.random.default_rng(2)
    angles = np.linspace(0, 3 * np.pi, 10)
    centres = (
        np.stack([np.cos(angles), np.sin(angles)], axis=1)
        * (1 + angles)[:, None]
    )  # (10, 2)
    centres[7] = centres[3] + [
        0.3,
        0.1,
    ]  # the closest pair, by construction
    labels = np.repeat(np.arange(10), 30)  # (300,)
    z_mean = centres[labels] + 0.05 * rng.standard_normal(
        (300, 2)
    )  # (300, 2)
    return z_mean.astype(np.float32), labels


def _random_clusters(seed, pair, latent_dim):
    """Seeded codes of 10 classes of unequal sizes, in shuffled order; ``pair`` is the closest.

    Centres are drawn at least 1.5 apart, then the second class of ``pair`` is moved to
    within 0.4 of the first: its closest pair by construction.
    """
    rng = np.random.default_rng(seed)
    while True:
        centres = rng.uniform(
            -4, 4, size=(10, latent_dim)
        )  # (10, latent_dim)
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
        if np.min(gaps + 10 * np.eye(10)) > 1.5:
            break
    offset = rng.standard_normal(latent_dim)
    centres[pair[1]] = centres[pair[0]] + 0.4 * offset / np.linalg.norm(
        offset
    )
    labels = rng.permutation(
        np.repeat(np.arange(10), rng.integers(15, 40, 10))
    )
    z_mean = centres[labels] + 0.05 * rng.standard_normal(
        (len(labels), latent_dim)
    )
    return z_mean.astype(np.float32), labels


def _centre_distances(z_mean, labels):
    """(10, 10) distances between the class centres (mean code of each class)."""
    centres = np.stack(
        [z_mean[labels == digit].mean(axis=0) for digit in range(10)]
    )
    return np.linalg.norm(centres[:, None] - centres[None, :], axis=-1)


@exercise(
    name="lesson_05.ex1",
    why="Classes whose centres are close are the ones the 2-D code confuses; this turns the "
    "scatter plot's impression into a number you can check.",
    hints=(
        "The centre of a class is the mean z_mean of its digits: z_mean[labels == digit].mean(axis=0).",
        "Compute all pairwise distances between the ten centres; leave out each class's distance to itself (0).",
        (
            "distances = np.linalg.norm(centres[:, None] - centres[None, :], axis=-1); "
            "np.fill_diagonal(distances, np.inf); np.unravel_index(np.argmin(distances), distances.shape)"
        ),
    ),
    solution="""
        def closest_classes(z_mean, labels):
            centres = np.stack(
                [z_mean[labels == digit].mean(axis=0) for digit in range(10)]
            )  # (10, latent_dim)
            distances = np.linalg.norm(
                centres[:, None] - centres[None, :], axis=-1
            )  # (10, 10)
            np.fill_diagonal(distances, np.inf)  # not its own neighbour
            first, second = np.unravel_index(
                np.argmin(distances), distances.shape
            )
            return int(first), int(second)


        answer = closest_classes
        # then: closest_classes(z_mean, y_test) with the test digits' codes
    """,
    mistakes=(
        "same_class",
        "farthest_pair",
        "ignores_input",
        "wrong_type",
        "changed_input",
    ),
)
def ex1(answer):
    """A function ``closest_classes(z_mean, labels) -> (a, b)``: two digit classes."""
    inputs = [
        _clusters(),  # 2-D, classes in order, equal sizes
        _random_clusters(12, (1, 5), 2),  # shuffled, unequal sizes
        _random_clusters(13, (0, 8), 5),  # 5-D codes
    ]
    pairs = [
        as_class_pair(
            call(answer, z_mean, labels), "your function's result"
        )
        for z_mean, labels in inputs
    ]
    distances = [
        _centre_distances(z_mean, labels) for z_mean, labels in inputs
    ]
    expected = [
        sorted(
            np.unravel_index(
                np.argmin(d + np.diag(np.full(10, np.inf))), d.shape
            )
        )
        for d in distances
    ]
    if pairs == expected:
        return
    if any(first == second for first, second in pairs):
        raise Mistake(
            "same_class",
            "Both are the same class: each class is at distance 0 from itself. Set the "
            "diagonal of the distance table to np.inf before taking the argmin.",
        )
    farthest = [
        sorted(np.unravel_index(np.argmax(d), d.shape)) for d in distances
    ]
    if pairs == farthest:
        raise Mistake(
            "farthest_pair",
            "That is the farthest pair: use argmin, not argmax.",
        )
    answers_follow_inputs(pairs, expected)
    raise Mistake(
        "wrong_value",
        "On made-up codes with one clearly closest pair of classes (2-D and 5-D, labels "
        "shuffled, classes of unequal sizes), your function picked another pair. Print "
        "the centres: one per class, each the mean of that class's codes.",
    )


def _latents(seed, num_digits, scale):
    """Made-up codes: z_mean, z_log_var of shape (num_digits, 4)."""
    rng = np.random.default_rng(seed)
    z_mean = rng.normal(scale=scale, size=(num_digits, 4)).astype(
        np.float32
    )
    z_log_var = rng.uniform(-3.0, 0.5, size=(num_digits, 4)).astype(
        np.float32
    )
    return z_mean, z_log_var


@exercise(
    name="lesson_05.ex2",
    why="The mean KL of each dimension is how many nats it carries: a dimension near 0 is "
    "unused, whatever its size.",
    hints=(
        "Lesson 3's KL per dimension: 0.5 * (exp(z_log_var) + z_mean**2 - 1 - z_log_var), shape (n, latent_dim).",
        "Average over the digits (axis 0), keep the dimensions: the result has shape (latent_dim,).",
        "return (0.5 * (np.exp(z_log_var) + z_mean**2 - 1 - z_log_var)).mean(axis=0)",
    ),
    solution="""
        def mean_kl_per_dimension(z_mean, z_log_var):
            # (n, latent_dim): the KL of each digit and dimension
            kl = 0.5 * (np.exp(z_log_var) + z_mean**2 - 1 - z_log_var)
            return kl.mean(axis=0)  # (latent_dim,): average over digits


        answer = mean_kl_per_dimension
        # the package's version:
        # evaluation.mean_kl_per_dimension(z_mean, z_log_var)
    """,
    mistakes=(
        "log_var_as_log_sigma",
        "sum_over_digits",
        "missing_half",
        "ignores_input",
        "wrong_shape",
        "not_finite",
    ),
)
def ex2(answer):
    """A function ``mean_kl_per_dimension(z_mean, z_log_var) -> (latent_dim,)``."""
    inputs = [
        _latents(3, 50, [2.0, 1.0, 0.3, 0.0]),
        _latents(30, 80, [0.1, 0.0, 1.5, 0.7]),
    ]
    values = [
        as_array(
            call(answer, z_mean, z_log_var),
            (z_mean.shape[1],),
            "the KL per dimension",
            not_finite_advice="z_log_var can be negative: the variance is exp(z_log_var), "
            "never log(z_log_var).",
        )
        for z_mean, z_log_var in inputs
    ]
    expected = [
        evaluation.mean_kl_per_dimension(*latents) for latents in inputs
    ]

    def all_close(targets):
        return all(
            close(value, target, KL_TOLERANCE, KL_TOLERANCE)
            for value, target in zip(values, targets)
        )

    if all_close(expected):
        return
    as_sigma = [  # z_log_var read as log sigma: variance exp(2 z_log_var)
        (
            0.5
            * (
                np.exp(2.0 * v)
                + np.square(m, dtype=np.float64)
                - 1
                - 2.0 * v
            )
        ).mean(axis=0)
        for m, v in inputs
    ]
    if all_close(as_sigma):
        raise Mistake(
            "log_var_as_log_sigma",
            "You treated z_log_var as log sigma (exp(2 z_log_var)): it is the log of the "
            "variance, so sigma^2 = exp(z_log_var).",
        )
    if all_close([kl * len(m) for kl, (m, _) in zip(expected, inputs)]):
        raise Mistake(
            "sum_over_digits",
            "Too large by the number of digits: you summed over the digits; average them.",
        )
    if all_close([2 * kl for kl in expected]):
        raise Mistake(
            "missing_half",
            "Twice the KL: the formula has a factor 1/2 in front.",
        )
    answers_follow_inputs(values, expected)
    raise Mistake(
        "wrong_value",
        "Off from evaluation.mean_kl_per_dimension (tolerance 1e-5). Check Lesson 3's "
        "formula, term by term.",
    )


# Codes for ex3, one dimension per column: (standard deviation, offset) of z_mean. The
# rules a student might confuse with Var(z_mean) > 0.01 give other counts on them: the
# variance above 0.02, the standard deviation above 0.01, the mean |z_mean| above 0.1
# (a dimension whose codes all sit at 0.6 varies by nothing: inactive).
ACTIVITY_CODES = (
    (
        500,
        4,
        ((1.0, 0), (0.5, 0), (0.2, 0), (0.05, 0), (0.02, 0), (0.001, 0)),
    ),
    (
        400,
        40,
        (
            (0.8, 0),
            (0.11, 0),
            (0.05, 0.6),
            (0.0, -0.4),
            (0.3, 0),
            (0.004, 0.2),
            (0.07, 0),
            (0.5, 0),
        ),
    ),
    (300, 41, ((0.2, 1.0), (0.09, 0), (0.0, 0.3), (0.03, 0), (0.11, 0))),
)


def _activity_codes(num_digits, seed, columns):
    """Made-up z_mean (num_digits, len(columns)): column j is offset_j + std_j * N(0, 1)."""
    spread, offset = np.array(columns, dtype=np.float64).T
    rng = np.random.default_rng(seed)
    z_mean = (
        offset + rng.standard_normal((num_digits, len(columns))) * spread
    )
    return z_mean.astype(np.float32)


@exercise(
    name="lesson_05.ex3",
    why="Counting active dimensions (Burda et al.: the variance of z_mean over digits above "
    "0.01) shows how many of the latent dimensions the encoder actually uses.",
    hints=(
        "A dimension is active when z_mean varies across digits: compute its variance over the digits (axis 0).",
        "Variance, not standard deviation, and over axis 0 (digits), not axis 1 (dimensions).",
        "return int(np.sum(z_mean.var(axis=0) > 0.01))",
    ),
    solution="""
        def count_active(z_mean, threshold=0.01):
            # (latent_dim,): how much each dimension varies across digits
            activity = z_mean.var(axis=0)
            return int(np.sum(activity > threshold))


        answer = count_active
        # the package's version: evaluation.active_dimensions(z_mean).sum()
    """,
    mistakes=(
        "standard_deviation",
        "threshold_too_high",
        "mean_size",
        "wrong_axis",
        "ignores_input",
        "wrong_shape",
    ),
)
def ex3(answer):
    """A function ``count_active(z_mean) -> int``: dimensions with Var(z_mean) > 0.01."""
    inputs = [_activity_codes(*codes) for codes in ACTIVITY_CODES]
    values = [
        float(as_array(call(answer, z_mean), (), "the count"))
        for z_mean in inputs
    ]
    expected = [
        int(evaluation.active_dimensions(z_mean).sum()) for z_mean in inputs
    ]
    if values == expected:
        return
    if any(
        value > z_mean.shape[1] for value, z_mean in zip(values, inputs)
    ):
        raise Mistake(
            "wrong_axis",
            "More active dimensions than there are dimensions: you took the variance over "
            "axis 1; use axis 0 (digits).",
        )
    wrong_rules = (
        (
            "standard_deviation",
            lambda z: z.std(axis=0) > 0.01,
            (
                "You compared the standard deviation with 0.01; Burda et al.'s test uses the "
                "variance."
            ),
        ),
        (
            "threshold_too_high",
            lambda z: z.var(axis=0) > 0.02,
            (
                "A dimension whose variance is just above 0.01 was not counted: compare the "
                "variance with 0.01 exactly, with `>`."
            ),
        ),
        (
            "mean_size",
            lambda z: np.abs(z).mean(axis=0) > 0.1,
            (
                "You measured how far the codes sit from 0. Activity is how much z_mean varies "
                "across digits: codes that all sit at 0.6 carry no information. Use the variance."
            ),
        ),
    )
    for name, rule, message in wrong_rules:
        if values == [
            int(np.sum(rule(z_mean.astype(np.float64))))
            for z_mean in inputs
        ]:
            raise Mistake(name, message)
    answers_follow_inputs(values, expected)
    raise Mistake(
        "wrong_value",
        "Your count is off on some made-up codes; print z_mean.var(axis=0) and count the "
        "values above 0.01.",
    )
