"""Wrong answers to Lesson 08's exercises: (exercise, mistake named, answer)."""

import functools

import numpy as np

from vae_lessons import data, evaluation, registry
from vae_lessons.exercises import lesson_08
from exercise_cases.common import _kl_terms


@functools.cache
def _beta_study():
    """β -> (mean KL per dimension, Var(z_mean)) of lesson 8's models, computed here afresh."""
    _, (test_images, _) = data.load_mnist()
    x_test = data.flatten_and_scale(test_images)
    names = {**registry.KL_WEIGHT_STUDY, **registry.COLLAPSE_STUDY}
    study = {}
    for beta in (1, 2, 4, 8):
        z_mean, z_log_var = registry.trained(names[beta])[0].encode(x_test)
        study[beta] = (0.5 * _kl_terms(z_mean, z_log_var).mean(axis=0), z_mean.var(axis=0))
    return study


def _inactive(shift=0):
    return {beta: int(np.sum(kl <= 0.1)) + (shift if beta == 4 else 0) for beta, (kl, _) in _beta_study().items()}


WRONG_ANSWERS = [
    (lesson_08.ex1, "kl_of_mean_code", lambda: lambda m, v: 0.5 * _kl_terms(m.mean(axis=0), v.mean(axis=0)) > 0.1),
    (lesson_08.ex1, "mu_squared_only", lambda: lambda m, v: 0.5 * (m**2).mean(axis=0) > 0.1),
    (lesson_08.ex1, "sum_over_digits", lambda: lambda m, v: 0.5 * _kl_terms(m, v).sum(axis=0) > 0.1),
    (lesson_08.ex1, "missing_half", lambda: lambda m, v: _kl_terms(m, v).mean(axis=0) > 0.1),
    (lesson_08.ex1, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * _kl_terms(m, 2 * v).mean(axis=0) > 0.1),
    (lesson_08.ex1, "by_variance", lambda: lambda m, v: m.var(axis=0) > 0.01),
    (lesson_08.ex1, "not_a_mask", lambda: lambda m, v: 0.5 * _kl_terms(m, v).mean(axis=0)),
    (lesson_08.ex1, "ignores_input", lambda: lambda m, v: np.array([True, False, False, False, False])),
    (lesson_08.ex1, "wrong_shape", lambda: lambda m, v: int(np.sum(0.5 * _kl_terms(m, v).mean(axis=0) > 0.1))),
    (lesson_08.ex1, "not_a_function", lambda: np.array([True, False])),
    (lesson_08.ex1, "wrong_value", lambda: lambda m, v: 0.5 * _kl_terms(m, v).mean(axis=0) > 0.2),
    (lesson_08.ex2, "unpaired", lambda: lambda a, b: ((a - b).mean(), np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))),
    (lesson_08.ex2, "standard_deviation", lambda: lambda a, b: ((a - b).mean(), np.std(a - b, ddof=1))),
    (lesson_08.ex2, "divided_by_n", lambda: lambda a, b: ((a - b).mean(), np.std(a - b, ddof=1) / len(a))),
    (lesson_08.ex2, "population_std", lambda: lambda a, b: ((a - b).mean(), np.std(a - b) / np.sqrt(len(a)))),
    (lesson_08.ex2, "reversed_sign", lambda: lambda a, b: ((b - a).mean(), np.std(a - b, ddof=1) / np.sqrt(len(a)))),
    (lesson_08.ex2, "ignores_input", lambda: lambda a, b: (3.4, 0.36)),
    (lesson_08.ex2, "wrong_shape", lambda: lambda a, b: a - b),
    (lesson_08.ex2, "not_a_function", lambda: (3.4, 0.3)),
    (lesson_08.ex2, "wrong_value", lambda: lambda a, b: ((a - b).mean(), 1.0 + len(a))),
    (lesson_08.ex2, "wrong_value", lambda: lambda a, b: (a.mean(), np.std(a - b, ddof=1) / np.sqrt(len(a)))),
    (lesson_08.ex3, "counted_active", lambda: {beta: 20 - count for beta, count in _inactive().items()}),
    (lesson_08.ex3, "by_variance", lambda: {beta: int(np.sum(var <= 0.01)) for beta, (_, var) in _beta_study().items()}),
    (lesson_08.ex3, "none_inactive", lambda: {1: 0, 2: 0, 4: 0, 8: 0}),
    (lesson_08.ex3, "wrong_value", lambda: _inactive(shift=3)),
    (lesson_08.ex3, "wrong_type", lambda: [0, 2, 9, 15]),
    (lesson_08.ex3, "wrong_type", lambda: {1: 0, 2: 2, 4: 9}),
    (lesson_08.ex3, "wrong_type", lambda: {1: 0, 2: 2, 4: 9.5, 8: 15}),
    (lesson_08.ex4, "option_a", lambda: "a"),
    (lesson_08.ex4, "option_c", lambda: " C "),
    (lesson_08.ex4, "wrong_type", lambda: "d"),
]
