"""Wrong answers to Lesson 03's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_03
from exercise_cases.common import _kl_terms, _clip


WRONG_ANSWERS = [
    (lesson_03.ex1, "mean_instead_of_sum", lambda: lambda x, p: -np.mean(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)), axis=-1)),
    (lesson_03.ex1, "swapped_arguments", lambda: lambda x, p: -np.sum(p * np.log(_clip(x)) + (1 - p) * np.log(1 - _clip(x)), axis=-1)),
    (lesson_03.ex1, "wrong_sign", lambda: lambda x, p: np.sum(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)), axis=-1)),
    (lesson_03.ex1, "no_clipping", lambda: lambda x, p: -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)),
    (lesson_03.ex1, "wrong_shape", lambda: lambda x, p: -np.sum(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)))),
    (lesson_03.ex1, "not_a_function", lambda: 543.4),
    (lesson_03.ex2, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * np.sum(_kl_terms(m, 2 * v), axis=-1)),
    (lesson_03.ex2, "missing_half", lambda: lambda m, v: np.sum(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "mean_over_dimensions", lambda: lambda m, v: 0.5 * np.mean(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "wrong_sign", lambda: lambda m, v: -0.5 * np.sum(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "wrong_shape", lambda: lambda m, v: 0.5 * _kl_terms(m, v)),
    (lesson_03.ex2, "not_finite", lambda: lambda m, v: 0.5 * np.sum(v + m**2 - 1 - np.log(v), axis=-1)),
    (lesson_03.ex3, "mean_instead_of_sum", lambda: np.log(2)),
    (lesson_03.ex3, "bits_instead_of_nats", lambda: 784.0),
    (lesson_03.ex3, "wrong_sign", lambda: -784 * np.log(2)),
    (lesson_03.ex3, "wrong_shape", lambda: np.full(3, 784 * np.log(2))),
]
