"""Wrong answers to Lesson 07's exercises: (exercise, mistake named, answer)."""

import numpy as np

from vae_lessons import data, evaluation, training
from vae_lessons.exercises import lesson_07


def _spread_and_count():
    """The standard deviation of the lesson's per-digit test scores, and their number (here, not the check's)."""
    vae, _ = training.trained_vae()
    _, (test_images, _) = data.load_mnist()
    reconstruction, kl = evaluation.elbo_terms(vae, data.flatten_and_scale(test_images), seed=0)
    scores = np.asarray(reconstruction) + np.asarray(kl)
    return float(np.std(scores, ddof=1)), len(scores)


def _digits_needed(rule):
    """A wrong answer to ex4: ``rule(standard_error, n)``."""
    spread, n = _spread_and_count()
    return rule(spread / np.sqrt(n), n)


WRONG_ANSWERS = [
    (lesson_07.ex1, "nats_per_pixel", lambda: lambda nats: nats / 784),
    (lesson_07.ex1, "bits_per_digit", lambda: lambda nats: nats / np.log(2)),
    (lesson_07.ex1, "log10", lambda: lambda nats: nats / (784 * np.log(10))),
    (lesson_07.ex1, "ignores_input", lambda: lambda nats: np.array([165.0, 543.4, 80.0]) / (784 * np.log(2))),
    (lesson_07.ex1, "wrong_value", lambda: lambda nats: nats * np.log(2) / 784),
    (lesson_07.ex1, "not_a_function", lambda: 0.3),
    (lesson_07.ex2, "mean_of_logs", lambda: lambda w: w.mean(axis=0)),
    (lesson_07.ex2, "forgot_log_k", lambda: lambda w: np.logaddexp.reduce(w, axis=0)),
    (lesson_07.ex2, "forgot_to_add_back", lambda: lambda w: np.log(np.mean(np.exp(w - w.max(axis=0)), axis=0))),
    (lesson_07.ex2, "ignores_input", lambda: lambda w: np.full(3, -799.0)),
    (lesson_07.ex2, "not_finite", lambda: lambda w: np.log(np.mean(np.exp(w), axis=0))),
    (lesson_07.ex2, "wrong_shape", lambda: lambda w: np.logaddexp.reduce(w, axis=1) - np.log(w.shape[1])),
    (lesson_07.ex2, "wrong_value", lambda: lambda w: w.max(axis=0)),
    (lesson_07.ex2, "not_a_function", lambda: -800.0),
    (lesson_07.ex3, "standard_deviation", lambda: lambda v: float(np.std(v, ddof=1))),
    (lesson_07.ex3, "divided_by_n", lambda: lambda v: float(np.std(v, ddof=1) / len(v))),
    (lesson_07.ex3, "population_std", lambda: lambda v: float(np.std(v) / np.sqrt(len(v)))),
    (lesson_07.ex3, "ignores_input", lambda: lambda v: 4.0),
    (lesson_07.ex3, "wrong_value", lambda: lambda v: float(np.var(v))),
    (lesson_07.ex3, "not_a_function", lambda: 4.0),
    (lesson_07.ex4, "linear_in_n", lambda: _digits_needed(lambda se, n: n * se / 0.5)),
    (lesson_07.ex4, "square_root", lambda: _digits_needed(lambda se, n: n * np.sqrt(se / 0.5))),
    (lesson_07.ex4, "ratio_upside_down", lambda: _digits_needed(lambda se, n: n * (0.5 / se) ** 2)),
    (lesson_07.ex4, "standard_error_as_spread", lambda: _digits_needed(lambda se, n: (se / 0.5) ** 2)),
    (lesson_07.ex4, "rounded_standard_error", lambda: _digits_needed(lambda se, n: n * (round(se, 1) / 0.5) ** 2)),
    (lesson_07.ex4, "wrong_value", lambda: _digits_needed(lambda se, n: n * (se / 0.5) ** 2 - n)),  # the digits to add
    (lesson_07.ex4, "wrong_type", lambda: "about ten thousand"),
]
