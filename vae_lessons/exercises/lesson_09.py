"""Lesson 9 exercises: what a convolution costs, and the KL warm-up schedule.

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


def _conv_cases():
    """(kernel_size, in_channels, filters) of the encoder's convolutions and a few more."""
    return np.array([[3, 1, 16], [3, 16, 32], [5, 3, 8], [1, 7, 2]])


@exercise(
    name="lesson_09.ex1",
    why="A convolution shares one small kernel over the whole image, so its size does "
    "not grow with the image: that is why the conv VAE has far fewer parameters than the MLP.",
    hints=(
        (
            "Each of the `filters` output channels has one kernel_size x kernel_size "
            "kernel per input channel, and one bias."
        ),
        "kernel_size**2 * in_channels weights per filter, plus 1 bias per filter.",
        "return (kernel_size**2 * in_channels + 1) * filters",
    ),
    solution="""
        def conv2d_parameters(kernel_size, in_channels, filters):
            weights = kernel_size**2 * in_channels * filters  # the kernels
            return weights + filters  # plus one bias per filter

        answer = conv2d_parameters
        # the encoder's first layer: conv2d_parameters(3, 1, 16) = 160
    """,
    mistakes=("no_bias", "per_pixel", "not_a_function"),
)
def ex1(answer):
    """``conv2d_parameters(kernel_size, in_channels, filters) -> int``: a Conv2D's size."""
    cases = _conv_cases()
    kernel_size, in_channels, filters = cases.T
    value = as_array(
        [call(answer, *(int(v) for v in case)) for case in cases],
        (len(cases),),
        "the results",
    )
    expected = (kernel_size**2 * in_channels + 1) * filters
    if close(value, expected, TOLERANCE):
        return
    if close(value, kernel_size**2 * in_channels * filters, TOLERANCE):
        raise Mistake("no_bias", "Close: each filter also has one bias.")
    if close(value, (28 * 28 * in_channels + 1) * filters, TOLERANCE):
        raise Mistake(
            "per_pixel",
            "That is a dense layer from every pixel: a convolution's kernel is "
            "only kernel_size x kernel_size, shared over the image.",
        )
    raise Mistake(
        "wrong_value",
        "Not the Conv2D parameter count. Check: a 3 x 3 convolution from 1 "
        "channel to 16 filters has 160 parameters.",
    )


@exercise(
    name="lesson_09.ex2",
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
def ex2(answer):
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
