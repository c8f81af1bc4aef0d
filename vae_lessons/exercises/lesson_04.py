"""Lesson 4 exercises: reading the training history.

Both checks call the student's function on made-up histories (a dict like Keras's
``history.history``), so they run in microseconds and never train.
"""

from __future__ import annotations

import numpy as np

from vae_lessons.exercises.checking import (
    Mistake,
    StudentCodeError,
    as_array,
    exercise,
)

GAP_TOLERANCE = 1e-6  # nats


def _history():
    """A made-up 10-epoch history: validation loss lowest at epoch 7, training loss still falling."""
    return {
        "loss": (
            200.0,
            180.0,
            172.0,
            168.0,
            165.0,
            163.0,
            161.5,
            160.0,
            158.9,
            158.0,
        ),
        "val_loss": (
            205.0,
            185.0,
            176.0,
            171.0,
            169.0,
            167.5,
            166.8,
            167.0,
            167.4,
            168.1,
        ),
    }


def _call(function, history):
    """Call the student's function on a fresh copy of ``history`` (tuples: nothing to mutate)."""
    if not callable(function):
        raise Mistake(
            "not_a_function",
            "This exercise wants a function: define it with `def`, then `answer = its_name`.",
        )
    try:
        result = function(dict(history))
    except Mistake:
        raise
    except (
        Exception
    ) as error:  # any error of the student's code is a verdict
        raise StudentCodeError(error) from error
    if result is None:
        raise Mistake(
            "returned_none",
            "Your function returned None: did you forget the `return` line?",
        )
    return result


@exercise(
    name="lesson_04.ex1",
    why="The epoch of lowest validation loss is where more training stopped helping on new "
    "digits; it is how early stopping picks its model.",
    hints=(
        "Look at history['val_loss'], not history['loss']: the question is about new digits.",
        "np.argmin gives the index of the smallest value; epochs are counted from 1.",
        "return int(np.argmin(history['val_loss'])) + 1",
    ),
    solution="""
        def best_epoch(history):
            # epochs count from 1, indices from 0
            return int(np.argmin(history["val_loss"])) + 1


        answer = best_epoch
        # then: best_epoch(history) for the model you trained above
    """,
    mistakes=(
        "counted_from_zero",
        "training_loss",
        "returned_the_loss",
        "not_a_function",
        "returned_none",
    ),
)
def ex1(answer):
    """A function ``best_epoch(history) -> int``: the epoch (from 1) of lowest validation loss."""
    history = _history()
    value = float(as_array(_call(answer, history), (), "the epoch"))
    expected = int(np.argmin(history["val_loss"])) + 1
    if value == expected:
        return
    if value == expected - 1:
        raise Mistake(
            "counted_from_zero",
            "One too low: that is the index. Epochs are counted from 1: add 1.",
        )
    if value in (len(history["loss"]), len(history["loss"]) - 1):
        raise Mistake(
            "training_loss",
            "That is where the TRAINING loss is lowest (it keeps falling). Use history['val_loss'].",
        )
    if value == min(history["val_loss"]):
        raise Mistake(
            "returned_the_loss",
            "That is the lowest loss itself; return its epoch (np.argmin, plus 1).",
        )
    raise Mistake(
        "wrong_value",
        f"Epoch {value:g} is not it. Print history['val_loss'] and find its smallest value by eye first.",
    )


@exercise(
    name="lesson_04.ex2",
    why="The final gap mixes two things: the model fitting its own digits better than new "
    "ones (overfitting), and Keras averaging the training loss over an epoch whose "
    "weights kept improving. To see overfitting alone, score both sets with the final "
    "weights, as Lesson 7 does.",
    hints=(
        "Take the LAST value of each curve: history['val_loss'][-1] and history['loss'][-1].",
        "Validation minus training: positive when the model does better on digits it trained on.",
        "return history['val_loss'][-1] - history['loss'][-1]",
    ),
    solution="""
        def generalization_gap(history):
            # nats per digit, at the final epoch
            return history["val_loss"][-1] - history["loss"][-1]


        answer = generalization_gap
    """,
    mistakes=(
        "reversed_sign",
        "best_values",
        "first_epoch",
        "not_a_function",
    ),
)
def ex2(answer):
    """A function ``generalization_gap(history) -> float``: final validation minus final training loss."""
    history = _history()
    value = float(as_array(_call(answer, history), (), "the gap"))
    expected = history["val_loss"][-1] - history["loss"][-1]
    if abs(value - expected) <= GAP_TOLERANCE:
        return
    if abs(value + expected) <= GAP_TOLERANCE:
        raise Mistake(
            "reversed_sign",
            "Right size, wrong sign: subtract the training loss FROM the validation loss.",
        )
    if (
        abs(value - (min(history["val_loss"]) - min(history["loss"])))
        <= GAP_TOLERANCE
    ):
        raise Mistake(
            "best_values",
            "You compared the lowest values; compare the final epoch's values ([-1]).",
        )
    if (
        abs(value - (history["val_loss"][0] - history["loss"][0]))
        <= GAP_TOLERANCE
    ):
        raise Mistake(
            "first_epoch",
            "That is the first epoch ([0]); use the last ([-1]).",
        )
    raise Mistake(
        "wrong_value",
        f"{value:g} is not val_loss[-1] - loss[-1] (tolerance {GAP_TOLERANCE}).",
    )
