"""Wrong answers to Lesson 08's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_08
from exercise_cases.common import _kl_terms


WRONG_ANSWERS = [
    (lesson_08.ex1, "sum_over_digits", lambda: lambda m, v: 0.5 * _kl_terms(m, v).sum(axis=0) > 0.1),
    (lesson_08.ex1, "missing_half", lambda: lambda m, v: _kl_terms(m, v).mean(axis=0) > 0.1),
    (lesson_08.ex1, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * _kl_terms(m, 2 * v).mean(axis=0) > 0.1),
    (lesson_08.ex1, "by_variance", lambda: lambda m, v: m.var(axis=0) > 0.01),
    (lesson_08.ex1, "wrong_shape", lambda: lambda m, v: int(np.sum(0.5 * _kl_terms(m, v).mean(axis=0) > 0.1))),
    (lesson_08.ex1, "not_a_function", lambda: np.array([True, False])),
    (lesson_08.ex1, "wrong_value", lambda: lambda m, v: np.zeros(m.shape[1], dtype=bool)),
    (lesson_08.ex2, "unpaired", lambda: lambda a, b: ((a - b).mean(), np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))),
    (lesson_08.ex2, "standard_deviation", lambda: lambda a, b: ((a - b).mean(), np.std(a - b, ddof=1))),
    (lesson_08.ex2, "divided_by_n", lambda: lambda a, b: ((a - b).mean(), np.std(a - b, ddof=1) / len(a))),
    (lesson_08.ex2, "population_std", lambda: lambda a, b: ((a - b).mean(), np.std(a - b) / np.sqrt(len(a)))),
    (lesson_08.ex2, "reversed_sign", lambda: lambda a, b: ((b - a).mean(), np.std(a - b, ddof=1) / np.sqrt(len(a)))),
    (lesson_08.ex2, "wrong_shape", lambda: lambda a, b: a - b),
    (lesson_08.ex2, "not_a_function", lambda: (3.4, 0.3)),
    (lesson_08.ex2, "wrong_value", lambda: lambda a, b: ((a - b).mean(), 1.0)),
]
