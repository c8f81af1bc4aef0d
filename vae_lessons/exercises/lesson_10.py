"""Lesson 10 exercises: the KL warm-up schedule, binarizing digits at random, and the
warm-up callback that assigns the weight.

None needs a trained model; exercise 3's check builds a small untrained VAE.
"""

from __future__ import annotations

import keras
import numpy as np

from vae_lessons import models
from vae_lessons.exercises.checking import (
    IGNORES_INPUT,
    Mistake,
    StudentCodeError,
    a_kind,
    answers_follow_inputs,
    as_array,
    call,
    close,
    exercise,
)

TOLERANCE = 1e-9  # relative


def _schedule_cases():
    """(epoch, warmup_epochs, target): two fixed schedules over their epochs, and six
    drawn with seed 10 (so that a fixed number or a formula fitted to one case fails)."""
    cases = [
        (epoch, warmup_epochs, target)
        for warmup_epochs, target in ((4, 1.0), (10, 0.5))
        for epoch in range(warmup_epochs + 3)
    ]
    rng = np.random.default_rng(10)
    for _ in range(6):
        warmup_epochs = int(rng.integers(2, 20))
        cases.append(
            (
                int(rng.integers(0, 25)),
                warmup_epochs,
                float(np.round(rng.uniform(0.1, 2.0), 2)),
            )
        )
    return cases


def _schedule(cases, shift=0, cap=True, floor=False, use_target=True):
    """The warm-up weights of ``cases``, right or with a classic mistake."""
    weights = []
    for epoch, warmup_epochs, target in cases:
        fraction = (
            (epoch + shift) // warmup_epochs
            if floor
            else (epoch + shift) / warmup_epochs
        )
        fraction = min(1.0, fraction) if cap else fraction
        weights.append((target if use_target else 1.0) * fraction)
    return np.array(weights)


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
    mistakes=(
        "off_by_one",
        "no_cap",
        "integer_division",
        "ignores_target",
        IGNORES_INPUT,
        "not_a_function",
    ),
    kind="one-liner",
)
def ex1(answer):
    """``warmup_weight(epoch, warmup_epochs, target) -> float``: the KL weight."""
    cases = _schedule_cases()
    value = as_array(
        [call(answer, *case) for case in cases],
        (len(cases),),
        "the results",
    )
    expected = _schedule(cases)
    if close(value, expected, TOLERANCE):
        return
    mistakes = {
        "off_by_one": (
            _schedule(cases, shift=1),
            (
                "Epochs count from 0 (Keras's on_epoch_begin): the first epoch should have "
                "weight 0, the reconstruction alone."
            ),
        ),
        "no_cap": (
            _schedule(cases, cap=False),
            "After warmup_epochs the weight must stay at target, not keep growing.",
        ),
        "integer_division": (
            _schedule(cases, floor=True),
            (
                "The weight jumps from 0 to target at once: `//` rounds down to a whole "
                "number. Use `/`."
            ),
        ),
        "ignores_target": (
            _schedule(cases, use_target=False),
            "The ramp ends at 1 whatever the target: multiply by `target`.",
        ),
    }
    for name, (wrong, message) in mistakes.items():
        if close(value, wrong, TOLERANCE):
            raise Mistake(name, message)
    # after the named mistakes: those give one weight to several of these epochs too
    answers_follow_inputs(value, expected)
    raise Mistake(
        "wrong_value",
        "Not the linear warm-up: 0 at epoch 0, the same step each epoch, `target` at epoch "
        "`warmup_epochs`, and `target` after. Print your function's values for epochs 0 "
        "to 6 with warmup_epochs=4 and target=1, and check each by hand.",
    )


GREY_LEVELS = (0.0, 0.25, 0.5, 0.9, 1.0)  # one row of 784 pixels each
OTHER_LEVELS = (
    0.1,
    0.75,
    0.4,
    0.6,
    0.3,
)  # the second input: other levels, none at 0.5
NUM_SEEDS = 50
FREQUENCY_TOLERANCE = (
    0.02  # 20 x 784 draws per level or more: a standard error below 0.004
)


