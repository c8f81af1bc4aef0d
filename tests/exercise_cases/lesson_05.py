"""Wrong answers to Lesson 05's exercises: (exercise, mistake named, answer)."""

import numpy as np

from vae_lessons.exercises import lesson_05
from exercise_cases.common import _kl_terms, _in_place


def _centre_distances(z_mean, labels):
    centres = np.stack([z_mean[labels == d].mean(axis=0) for d in range(10)])
    return np.linalg.norm(centres[:, None] - centres[None, :], axis=-1)


def _closest_with_diagonal(z_mean, labels):
    distances = _centre_distances(z_mean, labels)
    return tuple(int(i) for i in np.unravel_index(np.argmin(distances), distances.shape))


def _farthest_classes(z_mean, labels):
    distances = _centre_distances(z_mean, labels)
    return tuple(int(i) for i in np.unravel_index(np.argmax(distances), distances.shape))


def _count(rule):
    return lambda z: int(np.sum(rule(z)))


WRONG_ANSWERS = [
    (lesson_05.ex1, "same_class", lambda: _closest_with_diagonal),
    (lesson_05.ex1, "farthest_pair", lambda: _farthest_classes),
    (lesson_05.ex1, "ignores_input", lambda: lambda z, y: (3, 7)),  # the constant
    (lesson_05.ex1, "wrong_type", lambda: lambda z, y: 3),
    (lesson_05.ex1, "not_a_function", lambda: (3, 7)),  # the pair itself
    (lesson_05.ex1, "changed_input", lambda: lambda z, y: (_in_place(z), (3, 7))[1]),
    (lesson_05.ex2, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * _kl_terms(m, 2 * v).mean(axis=0)),
    (lesson_05.ex2, "sum_over_digits", lambda: lambda m, v: 0.5 * _kl_terms(m, v).sum(axis=0)),
    (lesson_05.ex2, "missing_half", lambda: lambda m, v: _kl_terms(m, v).mean(axis=0)),
    (lesson_05.ex2, "ignores_input", lambda: lambda m, v: np.array([2.0, 0.6, 0.3, 0.4])),
    (lesson_05.ex2, "wrong_shape", lambda: lambda m, v: 0.5 * _kl_terms(m, v)),
    (lesson_05.ex2, "not_finite", lambda: lambda m, v: (0.5 * (v + m**2 - 1 - np.log(v))).mean(axis=0)),
    (lesson_05.ex3, "standard_deviation", lambda: _count(lambda z: z.std(axis=0) > 0.01)),
    (lesson_05.ex3, "threshold_too_high", lambda: _count(lambda z: z.var(axis=0) > 0.02)),
    (lesson_05.ex3, "mean_size", lambda: _count(lambda z: np.abs(z).mean(axis=0) > 0.1)),
    (lesson_05.ex3, "wrong_axis", lambda: _count(lambda z: z.var(axis=1) > 0.01)),
    (lesson_05.ex3, "ignores_input", lambda: lambda z: 3),  # the constant
    (lesson_05.ex3, "wrong_shape", lambda: lambda z: z.var(axis=0) > 0.01),
    (lesson_05.ex3, "wrong_value", lambda: _count(lambda z: z.var(axis=0) > 0.001)),
]
