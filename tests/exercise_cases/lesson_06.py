"""Wrong answers to Lesson 06's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_06


def _numbered_steps(z_a, z_b, n):
    t = (np.arange(n) / n)[:, None]
    return (1 - t) * z_a + t * z_b


WRONG_ANSWERS = [
    (lesson_06.ex1, "end_missing", lambda: _numbered_steps),
    (lesson_06.ex1, "reversed", lambda: lambda a, b, n: np.linspace(0, 1, n)[:, None] * (a - b) + b),
    (lesson_06.ex1, "wrong_shape", lambda: lambda a, b, n: (np.linspace(0, 1, n)[:, None] * (b - a) + a).T),
    (lesson_06.ex1, "not_a_function", lambda: np.zeros((6, 3))),
    (lesson_06.ex2, "squared_distance", lambda: lambda images: float(np.max(np.sum(np.diff(images, axis=0) ** 2, axis=1)))),
    (lesson_06.ex2, "distance_from_first", lambda: lambda images: float(np.max(np.linalg.norm(images - images[0], axis=1)))),
    (lesson_06.ex2, "mean_step", lambda: lambda images: float(np.mean(np.linalg.norm(np.diff(images, axis=0), axis=1)))),
    (lesson_06.ex2, "not_a_function", lambda: 4.0),
]
