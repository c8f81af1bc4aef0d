"""Wrong answers to Lesson 06's exercises: (exercise, mistake named, answer)."""

import numpy as np

from vae_lessons import plots, training
from vae_lessons.exercises import lesson_06


def _numbered_steps(z_a, z_b, n):
    t = (np.arange(n) / n)[:, None]
    return (1 - t) * z_a + t * z_b


def _largest(step_length):
    """largest_step with another length of each step."""
    return lambda images: float(np.max(step_length(np.diff(images, axis=0))))


def _dark_share(codes):
    """The share of decoded digits with a pixel above 0.99, decoded here (not by the check)."""
    vae, _ = training.trained_vae()
    return float(np.mean(np.asarray(vae.decode(codes)).max(axis=1) > 0.99))


def _grid(low, high):
    values = np.linspace(low, high, 15)
    return np.stack(np.meshgrid(values, values), axis=-1).reshape(-1, 2)


WRONG_ANSWERS = [
    (lesson_06.ex1, "end_missing", lambda: _numbered_steps),
    (lesson_06.ex1, "reversed", lambda: lambda a, b, n: np.linspace(0, 1, n)[:, None] * (a - b) + b),
    (lesson_06.ex1, "wrong_shape", lambda: lambda a, b, n: (np.linspace(0, 1, n)[:, None] * (b - a) + a).T),
    (lesson_06.ex1, "ignores_input", lambda: lambda a, b, n: np.linspace(0, 1, 6)[:, None] * [4.0, -2.0, -1.0]
     + [-1.0, 2.0, 0.5]),  # the first path, whatever the ends
    (lesson_06.ex1, "wrong_value", lambda: lambda a, b, n: np.linspace(0, 1, n)[:, None] * (b - a)),
    (lesson_06.ex1, "not_a_function", lambda: np.zeros((6, 3))),
    (lesson_06.ex2, "squared_distance", lambda: _largest(lambda s: np.sum(s**2, axis=1))),
    (lesson_06.ex2, "l1_distance", lambda: _largest(lambda s: np.sum(np.abs(s), axis=1))),
    (lesson_06.ex2, "largest_pixel_change", lambda: _largest(lambda s: np.max(np.abs(s), axis=1))),
    (lesson_06.ex2, "distance_from_first", lambda: lambda images: float(np.max(np.linalg.norm(images - images[0], axis=1)))),
    (lesson_06.ex2, "mean_step", lambda: lambda images: float(np.mean(np.linalg.norm(np.diff(images, axis=0), axis=1)))),
    (lesson_06.ex2, "ignores_input", lambda: lambda images: 4.0),  # the constant
    (lesson_06.ex2, "not_a_function", lambda: 4.0),
    (lesson_06.ex3, "quantile_grid", lambda: _dark_share(plots.normal_quantile_grid(15))),
    (lesson_06.ex3, "narrow_grid", lambda: _dark_share(_grid(-3, 3))),
    (lesson_06.ex3, "count_not_share", lambda: 225 * _dark_share(_grid(-6, 6))),
    (lesson_06.ex3, "percent", lambda: 100 * _dark_share(_grid(-6, 6))),
    (lesson_06.ex3, "complement", lambda: 1 - _dark_share(_grid(-6, 6))),
    (lesson_06.ex3, "out_of_range", lambda: 1.7),
    (lesson_06.ex3, "wrong_type", lambda: "crisp digits"),
]
