"""Wrong answers to Lesson 04's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_04
from exercise_cases.common import _no_return


def _no_return_history(history):
    history["val_loss"]


WRONG_ANSWERS = [
    (lesson_04.ex1, "counted_from_zero", lambda: lambda h: int(np.argmin(h["val_loss"]))),
    (lesson_04.ex1, "training_loss", lambda: lambda h: int(np.argmin(h["loss"])) + 1),
    (lesson_04.ex1, "returned_the_loss", lambda: lambda h: min(h["val_loss"])),
    (lesson_04.ex1, "not_a_function", lambda: 7),
    (lesson_04.ex1, "returned_none", lambda: _no_return_history),
    (lesson_04.ex2, "reversed_sign", lambda: lambda h: h["loss"][-1] - h["val_loss"][-1]),
    (lesson_04.ex2, "best_values", lambda: lambda h: min(h["val_loss"]) - min(h["loss"])),
    (lesson_04.ex2, "first_epoch", lambda: lambda h: h["val_loss"][0] - h["loss"][0]),
    (lesson_04.ex2, "not_a_function", lambda: 10.1),
]
