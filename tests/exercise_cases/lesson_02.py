"""Wrong answers to Lesson 02's exercises: (exercise, mistake named, answer)."""

import numpy as np

from vae_lessons.exercises import lesson_02
from exercise_cases.common import _no_return, _in_place, _repeats_first_answer


def _global_noise(z_mean, z_log_var, seed):
    return z_mean + np.exp(z_log_var / 2) * np.random.standard_normal(z_mean.shape)


def _noise(draw):
    """A sample_z whose epsilon is ``draw(rng, z_mean.shape)``."""
    return lambda m, v, s: m + np.exp(v / 2) * draw(np.random.default_rng(s), m.shape)


def _right(m, v, e):
    return m + np.exp(v / 2) * e


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
    (lesson_02.ex1, "ignores_input", lambda: _repeats_first_answer(_right)),
    (lesson_02.ex2, "shared_epsilon", lambda: _noise(lambda rng, shape: rng.standard_normal((1, shape[1])))),
    (lesson_02.ex2, "shared_across_dimensions", lambda: _noise(lambda rng, shape: rng.standard_normal((shape[0], 1)))),
    (lesson_02.ex2, "not_reproducible", lambda: _global_noise),
    (lesson_02.ex2, "ignores_seed", lambda: lambda m, v, s: _noise(lambda rng, shape: rng.standard_normal(shape))(m, v, 0)),
    (lesson_02.ex2, "variance_instead_of_sigma", lambda: lambda m, v, s: m + np.exp(v) * np.random.default_rng(s).standard_normal(m.shape)),
    # mean 0 and standard deviation 1, like the right noise: only the shape of the distribution differs
    (lesson_02.ex2, "uniform_noise", lambda: _noise(lambda rng, shape: rng.uniform(-np.sqrt(3), np.sqrt(3), shape))),
    (lesson_02.ex2, "not_normal", lambda: _noise(lambda rng, shape: rng.laplace(0, 1 / np.sqrt(2), shape))),
    (lesson_02.ex2, "wrong_mean", lambda: lambda m, v, s: np.exp(v / 2) * np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_spread", lambda: lambda m, v, s: m + np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_shape", lambda: lambda m, v, s: (m + np.exp(v / 2) * np.random.default_rng(s).standard_normal(m.shape))[0]),
    (lesson_02.ex2, "ignores_input", lambda: _repeats_first_answer(_noise(lambda rng, shape: rng.standard_normal(shape)))),
    (lesson_02.ex3, "option_a", lambda: "a"),
    (lesson_02.ex3, "option_c", lambda: " C "),
    (lesson_02.ex3, "option_d", lambda: "d"),
    (lesson_02.ex3, "wrong_type", lambda: 2),
]