def _rows(levels):
    """(5, 784): one row per grey level."""
    return np.repeat(
        np.array(levels, dtype=np.float32)[:, None], 784, axis=1
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
        IGNORES_INPUT,
        "ignores_seed",
        "wrong_shape",
        "not_a_function",
    ),
)
def ex2(answer):
    """``binarize(x, seed) -> array``: pixel i is 1 with probability x_i, seeded."""
    inputs = [(_rows(GREY_LEVELS), NUM_SEEDS), (_rows(OTHER_LEVELS), 20)]
    draws = [
        np.stack(
            [
                as_array(
                    call(answer, x, seed), x.shape, "binarize(x, seed)"
                )
                for seed in range(num_seeds)
            ]
        )  # (seeds, 5, 784)
        for x, num_seeds in inputs
    ]
    if not all(np.all((d == 0) | (d == 1)) for d in draws):
        raise Mistake(
            "not_binary",
            "Some pixels are neither 0 nor 1: a binarized digit is black or white. "
            "Compare a random number with each grey level.",
        )
    # the same seed, different grey levels: the answers must differ
    answers_follow_inputs(
        [draws[0][0], draws[1][0]], [inputs[0][0], inputs[1][0]]
    )
    again = as_array(
        call(answer, inputs[0][0], 0),
        inputs[0][0].shape,
        "binarize(x, seed)",
    )
    if not np.array_equal(again, draws[0][0]):
        raise Mistake(
            "not_reproducible",
            "The same seed gave two different results: draw from "
            "np.random.default_rng(seed), not from np.random's global state.",
        )
    frequencies = [
        d.mean(axis=(0, 2)) for d in draws
    ]  # (5,) each: how often each grey level became 1
    levels = [np.array(GREY_LEVELS), np.array(OTHER_LEVELS)]

    def matches(targets):
        return all(
            close(f, t, 0, FREQUENCY_TOLERANCE)
            for f, t in zip(frequencies, targets)
        )

    if matches([(level > 0.5).astype(float) for level in levels]):
        raise Mistake(
            "threshold",
            "Every seed gives the same digit: that is a threshold, not a random draw. "
            "A pixel of grey level 0.25 should be 1 in a quarter of the draws.",
        )
    if matches([1 - level for level in levels]):
        raise Mistake(
            "inverted",
            "Grey level 0.25 comes out 1 three times in four: the comparison is the "
            "wrong way round (a pixel is 1 when the random number is below x).",
        )
    if all(np.array_equal(d, draws[0][0]) for d in draws[0]):
        raise Mistake(
            "ignores_seed",
            "Every seed gave the same digits: draw from np.random.default_rng(seed), "
            "using the `seed` argument, so that each epoch can get fresh digits.",
        )
    if matches(levels):
        return
    raise Mistake(
        "wrong_value",
        "A pixel of grey level x should be 1 with probability x (0 always 0, 1 always "
        "1, 0.25 in a quarter of the draws). Print your result's mean for a constant x.",
    )


WARMUP_EPOCHS = (
    3,
    5,
)  # the callback is built for each: a fixed one cannot pass
NUM_EPOCHS = 8


