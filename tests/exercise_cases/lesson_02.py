"""Wrong answers to Lesson 02's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_02
from exercise_cases.common import _no_return, _in_place


def _global_noise(z_mean, z_log_var, seed):
    return z_mean + np.exp(z_log_var / 2) * np.random.standard_normal(z_mean.shape)


WRONG_ANSWERS = [
    (lesson_02.ex1, "variance_instead_of_sigma", lambda: lambda m, v, e: m + np.exp(v) * e),
    (lesson_02.ex1, "log_var_without_exp", lambda: lambda m, v, e: m + v * e),
    (lesson_02.ex1, "sqrt_of_log_var", lambda: lambda m, v, e: m + np.sqrt(v) * e),
    (lesson_02.ex1, "forgot_mean", lambda: lambda m, v, e: np.exp(v / 2) * e),
    (lesson_02.ex1, "forgot_sigma", lambda: lambda m, v, e: m + e),
    (lesson_02.ex1, "wrong_shape", lambda: lambda m, v, e: np.sum(m + np.exp(v / 2) * e, axis=1)),
    (lesson_02.ex1, "not_a_function", lambda: np.zeros((5, 3))),
    (lesson_02.ex1, "returned_none", lambda: _no_return),
    (lesson_02.ex1, "changed_input", lambda: _in_place),
    (lesson_02.ex2, "shared_epsilon", lambda: lambda m, v, s: m + np.exp(v / 2) * np.random.default_rng(s).standard_normal((1, m.shape[1]))),
    (lesson_02.ex2, "not_reproducible", lambda: _global_noise),
    (lesson_02.ex2, "variance_instead_of_sigma", lambda: lambda m, v, s: m + np.exp(v) * np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_mean", lambda: lambda m, v, s: np.exp(v / 2) * np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_spread", lambda: lambda m, v, s: m + np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_shape", lambda: lambda m, v, s: (m + np.exp(v / 2) * np.random.default_rng(s).standard_normal(m.shape))[0]),
]
