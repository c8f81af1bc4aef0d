"""Wrong answers to Lesson 07's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_07


WRONG_ANSWERS = [
    (lesson_07.ex3, "wrong_value", lambda: lambda v: float(np.var(v))),
    (lesson_07.ex1, "nats_per_pixel", lambda: lambda nats: nats / 784),
    (lesson_07.ex1, "bits_per_digit", lambda: lambda nats: nats / np.log(2)),
    (lesson_07.ex1, "log10", lambda: lambda nats: nats / (784 * np.log(10))),
    (lesson_07.ex1, "not_a_function", lambda: 0.3),
    (lesson_07.ex2, "mean_of_logs", lambda: lambda w: w.mean(axis=0)),
    (lesson_07.ex2, "forgot_log_k", lambda: lambda w: np.logaddexp.reduce(w, axis=0)),
    (lesson_07.ex2, "not_finite", lambda: lambda w: np.log(np.mean(np.exp(w), axis=0))),
    (lesson_07.ex2, "wrong_shape", lambda: lambda w: np.logaddexp.reduce(w, axis=1) - np.log(w.shape[1])),
    (lesson_07.ex2, "not_a_function", lambda: -800.0),
    (lesson_07.ex3, "standard_deviation", lambda: lambda v: float(np.std(v, ddof=1))),
    (lesson_07.ex3, "divided_by_n", lambda: lambda v: float(np.std(v, ddof=1) / len(v))),
    (lesson_07.ex3, "population_std", lambda: lambda v: float(np.std(v) / np.sqrt(len(v)))),
    (lesson_07.ex3, "not_a_function", lambda: 4.0),
]
