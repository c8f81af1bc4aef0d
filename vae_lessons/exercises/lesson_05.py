"""Lesson 5 exercises: reading the latent space (class centres, KL per dimension, activity).

Each check calls the student's function on made-up codes with a known answer; the
student then applies the same function to the trained encoder's codes in the lesson.
"""

from __future__ import annotations

import numpy as np

from vae_lessons import evaluation
from vae_lessons.exercises.checking import (
    Mistake,
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
    mistakes=("same_class", "farthest_pair", "wrong_type", "changed_input"),
)
def ex1(answer):
    """A function ``closest_classes(z_mean, labels) -> (a, b)``."""
    z_mean, labels = _clusters()
    result = call(answer, z_mean, labels)
    pair = as_class_pair(result, "your function's result")
    if pair == [3, 7]:
        return
    if pair[0] == pair[1]:
        raise Mistake(
            "same_class",
            "Both are the same class: each class is at distance 0 from itself. Set the "
            "diagonal of the distance table to np.inf before taking the argmin.",
        )
    centres = np.stack(
        [z_mean[labels == digit].mean(axis=0) for digit in range(10)]
    )
    distances = np.linalg.norm(
        centres[:, None] - centres[None, :], axis=-1
    )  # (10, 10)
    if pair == sorted(
        np.unravel_index(np.argmax(distances), distances.shape)
    ):
        raise Mistake(
            "farthest_pair",
            "That is the farthest pair: use argmin, not argmax.",
        )
    raise Mistake(
        "wrong_value",
        f"On a test set where classes 3 and 7 are closest, your function gave {tuple(pair)}. "
        "Check the centres first: print them.",
    )


def _latents():
    """Made-up codes: z_mean, z_log_var of shape (50, 4)."""
    rng = np.random.default_rng(3)
    z_mean = rng.normal(scale=[2.0, 1.0, 0.3, 0.0], size=(50, 4)).astype(
        np.float32
    )
    z_log_var = rng.uniform(-3.0, 0.5, size=(50, 4)).astype(np.float32)
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
        "wrong_shape",
        "not_finite",
    ),
)
def ex2(answer):
    """A function ``mean_kl_per_dimension(z_mean, z_log_var) -> (latent_dim,)``."""
    z_mean, z_log_var = _latents()
    value = as_array(
        call(answer, z_mean, z_log_var),
        (z_mean.shape[1],),
        "the KL per dimension",
        not_finite_advice="z_log_var can be negative: the variance is exp(z_log_var), never log(z_log_var).",
    )
    expected = evaluation.mean_kl_per_dimension(z_mean, z_log_var)
    if close(value, expected, KL_TOLERANCE, KL_TOLERANCE):
        return
    mu, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
    if close(
        value,
        (0.5 * (np.exp(2 * log_var) + mu**2 - 1 - 2 * log_var)).mean(
            axis=0
        ),
        KL_TOLERANCE,
        KL_TOLERANCE,
    ):
        raise Mistake(
            "log_var_as_log_sigma",
            "You treated z_log_var as log sigma (exp(2 z_log_var)): it is the log of the "
            "variance, so sigma^2 = exp(z_log_var).",
        )
    if close(value, expected * len(mu), KL_TOLERANCE, KL_TOLERANCE):
        raise Mistake(
            "sum_over_digits",
            f"{len(mu)} times too large: you summed over the digits; average them.",
        )
    raise Mistake(
        "wrong_value",
        "Off from evaluation.mean_kl_per_dimension (tolerance 1e-5). Check Lesson 3's formula.",
    )


def _activity_codes():
    """Made-up z_mean (500, 6) whose dimensions vary with standard deviations 1 ... 0.001."""
    rng = np.random.default_rng(4)
    spread = np.array(
        [1.0, 0.5, 0.2, 0.05, 0.02, 0.001]
    )  # variances 1, 0.25, 0.04, 0.0025, 4e-4, 1e-6
    return (rng.standard_normal((500, 6)) * spread).astype(np.float32)


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
    mistakes=("standard_deviation", "wrong_axis", "wrong_shape"),
)
def ex3(answer):
    """A function ``count_active(z_mean) -> int``: dimensions with Var(z_mean) > 0.01."""
    z_mean = _activity_codes()
    value = call(answer, z_mean)
    value = float(as_array(value, (), "the count"))
    expected = int(evaluation.active_dimensions(z_mean).sum())
    if value == expected:
        return
    if value == int(np.sum(z_mean.std(axis=0) > 0.01)):
        raise Mistake(
            "standard_deviation",
            "You compared the standard deviation with 0.01; Burda et al.'s test uses the variance.",
        )
    if value > z_mean.shape[1]:
        raise Mistake(
            "wrong_axis",
            "More active dimensions than there are dimensions: you took the variance over axis 1; use axis 0 (digits).",
        )
    raise Mistake(
        "wrong_value",
        f"{value:g} is not it; print z_mean.var(axis=0) and count the values above 0.01.",
    )
