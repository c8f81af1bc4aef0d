"""Lesson 10 exercises: the KL warm-up schedule, and binarizing digits at random.

Neither needs a trained model.
"""

from __future__ import annotations

import numpy as np

from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-9  # relative


@exercise(
    name="lesson_10.ex1",
    why="Warm-up lets the decoder learn to use z before the KL term pulls the codes "
    "to the prior; the schedule is one line, but an off-by-one changes every epoch.",
    hints=(
        (
            "Epoch 0 (the first) has weight 0; the weight grows linearly and reaches "
            "`target` at epoch `warmup_epochs`, then stays there."
        ),
        "target * epoch / warmup_epochs, capped at target: min(1, ...).",
        "return target * min(1.0, epoch / warmup_epochs)",
    ),
    solution="""
        def warmup_weight(epoch, warmup_epochs, target):
            # 0 at epoch 0, target from epoch warmup_epochs on
            return target * min(1.0, epoch / warmup_epochs)

        answer = warmup_weight
        # the package's: architectures.KLWarmUp(warmup_epochs, target).weight
    """,
    mistakes=("off_by_one", "no_cap", "not_a_function"),
)
def ex1(answer):
    """``warmup_weight(epoch, warmup_epochs, target) -> float``: the KL weight."""
    cases = [
        (epoch, 4, target) for target in (1.0, 0.5) for epoch in range(7)
    ]
    value = as_array(
        [call(answer, *case) for case in cases],
        (len(cases),),
        "the results",
    )

    def schedule(shift, cap):
        weights = []
        for epoch, warmup_epochs, target in cases:
            fraction = (epoch + shift) / warmup_epochs
            weights.append(
                target * (min(1.0, fraction) if cap else fraction)
            )
        return np.array(weights)

    if close(value, schedule(0, True), TOLERANCE):
        return
    if close(value, schedule(1, True), TOLERANCE):
        raise Mistake(
            "off_by_one",
            "Epochs count from 0 (Keras's on_epoch_begin): the first epoch "
            "should have weight 0, the reconstruction alone.",
        )
    if close(value, schedule(0, False), TOLERANCE):
        raise Mistake(
            "no_cap",
            "After warmup_epochs the weight must stay at target, not keep growing.",
        )
    raise Mistake(
        "wrong_value",
        "Not the linear warm-up. Check: with warmup_epochs=4 and target=1, "
        "epochs 0, 1, 2, 3, 4, 5 have weights 0, 0.25, 0.5, 0.75, 1, 1.",
    )


GREY_LEVELS = (0.0, 0.25, 0.5, 0.9, 1.0)  # one row of 784 pixels each
NUM_SEEDS = 50
FREQUENCY_TOLERANCE = (
    0.02  # 50 x 784 draws per level: a standard error below 0.003
)


@exercise(
    name="lesson_10.ex2",
    why="Each pixel becomes 1 with probability equal to its grey level, so the binary "
    "digits keep the grey ones on average; a fresh seed each epoch is dynamic "
    "binarization, one fixed seed the static test set.",
    hints=(
        (
            "Draw one uniform number in [0, 1) per pixel from np.random.default_rng(seed); "
            "a pixel is 1 when its number is below its grey level."
        ),
        (
            "rng.random(x.shape) < x is True with probability x; turn it into 0.0 and 1.0 "
            "with .astype('float32')."
        ),
        "return (np.random.default_rng(seed).random(x.shape) < x).astype('float32')",
    ),
    solution="""
        def binarize(x, seed):
            rng = np.random.default_rng(seed)
            # pixel i is 1 with probability x_i: (n, 784) -> (n, 784) of 0s and 1s
            return (rng.random(x.shape) < x).astype("float32")

        answer = binarize
        # the package's: architectures.binarize(x, seed)
    """,
    mistakes=(
        "not_binary",
        "not_reproducible",
        "threshold",
        "inverted",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex2(answer):
    """``binarize(x, seed) -> array``: pixel i is 1 with probability x_i, seeded."""
    x = np.repeat(
        np.array(GREY_LEVELS, dtype=np.float32)[:, None], 784, axis=1
    )  # (5, 784)
    draws = np.stack(
        [
            as_array(call(answer, x, seed), x.shape, "binarize(x, seed)")
            for seed in range(NUM_SEEDS)
        ]
    )  # (seeds, 5, 784)
    if not np.all((draws == 0) | (draws == 1)):
        raise Mistake(
            "not_binary",
            "Some pixels are neither 0 nor 1: a binarized digit is black or white. "
            "Compare a random number with each grey level.",
        )
    again = as_array(call(answer, x, 0), x.shape, "binarize(x, seed)")
    if not np.array_equal(again, draws[0]):
        raise Mistake(
            "not_reproducible",
            "The same seed gave two different results: draw from "
            "np.random.default_rng(seed), not from np.random's global state.",
        )
    frequency = draws.mean(
        axis=(0, 2)
    )  # (5,): how often each grey level became 1
    levels = np.array(GREY_LEVELS)
    if close(frequency, levels, 0, FREQUENCY_TOLERANCE):
        return
    if close(
        frequency, (levels > 0.5).astype(float), 0, FREQUENCY_TOLERANCE
    ):
        raise Mistake(
            "threshold",
            "Every seed gives the same digit: that is a threshold, not a random draw. "
            "A pixel of grey level 0.25 should be 1 in a quarter of the draws.",
        )
    if close(frequency, 1 - levels, 0, FREQUENCY_TOLERANCE):
        raise Mistake(
            "inverted",
            "Grey level 0.25 comes out 1 three times in four: the comparison is the "
            "wrong way round (a pixel is 1 when the random number is below x).",
        )
    raise Mistake(
        "wrong_value",
        "A pixel of grey level x should be 1 with probability x (0 always 0, 1 always "
        "1, 0.25 in a quarter of the draws). Print your result's mean for a constant x.",
    )
