"""Wrong answers to Lesson 10's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_10


WRONG_ANSWERS = [
    (lesson_10.ex1, "off_by_one", lambda: lambda e, w, t: t * min(1.0, (e + 1) / w)),
    (lesson_10.ex1, "no_cap", lambda: lambda e, w, t: t * e / w),
    (lesson_10.ex1, "wrong_value", lambda: lambda e, w, t: t),
    (lesson_10.ex1, "not_a_function", lambda: 0.5),
    (lesson_10.ex2, "not_binary", lambda: lambda x, seed: x),
    (lesson_10.ex2, "not_reproducible", lambda: lambda x, seed: (np.random.random(x.shape) < x).astype(float)),
    (lesson_10.ex2, "threshold", lambda: lambda x, seed: (x > 0.5).astype(float)),
    (lesson_10.ex2, "inverted", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < 1 - x) * 1.0),
    (lesson_10.ex2, "wrong_shape", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < x)[0] * 1.0),
    (lesson_10.ex2, "wrong_value", lambda: lambda x, seed: np.ones_like(x)),
    (lesson_10.ex2, "not_a_function", lambda: np.zeros((5, 784))),
]
