"""Lesson 6 exercises: paths through the latent space, and how smooth they are.

The checks run the student's functions on made-up inputs with a known answer; the
student then uses them with the trained decoder (``vae.decode``) in the lesson.
"""

from __future__ import annotations

import numpy as np

from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-6


@exercise(
    name="lesson_06.ex1",
    why="A straight line between two codes, decoded step by step, shows whether the latent "
    "space is continuous: every point on it should decode to a plausible digit.",
    hints=(
        "Weights t from 0 to 1 in num_steps steps, both ends included: np.linspace(0, 1, num_steps).",
        "Each point is (1 - t) * z_a + t * z_b; give t a second axis to broadcast: t[:, None].",
        "t = np.linspace(0, 1, num_steps)[:, None]; return (1 - t) * z_a + t * z_b",
    ),
    solution="""
        def interpolate(z_a, z_b, num_steps):
            # (num_steps, 1): 0 at z_a, 1 at z_b
            t = np.linspace(0, 1, num_steps)[:, None]
            return (1 - t) * z_a + t * z_b  # (num_steps, latent_dim)


        answer = interpolate
        # then: vae.decode(interpolate(z_a, z_b, 10)) draws the path
    """,
    mistakes=("end_missing", "reversed", "wrong_shape", "not_a_function"),
)
def ex1(answer):
    """A function ``interpolate(z_a, z_b, num_steps) -> (num_steps, latent_dim)``, ends included."""
    z_a = np.array([-1.0, 2.0, 0.5], dtype=np.float32)
    z_b = np.array([3.0, 0.0, -0.5], dtype=np.float32)
    path = as_array(call(answer, z_a, z_b, 6), (6, 3), "the path")
    expected = np.linspace(0, 1, 6)[:, None] * (z_b - z_a) + z_a
    if close(path, expected, TOLERANCE, TOLERANCE):
        return
    if close(path, expected[::-1], TOLERANCE, TOLERANCE):
        raise Mistake(
            "reversed",
            "The path runs from z_b to z_a: start at z_a (t = 0) and end at z_b (t = 1).",
        )
    if close(path[0], z_a, TOLERANCE, TOLERANCE) and not close(
        path[-1], z_b, TOLERANCE, TOLERANCE
    ):
        raise Mistake(
            "end_missing",
            "The path stops short of z_b: np.arange(num_steps) / num_steps never reaches 1. "
            "Use np.linspace(0, 1, num_steps), which includes both ends.",
        )
    raise Mistake(
        "wrong_value",
        "The path is not the straight line from z_a to z_b; print t and check it runs 0 ... 1.",
    )


def _images():
    """Made-up (5, 784) images whose consecutive steps have lengths 1, 2, 3 and 4 exactly."""
    images = np.zeros((5, 784), dtype=np.float32)
    for row, step in enumerate((1.0, 2.0, 3.0, 4.0), start=1):
        images[row] = images[row - 1]
        images[row, row] += (
            step  # move one pixel by `step`: a step of Euclidean length `step`
        )
    return images


@exercise(
    name="lesson_06.ex2",
    why="The largest jump between consecutive decoded images measures how smooth a path is: "
    "compare a path between two 7s with one from a 7 to a 1.",
    hints=(
        "Consecutive differences: images[1:] - images[:-1], shape (num_images - 1, 784).",
        "The Euclidean length of each step is np.linalg.norm(..., axis=1); return the largest.",
        "return float(np.linalg.norm(np.diff(images, axis=0), axis=1).max())",
    ),
    solution="""
        def largest_step(images):
            # (num_images - 1, 784): from each image to the next
            steps = np.diff(images, axis=0)
            # the Euclidean distance of each step, in pixel space
            return float(np.linalg.norm(steps, axis=1).max())


        answer = largest_step
        # then: largest_step(vae.decode(interpolate(z_a, z_b, 10)))
        # for two 7s, and for a 7 and a 1
    """,
    mistakes=(
        "squared_distance",
        "distance_from_first",
        "mean_step",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``largest_step(images) -> float``: the largest distance between consecutive images."""
    value = float(as_array(call(answer, _images()), (), "the largest step"))
    if abs(value - 4.0) <= TOLERANCE:
        return
    if abs(value - 16.0) <= TOLERANCE:
        raise Mistake(
            "squared_distance",
            "That is a squared distance: take the square root (np.linalg.norm does).",
        )
    if abs(value - np.sqrt(1 + 4 + 9 + 16)) <= 1e-5:
        raise Mistake(
            "distance_from_first",
            "You measured from the first image; measure between CONSECUTIVE images (np.diff).",
        )
    if abs(value - 2.5) <= TOLERANCE:
        raise Mistake(
            "mean_step",
            "That is the average step; the question asks for the largest (max).",
        )
    raise Mistake(
        "wrong_value",
        f"{value:g} is not it: on the test images the steps have lengths 1, 2, 3, 4.",
    )