def _run_callback(answer, warmup_epochs):
    """The KL weights a fresh small VAE trains with at epochs 0..7 under the student's callback."""
    callback = call(answer, warmup_epochs)
    if not isinstance(callback, keras.callbacks.Callback):
        raise Mistake(
            "not_a_callback",
            f"WarmUp({warmup_epochs}) built {a_kind(callback)}, not a Keras "
            "callback: write `class WarmUp(keras.callbacks.Callback):` and call "
            "`super().__init__()` in __init__.",
        )
    vae = models.build_vae(latent_dim=2, hidden_units=4, seed=0)
    layer = vae.encoder.get_layer("z")
    variable = (
        layer.kl_weight
    )  # the variable a compiled training step reads
    weights = []
    try:
        callback.set_model(vae)
        callback.on_train_begin()
        for epoch in range(NUM_EPOCHS):
            callback.on_epoch_begin(epoch)
            if layer.kl_weight is not variable:
                raise Mistake(
                    "replaced_variable",
                    "Your callback put a new value in place of the layer's kl_weight "
                    "variable. A compiled training step keeps reading the old variable, "
                    "so training would never see it: use kl_weight.assign(weight).",
                )
            weights.append(float(keras.ops.convert_to_numpy(variable)))
    except (Mistake, StudentCodeError):
        raise
    except Exception as error:
        raise StudentCodeError(error) from error
    return np.array(weights)


@exercise(
    name="lesson_10.ex3",
    why="A callback changes training from outside the compiled step. It works because "
    "kl_weight is a variable, which the compiled step reads at every step; a Python "
    "number put in its place would never reach it.",
    hints=(
        (
            "Subclass keras.callbacks.Callback; keep warmup_epochs in __init__ (after "
            "super().__init__()), and set the weight in on_epoch_begin(self, epoch, logs=None)."
        ),
        (
            "self.model is the VAE; its sampling layer is self.model.encoder.get_layer('z'), "
            "and that layer's kl_weight is a Keras variable: change it with .assign(...)."
        ),
        (
            "In on_epoch_begin: self.model.encoder.get_layer('z').kl_weight.assign("
            "min(1.0, epoch / self.warmup_epochs))"
        ),
    ),
    solution="""
        class WarmUp(keras.callbacks.Callback):
            def __init__(self, warmup_epochs):
                super().__init__()
                self.warmup_epochs = warmup_epochs

            def on_epoch_begin(self, epoch, logs=None):
                # 0 at epoch 0, then up to 1
                weight = min(1.0, epoch / self.warmup_epochs)
                self.model.encoder.get_layer("z").kl_weight.assign(weight)

        answer = WarmUp
        # the package's: architectures.KLWarmUp(warmup_epochs)
    """,
    mistakes=(
        "not_a_callback",
        "replaced_variable",
        "not_assigned",
        "off_by_one",
        "no_cap",
        IGNORES_INPUT,
        "not_a_function",
    ),
)
def ex3(answer):
    """A Keras callback class ``WarmUp(warmup_epochs)`` that assigns each epoch's KL weight."""
    runs = [
        _run_callback(answer, warmup_epochs)
        for warmup_epochs in WARMUP_EPOCHS
    ]
    cases = [
        [(epoch, warmup_epochs, 1.0) for epoch in range(NUM_EPOCHS)]
        for warmup_epochs in WARMUP_EPOCHS
    ]
    expected = [_schedule(case) for case in cases]
    if all(close(run, right, 1e-6) for run, right in zip(runs, expected)):
        return
    if all(np.all(run == 1.0) for run in runs):
        raise Mistake(
            "not_assigned",
            "The KL weight stayed at 1 in every epoch: your callback did not change the "
            "layer's variable. Assign it: self.model.encoder.get_layer('z')"
            ".kl_weight.assign(weight).",
        )
    named = {
        "off_by_one": (
            {"shift": 1},
            "Epochs count from 0: the first epoch (epoch 0) should have weight 0.",
        ),
        "no_cap": (
            {"cap": False},
            "After warmup_epochs the weight must stay at 1, not keep growing.",
        ),
    }
    for name, (options, message) in named.items():
        if all(
            close(run, _schedule(case, **options), 1e-6)
            for run, case in zip(runs, cases)
        ):
            raise Mistake(name, message)
    answers_follow_inputs(runs, expected)
    raise Mistake(
        "wrong_value",
        "Not the linear warm-up to 1 (0 at epoch 0, the same step each epoch, 1 from "
        "epoch warmup_epochs on). Print the weight your callback assigns at each epoch "
        "and check each by hand.",
    )
