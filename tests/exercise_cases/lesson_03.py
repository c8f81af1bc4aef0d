"""Wrong answers to Lesson 03's exercises: (exercise, mistake named, answer)."""

import numpy as np

from vae_lessons.exercises import lesson_03
from exercise_cases.common import _kl_terms, _clip, _repeats_first_answer


def _reconstruction(x, p):
    return -np.sum(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)), axis=-1)


def _kl(m, v):
    return 0.5 * np.sum(_kl_terms(m, v), axis=-1)


def _prior_terms(m, v, s2):
    """Per dimension: the KL to N(0, s2), (batch, latent_dim)."""
    return 0.5 * ((np.exp(v) + m**2) / s2 - 1 - v + np.log(s2))


def _kl_to_prior(m, v, s2):
    return np.sum(_prior_terms(m, v, s2), axis=-1)


WRONG_ANSWERS = [
    (lesson_03.ex1, "mean_instead_of_sum", lambda: lambda x, p: -np.mean(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)), axis=-1)),
    (lesson_03.ex1, "swapped_arguments", lambda: lambda x, p: _reconstruction(p, x)),
    (lesson_03.ex1, "wrong_sign", lambda: lambda x, p: -_reconstruction(x, p)),
    (lesson_03.ex1, "no_clipping", lambda: lambda x, p: -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)),
    (lesson_03.ex1, "wrong_shape", lambda: lambda x, p: np.sum(_reconstruction(x, p))),
    (lesson_03.ex1, "not_a_function", lambda: 543.4),
    (lesson_03.ex1, "ignores_input", lambda: _repeats_first_answer(_reconstruction)),
    (lesson_03.ex2, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * np.sum(_kl_terms(m, 2 * v), axis=-1)),
    (lesson_03.ex2, "missing_half", lambda: lambda m, v: np.sum(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "mean_over_dimensions", lambda: lambda m, v: 0.5 * np.mean(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "wrong_sign", lambda: lambda m, v: -_kl(m, v)),
    (lesson_03.ex2, "wrong_shape", lambda: lambda m, v: 0.5 * _kl_terms(m, v)),
    (lesson_03.ex2, "not_finite", lambda: lambda m, v: 0.5 * np.sum(v + m**2 - 1 - np.log(v), axis=-1)),
    (lesson_03.ex2, "ignores_input", lambda: _repeats_first_answer(_kl)),
    (lesson_03.ex3, "mean_instead_of_sum", lambda: np.log(2)),
    (lesson_03.ex3, "bits_instead_of_nats", lambda: 784.0),
    (lesson_03.ex3, "wrong_sign", lambda: -784 * np.log(2)),
    (lesson_03.ex3, "wrong_shape", lambda: np.full(3, 784 * np.log(2))),
    (lesson_03.ex4, "forgot_log_prior", lambda: lambda m, v, s2: 0.5 * np.sum((np.exp(v) + m**2) / s2 - 1 - v, axis=-1)),
    (lesson_03.ex4, "mean_not_scaled", lambda: lambda m, v, s2: 0.5 * np.sum(np.exp(v) / s2 + m**2 - 1 - v + np.log(s2), axis=-1)),
    (lesson_03.ex4, "variance_not_scaled", lambda: lambda m, v, s2: 0.5 * np.sum(np.exp(v) + m**2 / s2 - 1 - v + np.log(s2), axis=-1)),
    (lesson_03.ex4, "std_as_variance", lambda: lambda m, v, s: _kl_to_prior(m, v, s**2)),
    (lesson_03.ex4, "reversed_kl", lambda: lambda m, v, s2: 0.5 * np.sum((s2 + m**2) / np.exp(v) - 1 + v - np.log(s2), axis=-1)),
    (lesson_03.ex4, "mean_over_dimensions", lambda: lambda m, v, s2: np.mean(_prior_terms(m, v, s2), axis=-1)),
    (lesson_03.ex4, "wrong_shape", lambda: _prior_terms),
    (lesson_03.ex4, "not_a_function", lambda: 1.5),
    (lesson_03.ex4, "ignores_input", lambda: _repeats_first_answer(_kl_to_prior)),
]
