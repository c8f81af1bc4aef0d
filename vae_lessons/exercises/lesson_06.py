"""Lesson 6 exercises: paths through the latent space, how smooth they are, and what the
decoder draws far outside the prior.

The checks of the two functions run them on several made-up inputs, fixed and
seeded-random, whose right answers differ; the student then uses them with the trained
decoder (``vae.decode``) in the lesson. The third exercise is an experiment with the
lesson's own model: its check decodes the same grid on the student's machine (the model
comes from the model cache; on an empty cache it is trained first, as in Lesson 4).
"""

from __future__ import annotations

import functools

import numpy as np

from vae_lessons.exercises.checking import (
    Mistake,
    answers_follow_inputs,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-5  # relative and absolute: float32 inputs


def _loosely(results):
    """The results as float arrays of any shape, or None when one is not numbers."""
    try:
        return [np.asarray(result, dtype=np.float64) for result in results]
    except Exception:  # noqa: BLE001 -- as_array then names what is wrong
        return None


def _path_inputs():
    """(z_a, z_b, num_steps): a fixed 3-D case, then seeded 2-D and 5-D ones."""
    rng = np.random.default_rng(6)
    return [
        (
            np.array([-1.0, 2.0, 0.5], dtype=np.float32),
            np.array([3.0, 0.0, -0.5], dtype=np.float32),
            6,
        ),
        (*rng.normal(size=(2, 2)).astype(np.float32), np.int64(10)),
        (*rng.normal(scale=2.0, size=(2, 5)).astype(np.float32), 3),
    ]


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
    mistakes=(
        "end_missing",
        "reversed",
        "ignores_input",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex1(answer):
    """A function ``interpolate(z_a, z_b, num_steps) -> (num_steps, latent_dim)``, ends included."""
    inputs = _path_inputs()
    results = [call(answer, *arguments) for arguments in inputs]
    expected = [
        np.linspace(0, 1, n)[:, None] * (z_b - z_a) + z_a
        for z_a, z_b, n in inputs
    ]
    loose = _loosely(results)
    if (
        loose is not None
    ):  # the same path for other ends: before any shape is checked
        answers_follow_inputs(loose, expected)
    paths = [
        as_array(result, (n, len(z_a)), "the path")
        for result, (z_a, _, n) in zip(results, inputs)
    ]
    if all(
        close(p, e, TOLERANCE, TOLERANCE) for p, e in zip(paths, expected)
    ):
        return
    if all(
        close(p, e[::-1], TOLERANCE, TOLERANCE)
        for p, e in zip(paths, expected)
    ):
        raise Mistake(
            "reversed",
            "The path runs from z_b to z_a: start at z_a (t = 0) and end at z_b (t = 1).",
        )
    if all(
        close(p[0], z_a, TOLERANCE, TOLERANCE)
        and not close(p[-1], z_b, TOLERANCE, TOLERANCE)
        for p, (z_a, z_b, _) in zip(paths, inputs)
    ):
        raise Mistake(
            "end_missing",
            "The path stops short of z_b: np.arange(num_steps) / num_steps never reaches 1. "
            "Use np.linspace(0, 1, num_steps), which includes both ends.",
        )
    raise Mistake(
        "wrong_value",
        "On some made-up ends (2-D to 5-D codes, 3 to 10 steps) the path is not the "
        "straight line from z_a to z_b; print t and check it runs 0 ... 1 in num_steps "
        "evenly spaced steps.",
    )


def _step_inputs():
    """Image sequences (num_images, 784): steps of one pixel, then dense and sparse seeded ones.

    On the first, every step moves a single pixel, so every norm agrees; on the seeded
    ones the Euclidean (L2), L1 and largest-pixel (L-infinity) lengths all differ.
    """
    one_pixel = np.zeros((5, 784), dtype=np.float32)
    for row, step in enumerate((1.0, 2.0, 3.0, 4.0), start=1):
        one_pixel[row] = one_pixel[row - 1]
        one_pixel[row, row] += step  # a step of length `step` in every norm
    rng = np.random.default_rng(16)
    dense = rng.uniform(size=(6, 784)).astype(np.float32)  # (6, 784)
    sparse = (
        rng.uniform(size=(8, 784)) * (rng.uniform(size=(8, 784)) < 0.2)
    ).astype(np.float32)  # (8, 784): a fifth of the pixels inked
    return [one_pixel, dense, sparse]


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
        "l1_distance",
        "largest_pixel_change",
        "distance_from_first",
        "mean_step",
        "ignores_input",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``largest_step(images) -> float``: the largest Euclidean distance between consecutive images."""
    inputs = _step_inputs()
    values = [
        float(as_array(call(answer, images), (), "the largest step"))
        for images in inputs
    ]
    steps = [
        np.diff(images.astype(np.float64), axis=0) for images in inputs
    ]
    lengths = [
        np.linalg.norm(step, axis=1) for step in steps
    ]  # each (num_images - 1,)
    expected = [length.max() for length in lengths]

    def all_close(targets):
        return all(
            close(value, target, TOLERANCE, TOLERANCE)
            for value, target in zip(values, targets)
        )

    if all_close(expected):
        return
    wrong = (
        (
            "squared_distance",
            [value**2 for value in expected],
            "That is a squared distance: take the square root (np.linalg.norm does).",
        ),
        (
            "l1_distance",
            [np.abs(step).sum(axis=1).max() for step in steps],
            (
                "You added the absolute pixel changes (the L1 distance). The Euclidean "
                "distance is the square root of the sum of their squares: np.linalg.norm."
            ),
        ),
        (
            "largest_pixel_change",
            [np.abs(step).max() for step in steps],
            (
                "That is the largest change of a single pixel (the L-infinity distance): "
                "measure each step over all 784 pixels with np.linalg.norm(..., axis=1)."
            ),
        ),
        (
            "distance_from_first",
            [
                np.linalg.norm(
                    images.astype(np.float64) - images[0], axis=1
                ).max()
                for images in inputs
            ],
            "You measured from the first image; measure between CONSECUTIVE images (np.diff).",
        ),
        (
            "mean_step",
            [length.mean() for length in lengths],
            "That is the average step; the question asks for the largest (max).",
        ),
    )
    for name, targets, message in wrong:
        if all_close(targets):
            raise Mistake(name, message)
    answers_follow_inputs(values, expected)
    raise Mistake(
        "wrong_value",
        "Not the largest Euclidean step on some made-up sequences. Print the length of "
        "every step, np.linalg.norm(np.diff(images, axis=0), axis=1), and compare.",
    )


DARK = 0.99  # a pixel the decoder is this sure of is drawn black
WIDE_VALUES = (-6.0, 6.0, 15)  # np.linspace's arguments for the wide grid


def grid_codes(low, high, num_points):
    """Every pair of ``np.linspace(low, high, num_points)``: (num_points**2, 2) codes."""
    values = np.linspace(low, high, num_points)
    return np.stack(np.meshgrid(values, values), axis=-1).reshape(-1, 2)


@functools.lru_cache(maxsize=4)
def _dark_shares(cache_folder, backend):
    """The share of decoded digits with a pixel above ``DARK``: wide, narrow and quantile grids.

    Decodes with the lesson's 2-D model, loaded from the model cache (``cache_folder``
    and ``backend`` only key this memo: the model is the same while they are).
    """
    from vae_lessons import plots, training

    vae, _ = training.trained_vae()

    def share(codes):
        images = np.asarray(vae.decode(codes), dtype=np.float64)  # (n, 784)
        return float(np.mean(images.max(axis=1) > DARK))

    return {
        "wide": share(grid_codes(*WIDE_VALUES)),
        "narrow": share(grid_codes(-3.0, 3.0, 15)),
        "quantile": share(plots.normal_quantile_grid(15)),
    }


def dark_shares():
    """:func:`_dark_shares` for this machine's model cache and Keras backend."""
    import keras

    from vae_lessons import cache

    return _dark_shares(str(cache.cache_dir()), keras.backend.backend())


SHARE_TOLERANCE = 1.5 / 225  # one digit of the 225, either way


@exercise(
    name="lesson_06.ex3",
    why="Far outside the prior, where no training digit was encoded, the decoder does not "
    'blur or say "I have never seen this code": it extrapolates the outermost classes '
    "into dark, confident strokes. Near the origin, where classes overlap, it draws grey "
    "blends. A decoder's confidence says nothing about whether a code is plausible.",
    hints=(
        (
            "z_wide holds every pair of the 15 values: np.meshgrid(values, values), stacked on "
            "a last axis and reshaped to (225, 2)."
        ),
        (
            "vae.decode(z_wide) gives (225, 784) pixel probabilities; .max(axis=1) is each "
            "digit's darkest pixel."
        ),
        (
            "answer = float(np.mean(vae.decode(z_wide).max(axis=1) > 0.99)); then the same "
            "for z_grid, the quantile grid."
        ),
    ),
    solution="""
        vae, _ = training.trained_vae()  # the lesson's 2-D model (cached)
        values = np.linspace(-6, 6, 15)
        z_wide = np.stack(np.meshgrid(values, values), axis=-1).reshape(-1, 2)
        images = vae.decode(z_wide)  # (225, 784)
        darkest = images.max(axis=1)  # (225,): each digit's darkest pixel
        answer = float(np.mean(darkest > 0.99))
        # to see it: plots.manifold(images, 15, values=values); and compare
        # with the quantile grid: np.mean(vae.decode(z_grid).max(axis=1) > 0.99)
    """,
    mistakes=(
        "quantile_grid",
        "narrow_grid",
        "count_not_share",
        "percent",
        "complement",
        "wrong_type",
    ),
    kind="experiment",
)
def ex3(answer):
    """A number between 0 and 1: the share of the wide grid's digits with a pixel above 0.99.

    Decodes the grid with the lesson's model (from the model cache), on this machine.
    """
    value = float(as_array(answer, (), "the share"))
    shares = dark_shares()
    right = shares["wide"]
    if abs(value - right) <= SHARE_TOLERANCE:
        return
    size = WIDE_VALUES[2] ** 2
    wrong = (
        (
            "quantile_grid",
            shares["quantile"],
            SHARE_TOLERANCE,
            (
                "That is the share for the quantile grid of the lesson (-1.83 to 1.83). Decode "
                "the wide grid, np.linspace(-6, 6, 15) on each axis, and compare the two."
            ),
        ),
        (
            "narrow_grid",
            shares["narrow"],
            SHARE_TOLERANCE,
            (
                "Your grid seems to stop short: it should run from -6 to 6 on each axis, "
                "np.linspace(-6, 6, 15)."
            ),
        ),
        (
            "count_not_share",
            right * size,
            1.5,
            (
                "That is a count of digits: give the share, a number between 0 and 1 (divide "
                "by the number of digits, or take np.mean of the True/False values)."
            ),
        ),
        (
            "percent",
            right * 100,
            SHARE_TOLERANCE * 100,
            "That looks like a percentage: give the share as a number between 0 and 1.",
        ),
        (
            "complement",
            1 - right,
            SHARE_TOLERANCE,
            (
                "That is the share of digits whose darkest pixel stays at or below 0.99: count "
                "those above it."
            ),
        ),
    )
    for name, target, tolerance, message in wrong:
        if abs(value - target) <= tolerance:
            raise Mistake(name, message)
    if not 0 <= value <= 1:
        raise Mistake(
            "out_of_range",
            "A share lies between 0 and 1: the number of digits with a pixel above 0.99, "
            "divided by the number of digits.",
        )
    raise Mistake(
        "wrong_value",
        "Not the share we get from the lesson's model. Check that z_wide has 225 codes, "
        "every pair of np.linspace(-6, 6, 15); that you take each digit's largest pixel "
        "(.max(axis=1)); and that you count pixels above 0.99.",
    )
