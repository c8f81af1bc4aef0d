"""Lesson 4 exercises: reading the training history, the KL term's job, and the VAE itself.

* ``ex1`` (best epoch) calls the student's function on several made-up histories (dicts
  like Keras's ``history.history``): microseconds, no training.
* ``ex2`` (what the curves say about over-fitting) is a choice.
* ``ex3`` (``kl_weight=0``) compares the student's measurements with the same
  measurements of the two cached models (``training.trained_vae``): it trains the
  ``kl_weight=0`` model once if the student has not.
* ``ex4`` (write the VAE) builds the student's ``MyVAE`` class, probes its encoder,
  decoder, ``sample`` and ``loss_per_digit`` on fixed and seeded inputs (each classic
  mistake has its own message), then trains it briefly: 2 epochs on 500 digits,
  seconds. Its held-out negative ELBO, computed by the package's own formula
  (:func:`vae_lessons.evaluation.held_out_score`) on the student's encoder and decoder,
  must be within :data:`ELBO_TOLERANCE` of the package's model
  (:func:`vae_lessons.models.build_vae`) trained the same way, so a wrong loss cannot
  grade itself. The package's score is computed once per backend, latent_dim and seed
  in a process.

How :data:`ELBO_TOLERANCE` was chosen: the reference solution, trained with six
initial-weight seeds on the same 500 digits, and the package's model with four, were
scored on JAX, TensorFlow and PyTorch (the solution creates its layers in another order,
so its initial weights differ as another seed's would). On each backend the worst
solution stayed within about 7 nats of the best package model; the tolerance is about
twice that. A model with 4 hidden units instead of 512, trained the same way, lands
hundreds of nats beyond it. Some classic mistakes train almost as well as the right
model (a shared epsilon, no noise, a KL averaged over dimensions), so every classic
mistake is named by the probes, before any training.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from vae_lessons import data, evaluation, losses, models, training
from vae_lessons.exercises import checking
from vae_lessons.exercises.checking import (
    IGNORES_INPUT,
    Mistake,
    a_kind,
    answers_follow_inputs,
    as_array,
    call,
    choose,
    exercise,
)

# --- Exercise 1: the best epoch --------------------------------------------------------


def _histories():
    """Made-up histories: one fixed (10 epochs, lowest validation loss at epoch 7) and two
    seeded-random ones of other lengths and best epochs. In each, the training loss keeps
    falling, so its lowest epoch is the last one, never the best validation epoch.
    """
    fixed = {
        "loss": (200.0, 180.0, 172.0, 168.0, 165.0, 163.0, 161.5, 160.0)
        + (158.9, 158.0),
        "val_loss": (205.0, 185.0, 176.0, 171.0, 169.0, 167.5, 166.8, 167.0)
        + (167.4, 168.1),
    }
    histories = [fixed]
    rng = np.random.default_rng(4)
    for epochs, best in ((14, 4), (20, 12)):
        steps = np.sort(rng.uniform(0.5, 8.0, epochs))[
            ::-1
        ]  # falling steps
        loss = 230.0 - np.cumsum(steps)  # (epochs,)
        distance = np.arange(1, epochs + 1) - best
        val_loss = loss.min() + 6.0 + 0.15 * distance**2  # lowest at `best`
        val_loss = val_loss + rng.uniform(0.0, 0.05, epochs)
        histories.append(
            {
                "loss": tuple(float(v) for v in loss),
                "val_loss": tuple(float(v) for v in val_loss),
            }
        )
    return histories


def _best_epoch(history):
    return int(np.argmin(history["val_loss"])) + 1


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
    kind="one-liner",
)
def ex1(answer):
    """A function ``best_epoch(history) -> int``: the epoch (from 1) of lowest validation loss."""
    histories = _histories()
    values = [
        float(as_array(call(answer, dict(history)), (), "The epoch"))
        for history in histories
    ]
    expected = [_best_epoch(history) for history in histories]
    answers_follow_inputs(values, expected)
    if values == expected:
        return

    def all_match(wrong):
        return all(
            value == wrong(history)
            for value, history in zip(values, histories)
        )

    if all_match(lambda history: _best_epoch(history) - 1):
        raise Mistake(
            "counted_from_zero",
            "One too low each time: that is the index. Epochs are counted from 1.",
        )
    if all_match(lambda history: int(np.argmin(history["loss"])) + 1) or (
        all_match(lambda history: int(np.argmin(history["loss"])))
    ):
        raise Mistake(
            "training_loss",
            "That is where the TRAINING loss is lowest (it keeps falling). Use "
            "history['val_loss'].",
        )
    if all_match(lambda history: min(history["val_loss"])):
        raise Mistake(
            "returned_the_loss",
            "That is the lowest loss itself; return its epoch (np.argmin, plus 1).",
        )
    raise Mistake(
        "wrong_value",
        "Your function missed the best epoch of some of the test histories. Print "
        "history['val_loss'] of the lesson and find its smallest value by eye first.",
    )


# --- Exercise 2: what the curves say about over-fitting ---------------------------------

OVERFITTING_OPTIONS = {
    "a": "Over-fitting shows as a validation loss ABOVE the training loss. In epoch 1 "
    "the training loss is an average over weights that were still improving from "
    "random ones; the validation loss is scored once, with the epoch's final "
    "weights. That gap says how fast the model learned, not that it over-fits.",
    "b": "The final gap is small but it is there, and it grew: validation started "
    "below training and ended above it, and over the last ten epochs the training "
    "loss fell more than the validation loss. That is the model "
    "beginning to fit its own 3,600 digits better than new ones.",
    "c": "Right.",
    "d": "The validation curve is flat at the end, not rising steeply: its lowest "
    "epoch is left to chance (another computer's rounding moves it by several "
    "epochs), and stopping there would change the loss by a fraction of a nat.",
}


@exercise(
    name="lesson_04.ex2",
    why="A validation loss that ends above the training loss and has nearly stopped falling "
    "is mild over-fitting: more epochs on the same 3,600 digits would buy little. More "
    "data (the full 60,000) is what would help.",
    hints=(
        (
            "Over-fitting means doing better on the digits you trained on than on new ones: "
            "which curve is above which, at the start and at the end?"
        ),
        "Compare how much each curve fell from epoch 20 to 30 (printed under the plot).",
        (
            "Epoch 1's gap is about how training losses are averaged, not about over-fitting; "
            "and the end of the validation curve is flat, not steep."
        ),
    ),
    solution="""
        answer = "c"
        # validation ends above training and barely moves while training still
        # falls: mild over-fitting, more epochs would help little
    """,
    mistakes=("option_a", "option_b", "option_d", "wrong_type"),
    kind="judgement",
)
def ex2(answer):
    """One of "a", "b", "c" or "d": what the lesson's loss curves say about over-fitting."""
    choose(answer, OVERFITTING_OPTIONS, correct="c")


# --- Exercise 3: training without the KL term --------------------------------------------

NO_KL = training.TrainingConfig(kl_weight=0.0)
"""The lesson's configuration without the KL term (30 epochs, 3,600 digits)."""
SPREAD_TOLERANCE = (
    0.01  # relative: np.std's ddof and float32 rounding stay far below
)


def _codes(config):
    """``z_mean`` and ``z_log_var`` of the cached model of ``config`` on its validation digits."""
    vae, _ = training.trained_vae(config)
    _, x_validation = training.training_data(config)
    return vae.encode(x_validation)


def _spreads(config):
    """The candidate answers for one model: the right one and the usual slips."""
    z_mean, z_log_var = _codes(config)
    return {
        "right": z_mean.std(axis=0),
        "z_log_var": z_log_var.std(axis=0),
        "sigma": np.exp(z_log_var / 2).mean(axis=0),
    }


@exercise(
    name="lesson_04.ex3",
    why="Without the KL term nothing keeps q(z|x) near the prior: the encoder spreads the codes "
    "far from the origin. Codes drawn from N(0, I) then land where no training digit was "
    "encoded, and the decoder was never taught what to draw there: smudges. The KL term is "
    "what makes the prior a map of the space the decoder knows.",
    hints=(
        (
            "vae_no_kl, _ = training.trained_vae(training.TrainingConfig(kl_weight=0.0)); "
            "then encode x_validation with each model: z_mean, z_log_var = model.encode(x_validation)."
        ),
        (
            "The spread of the codes is z_mean.std(axis=0): one number per latent dimension, "
            "across the 400 digits."
        ),
        (
            "answer = (vae.encode(x_validation)[0].std(axis=0), "
            "vae_no_kl.encode(x_validation)[0].std(axis=0))"
        ),
    ),
    solution="""
        config = training.TrainingConfig()  # the lesson's VAE
        vae, _ = training.trained_vae(config)  # cached: loads in a second
        no_kl = training.TrainingConfig(kl_weight=0.0)
        vae_no_kl, _ = training.trained_vae(no_kl)  # seconds once, then cached
        x_validation = training.training_data(config)[1]  # (400, 784)
        spread = vae.encode(x_validation)[0].std(axis=0)  # (2,)
        spread_no_kl = vae_no_kl.encode(x_validation)[0].std(axis=0)  # (2,)
        answer = (spread, spread_no_kl)
    """,
    mistakes=("swapped_models", "used_z_log_var", "posterior_width"),
    kind="experiment",
)
def ex3(answer):
    """A pair ``(spread, spread_no_kl)``: ``z_mean.std(axis=0)`` of the VAE and of the ``kl_weight=0`` model.

    Trains the ``kl_weight=0`` model (seconds) if the model cache does not hold it yet.
    """
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Mistake(
            "wrong_type",
            "Answer with a pair: (spread of the VAE, spread without KL), each "
            "z_mean.std(axis=0) of one model.",
        )
    pair = [
        as_array(value, (2,), f"The {which} spread")
        for value, which in zip(answer, ("first", "second"))
    ]
    vae, no_kl = _spreads(training.TrainingConfig()), _spreads(NO_KL)

    def matches(first, second):
        return checking.close(
            pair[0], first, SPREAD_TOLERANCE
        ) and checking.close(pair[1], second, SPREAD_TOLERANCE)

    if matches(vae["right"], no_kl["right"]):
        return
    if matches(no_kl["right"], vae["right"]):
        raise Mistake(
            "swapped_models",
            "Both numbers are measured right, in the wrong order: the VAE first, "
            "then the kl_weight=0 model.",
        )
    if matches(vae["z_log_var"], no_kl["z_log_var"]):
        raise Mistake(
            "used_z_log_var",
            "That is the spread of z_log_var; measure the codes' centres, z_mean "
            "(model.encode returns z_mean first).",
        )
    if matches(vae["sigma"], no_kl["sigma"]):
        raise Mistake(
            "posterior_width",
            "That is the width of each digit's q(z|x), exp(z_log_var / 2). The "
            "question is how far the codes of different digits spread: the std of "
            "z_mean across the digits.",
        )
    raise Mistake(
        "wrong_value",
        "The spreads do not match the two models' codes. Encode the lesson's 400 "
        "x_validation digits with `vae` and with the kl_weight=0 model, and take "
        "z_mean.std(axis=0) of each.",
    )


# --- Exercise 4: write the VAE -----------------------------------------------------------

MODEL_TRAINING = training.TrainingConfig(epochs=2, train_size=500, seed=0)
"""The brief training of ``ex4``: the lesson's short run (500 digits, 2 epochs)."""
PROBE_LATENT_DIMS = (2, 3)
ELBO_TOLERANCE = 14.0
"""Nats per digit by which the student's held-out negative ELBO may exceed the
package's model's after the same brief training (see the module docstring)."""
SCORE_NOISE_SEED = 0  # the held-out ELBO's fixed noise (evaluation.noise)
NUM_SAMPLES = (
    4000  # rows of the sampling probe: the std is measured to about 1%
)
SAMPLE_MEAN = (3.0, -1.0, 0.5)  # per latent dimension of the probe
SAMPLE_LOG_VAR = (math.log(4.0), math.log(0.25), 0.0)  # sigma 2, 0.5, 1
SPREAD_RELATIVE = 0.06  # 5 standard errors of a std measured on 4000 draws

_PACKAGE_SCORES = {}  # (backend, latent_dim, seed) -> held-out negative ELBO


def _student(what, function, *arguments, **keywords):
    """Run a piece of the student's code; an error is the student's, named with ``what``."""
    try:
        return function(*arguments, **keywords)
    except Mistake:
        raise
    except (
        Exception
    ) as error:  # any error of the student's code is a verdict
        raise Mistake(
            "raised",
            f"{what} raised {type(error).__name__}: {error}. Run that part on a small "
            "example to find the line; lesson_04.ex4.hint() may help.",
        ) from error


def _build(answer, latent_dim, seed):
    """``answer(latent_dim=..., seed=...)``, checked to be a keras.Model with the parts."""
    if isinstance(answer, keras.Model):
        raise Mistake(
            "not_a_model",
            "You gave a model (`MyVAE()`), not the class: the check builds its own. "
            "Write `answer = MyVAE` (no parentheses).",
        )
    if not callable(answer):
        raise Mistake(
            "not_a_model",
            f"This exercise wants your class, got {a_kind(answer)}. Write "
            "`class MyVAE(keras.Model): ...`, then `answer = MyVAE` (no parentheses).",
        )
    model = _student(
        f"Building your model, MyVAE(latent_dim={latent_dim}, seed={seed}),",
        answer,
        latent_dim=latent_dim,
        seed=seed,
    )
    if not isinstance(model, keras.Model):
        raise Mistake(
            "not_a_model",
            f"MyVAE(latent_dim={latent_dim}, seed={seed}) should give a keras.Model; "
            f"got {a_kind(model)}. Write `class MyVAE(keras.Model):` and "
            "`answer = MyVAE`.",
        )
    for part in ("encoder", "decoder"):
        if not isinstance(getattr(model, part, None), keras.Model):
            raise Mistake(
                "not_a_model",
                f"Your model's `self.{part}` should be a keras.Model; got a "
                f"{type(getattr(model, part, None)).__name__}. Build it as "
                "keras.Model(inputs, outputs), as models.build_vae does.",
            )
    return model


def _probe_digits():
    """Six fixed validation digits, (6, 784), pixels in [0, 1]."""
    _, x_validation = training.training_data(MODEL_TRAINING)
    return x_validation[:6]


def _encode(model, latent_dim, x):
    """The student's encoder on ``x``: ``z_mean, z_log_var`` as NumPy, each (n, latent_dim)."""
    outputs = _student(
        "Your encoder", model.encoder, keras.ops.convert_to_tensor(x)
    )
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
        count = len(outputs) if isinstance(outputs, (list, tuple)) else 1
        raise Mistake(
            "encoder_outputs",
            f"Your encoder returns {count} output(s); it should return two, "
            "[z_mean, z_log_var] (the sample z is made by `sample`, not by the encoder).",
        )
    arrays = []
    for output, name in zip(outputs, ("z_mean", "z_log_var")):
        try:
            arrays.append(
                as_array(
                    output,
                    (len(x), latent_dim),
                    f"The encoder's {name}",
                )
            )
        except Mistake as mistake:
            raise Mistake("encoder_outputs", mistake.message) from None
    return arrays


def _check_latent_dims(built):
    """Each built model's encoder gives codes of its own latent_dim, else ``ignores_input``."""
    x = _probe_digits()
    first_dim = PROBE_LATENT_DIMS[0]
    codes = {}
    for latent_dim, model in built.items():
        if latent_dim != first_dim:
            outputs = _student(
                "Your encoder",
                model.encoder,
                keras.ops.convert_to_tensor(x),
            )
            widths = {
                tuple(keras.ops.shape(output))[-1:]
                for output in (
                    outputs
                    if isinstance(outputs, (list, tuple))
                    else [outputs]
                )
            }
            if model is built[first_dim] or widths == {(first_dim,)}:
                raise Mistake(
                    IGNORES_INPUT,
                    f"MyVAE(latent_dim={latent_dim}) gave a model with codes of "
                    f"{first_dim} numbers, as for latent_dim={first_dim}. Use the "
                    "`latent_dim` argument in the layers that make z_mean, z_log_var "
                    "and the decoder's input.",
                )
        codes[latent_dim] = _encode(model, latent_dim, x)
    return codes


def _check_decoder(model, latent_dim):
    """The decoder maps codes, near and far, to (n, 784) probabilities in [0, 1]."""
    rng = np.random.default_rng(latent_dim)
    z = np.concatenate(
        [
            rng.standard_normal((4, latent_dim)),
            np.full((1, latent_dim), 6.0),
            np.full((1, latent_dim), -6.0),
        ]
    ).astype(np.float32)  # (6, latent_dim): near the prior, and far from it
    output = _student(
        "Your decoder", model.decoder, keras.ops.convert_to_tensor(z)
    )
    if isinstance(output, (list, tuple)):
        raise Mistake(
            "decoder_outputs",
            f"Your decoder returns {len(output)} outputs; it should return one, the "
            "pixel probabilities, shape (batch, 784).",
        )
    try:
        pixels = as_array(
            output, (len(z), data.NUM_PIXELS), "The decoder's output"
        )
    except Mistake as mistake:
        raise Mistake("decoder_outputs", mistake.message) from None
    if pixels.min() < 0.0 or pixels.max() > 1.0:
        raise Mistake(
            "decoder_range",
            "Your decoder gives values outside [0, 1]; they are pixel probabilities "
            "(Bernoulli means). Which activation keeps the last layer between 0 and 1?",
        )


def _check_sample(model):
    """``sample`` draws z = z_mean + sigma * epsilon, with epsilon independent per digit and dimension."""
    z_mean = np.tile(np.float32(SAMPLE_MEAN), (NUM_SAMPLES, 1))  # (4000, 3)
    z_log_var = np.tile(np.float32(SAMPLE_LOG_VAR), (NUM_SAMPLES, 1))
    z = _student(
        "Your `sample`",
        model.sample,
        keras.ops.convert_to_tensor(z_mean),
        keras.ops.convert_to_tensor(z_log_var),
    )
    try:
        z = as_array(z, z_mean.shape, "The sample z")
    except Mistake as mistake:
        raise Mistake(
            "sample_shape",
            mistake.message + " One z per digit: the shape of z_mean.",
        ) from None
    sigma = np.exp(np.float64(SAMPLE_LOG_VAR) / 2)
    spread = z.std(axis=0)  # (3,)
    if np.allclose(z, z_mean):
        raise Mistake(
            "no_noise",
            "Your z is z_mean itself: no noise. Add sigma * epsilon, with epsilon "
            "from keras.random.normal(..., seed=self.seed_generator).",
        )
    if np.all(spread < 1e-6):
        raise Mistake(
            "shared_epsilon",
            "Every digit of the batch got the same z: one epsilon was drawn for the "
            "whole batch. Draw one per digit and dimension: the shape of z_mean.",
        )
    if abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) > 0.99:
        raise Mistake(
            "shared_epsilon_dimensions",
            "The latent dimensions of each digit share one epsilon (shape (batch, "
            "1)?): they move together. Draw an independent epsilon for every "
            "dimension: the shape of z_mean.",
        )
    mean_error = np.abs(z.mean(axis=0) - np.float64(SAMPLE_MEAN))
    if np.any(mean_error > 6 * spread / math.sqrt(NUM_SAMPLES) + 1e-3):
        raise Mistake(
            "sample_mean",
            "Your samples are not centred on z_mean: z = z_mean + sigma * epsilon, "
            "with epsilon standard normal (mean 0).",
        )

    def spread_is(expected):
        return np.allclose(
            spread, expected, rtol=SPREAD_RELATIVE, atol=1e-6
        )

    if spread_is(sigma):
        return
    if spread_is(np.exp(np.float64(SAMPLE_LOG_VAR))):
        raise Mistake(
            "variance_instead_of_sigma",
            "Your samples spread by the variance exp(z_log_var), not by the standard "
            "deviation: z_log_var is the log of the VARIANCE, so sigma is its "
            "square root.",
        )
    if spread_is(np.abs(np.float64(SAMPLE_LOG_VAR))):
        raise Mistake(
            "log_variance_as_sigma",
            "You multiplied epsilon by z_log_var itself, as if it were sigma. It is "
            "the log of the variance: undo the log first, then take the square root.",
        )
    raise Mistake(
        "sample_spread",
        "Your samples do not spread by sigma = exp(z_log_var / 2) around z_mean. "
        "Print z.std(axis=0) for a z_mean of 0 and a z_log_var of log(4): sigma is 2.",
    )


def _loss_probes(latent_dim):
    """Two seeded batches ``(x, reconstruction, z_mean, z_log_var)`` of 6 digits, float32.

    Pixels and probabilities stay inside (0, 1), so every formula, clipped or not, is
    finite; the codes give KL terms of several nats, far above float32 rounding.
    """
    probes = []
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        probes.append(
            (
                rng.uniform(0.02, 0.98, (6, data.NUM_PIXELS)).astype(
                    np.float32
                ),
                rng.uniform(0.05, 0.95, (6, data.NUM_PIXELS)).astype(
                    np.float32
                ),
                (1.5 * rng.standard_normal((6, latent_dim))).astype(
                    np.float32
                ),
                rng.uniform(-2.0, 1.0, (6, latent_dim)).astype(np.float32),
            )
        )
    return probes


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float64)


def _student_loss(model, x, reconstruction, z_mean, z_log_var):
    value = _student(
        "Your `loss_per_digit`",
        model.loss_per_digit,
        *(
            keras.ops.convert_to_tensor(a)
            for a in (x, reconstruction, z_mean, z_log_var)
        ),
    )
    try:
        return as_array(value, (len(x),), "The loss")
    except Mistake as mistake:
        if mistake.name != "wrong_shape":
            raise
        raise Mistake(
            "not_per_digit",
            mistake.message
            + " The loss is one number per digit (nats): sum over "
            "pixels and over latent dimensions, not over the batch.",
        ) from None


RECONSTRUCTION_SLIPS = {  # name -> per-digit reconstruction term, from (x, p)
    "right": lambda x, p: losses.reconstruction_loss(x, p),
    "mean_instead_of_sum": lambda x, p: (
        losses.reconstruction_loss(x, p) / data.NUM_PIXELS
    ),
    "swapped_cross_entropy": lambda x, p: losses.reconstruction_loss(p, x),
    "swapped_and_averaged": lambda x, p: (
        losses.reconstruction_loss(p, x) / data.NUM_PIXELS
    ),
}
KL_SLIPS = {"right": 1.0, "kl_missing": 0.0, "kl_wrong_sign": -1.0}
KL_SIZED = 60.0  # nats: the probes' KL terms are a few nats, reconstructions hundreds

MESSAGES = {
    "mean_instead_of_sum": "Your reconstruction term is 784 times too small: did you "
    "average over pixels instead of summing? Each pixel adds its own nats to the digit's.",
    "swapped_cross_entropy": "Your reconstruction term has x and the reconstruction "
    "swapped: it is -[reconstruction * log(x) + ...]. The log is of the decoder's "
    "probabilities; the target x weighs them (keras.ops.binary_crossentropy(target, "
    "output) takes the target first).",
    "kl_missing": "Your loss is the reconstruction term alone: the KL term is missing.",
    "kl_wrong_sign": "Your KL term has the wrong sign: the loss is reconstruction PLUS "
    "KL (the negative ELBO); the KL is never negative.",
}
MESSAGES["swapped_and_averaged"] = (
    MESSAGES["swapped_cross_entropy"]
    + " It is also averaged over pixels, not summed."
)


def _check_loss(model, latent_dim):
    """``loss_per_digit`` is reconstruction (summed over pixels) + KL, one value per digit."""
    results, expected, terms = [], [], []
    for x, p, z_mean, z_log_var in _loss_probes(latent_dim):
        results.append(_student_loss(model, x, p, z_mean, z_log_var))
        kl = _numpy(losses.kl_divergence(z_mean, z_log_var))
        reconstructions = {
            name: _numpy(slip(x, p))
            for name, slip in RECONSTRUCTION_SLIPS.items()
        }
        terms.append((reconstructions, kl))
        expected.append(reconstructions["right"] + kl)
    answers_follow_inputs(results, expected)

    def matches(reconstruction_name, kl_factor):
        return all(
            np.allclose(
                result,
                reconstructions[reconstruction_name] + kl_factor * kl,
                rtol=1e-4,
                atol=1e-2,
            )
            for result, (reconstructions, kl) in zip(results, terms)
        )

    for reconstruction_name in RECONSTRUCTION_SLIPS:
        for kl_name, kl_factor in KL_SLIPS.items():
            if matches(reconstruction_name, kl_factor):
                if reconstruction_name != "right":
                    name = (
                        "swapped_cross_entropy"
                        if reconstruction_name == "swapped_and_averaged"
                        else reconstruction_name
                    )
                    raise Mistake(name, MESSAGES[reconstruction_name])
                if kl_name != "right":
                    raise Mistake(kl_name, MESSAGES[kl_name])
                return _check_loss_finite(model, latent_dim)
    # the reconstruction term right, the KL term something else? (what is left over
    # is of the KL's size, a few nats, not of the reconstruction's, hundreds)
    left_over = [
        result - reconstructions["right"]
        for result, (reconstructions, _) in zip(results, terms)
    ]
    if all(np.abs(part).max() < KL_SIZED for part in left_over):
        raise Mistake(
            "kl_wrong",
            "Your reconstruction term looks right; your KL term is not. Compare it "
            "with losses.kl_divergence on the same z_mean and z_log_var: a factor "
            "missing? averaged over the latent dimensions instead of summed?",
        )
    raise Mistake(
        "loss_wrong",
        "Your loss per digit matches neither the reconstruction term nor the KL term. "
        "Test it in two steps: with z_mean = z_log_var = 0 the KL is 0 and only the "
        "reconstruction is left; compare that with losses.reconstruction_loss.",
    )


def _check_loss_finite(model, latent_dim):
    """The loss stays finite when a probability is exactly 0 or 1 (a saturated sigmoid)."""
    x = _probe_digits()  # real digits: pixels of exactly 0 and 1
    reconstruction = np.clip(
        x + 0.1, 0.0, 1.0
    )  # exactly 1 at ink, 0.1 at background
    reconstruction[:, :10] = 0.0  # exactly 0 where x is 0 (the corner)
    reconstruction[:, 400] = 0.0  # and where x may be ink
    zeros = np.zeros((len(x), latent_dim), np.float32)
    loss = _student(
        "Your `loss_per_digit`",
        model.loss_per_digit,
        *(
            keras.ops.convert_to_tensor(a)
            for a in (x, reconstruction, zeros, zeros)
        ),
    )
    if not np.all(np.isfinite(_numpy(loss))):
        raise Mistake(
            "log_of_zero",
            "Your loss is infinite or NaN when a probability is exactly 0 or 1, as a "
            "float32 sigmoid can give: log(0). Clip the probabilities to [1e-7, "
            "1 - 1e-7] first (keras.ops.clip), or use keras.ops.binary_crossentropy.",
        )


def _as_package_vae(model, latent_dim):
    """The student's encoder and decoder as a :class:`vae_lessons.models.VAE`, to score them
    with the package's formula (``evaluation.held_out_score``): the encoder's z slot
    holds z_mean (the score draws its own noise)."""
    x = keras.Input(shape=(data.NUM_PIXELS,))
    z_mean, z_log_var = model.encoder(x)
    encoder = keras.Model(x, [z_mean, z_log_var, z_mean])
    z = keras.Input(shape=(latent_dim,))
    decoder = keras.Model(z, model.decoder(z))
    return models.VAE(encoder, decoder)


def package_score(latent_dim=2, seed=0):
    """The package's model, trained as :data:`MODEL_TRAINING` says: its held-out negative ELBO.

    Computed once per backend, ``latent_dim`` and ``seed`` in a process (seconds).
    """
    key = (keras.backend.backend(), latent_dim, seed)
    if key not in _PACKAGE_SCORES:
        config = _config(latent_dim, seed)
        vae, _ = training.train(config)
        _PACKAGE_SCORES[key] = _score(vae, config)
    return _PACKAGE_SCORES[key]


def _config(latent_dim, seed):
    return training.TrainingConfig(
        latent_dim=latent_dim,
        epochs=MODEL_TRAINING.epochs,
        train_size=MODEL_TRAINING.train_size,
        seed=seed,
    )


def _score(vae, config):
    _, x_validation = training.training_data(config)
    return evaluation.held_out_score(
        vae, x_validation, seed=SCORE_NOISE_SEED
    ).negative_elbo


def student_score(answer, latent_dim=2, seed=0):
    """Train ``answer(latent_dim, seed)`` as the package's model is trained; its held-out
    negative ELBO by the package's formula (seconds). Used by :func:`ex4`.
    """
    config = _config(latent_dim, seed)
    x_train, _ = training.training_data(config)
    training.set_seed(seed)
    model = _build(answer, latent_dim, seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        steps_per_execution=training.STEPS_PER_EXECUTION,
    )
    history = _student(
        "Training your model (model.fit)",
        model.fit,
        x_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        shuffle=True,
        verbose=0,
    ).history
    if not all(
        math.isfinite(value) for value in history.get("loss", [math.nan])
    ):
        raise Mistake(
            "not_finite",
            "Your model's training loss became NaN or infinite: look for a log of 0 "
            "or an exp of a large number in your loss.",
        )
    return _score(_as_package_vae(model, latent_dim), config)


@exercise(
    name="lesson_04.ex4",
    why="You wrote a VAE: an encoder to q(z|x), the reparameterized sample, a decoder to "
    "p(x|z) and the negative ELBO, and it trains as well as the package's model on JAX, "
    "TensorFlow and PyTorch alike. models.VAE is the same model with the KL term moved "
    "into the sampling layer.",
    hints=(
        (
            "Copy the layers of models.build_encoder and models.build_decoder (print "
            "their source with `import inspect; print(inspect.getsource(models.build_encoder))`), "
            "without the Sampling layer. Test each method on a small batch before checking."
        ),
        (
            "sample: epsilon = keras.random.normal(keras.ops.shape(z_mean), "
            "seed=self.seed_generator); z_log_var is the log of the variance. "
            "loss_per_digit: the Bernoulli negative log-likelihood summed over the 784 pixels, "
            "plus the KL term summed over latent dimensions (Lesson 3)."
        ),
        (
            "return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon; and "
            "return losses.reconstruction_loss(x, reconstruction) + "
            "losses.kl_divergence(z_mean, z_log_var), or the same two formulas in keras.ops."
        ),
    ),
    solution="""
        class MyVAE(keras.Model):
            def __init__(self, latent_dim=2, seed=0, **kwargs):
                super().__init__(**kwargs)
                x = keras.Input(shape=(784,))
                # (batch, 784) -> (batch, 512)
                hidden = keras.layers.Dense(512, activation="relu")(x)
                z_mean = keras.layers.Dense(latent_dim)(hidden)
                z_log_var = keras.layers.Dense(latent_dim)(hidden)
                self.encoder = keras.Model(x, [z_mean, z_log_var])
                z = keras.Input(shape=(latent_dim,))
                # (batch, latent_dim) -> (batch, 512) -> (batch, 784)
                hidden = keras.layers.Dense(512, activation="relu")(z)
                pixels = keras.layers.Dense(784, activation="sigmoid")(hidden)
                self.decoder = keras.Model(z, pixels)
                self.seed_generator = keras.random.SeedGenerator(seed)

            def sample(self, z_mean, z_log_var):
                epsilon = keras.random.normal(
                    keras.ops.shape(z_mean), seed=self.seed_generator
                )  # one draw per digit and dimension
                return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon

            def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
                p = keras.ops.clip(reconstruction, 1e-7, 1 - 1e-7)
                log_likelihood = x * keras.ops.log(p) + (1 - x) * keras.ops.log(
                    1 - p
                )  # (batch, 784)
                kl = 0.5 * (
                    keras.ops.exp(z_log_var)
                    + keras.ops.square(z_mean)
                    - 1
                    - z_log_var
                )  # (batch, latent_dim)
                return -keras.ops.sum(log_likelihood, axis=-1) + keras.ops.sum(
                    kl, axis=-1
                )

            # given: leave these two methods as they are
            def call(self, x):
                z_mean, z_log_var = self.encoder(x)
                z = self.sample(z_mean, z_log_var)
                return self.decoder(z), z_mean, z_log_var

            def compute_loss(
                self, x=None, y=None, y_pred=None, sample_weight=None,
                training=True,
            ):
                reconstruction, z_mean, z_log_var = y_pred
                return keras.ops.mean(
                    self.loss_per_digit(x, reconstruction, z_mean, z_log_var)
                )


        answer = MyVAE
    """,
    mistakes=(
        "not_a_model",
        "encoder_outputs",
        "decoder_outputs",
        "decoder_range",
        "sample_shape",
        "no_noise",
        "shared_epsilon",
        "shared_epsilon_dimensions",
        "variance_instead_of_sigma",
        "log_variance_as_sigma",
        "not_per_digit",
        "mean_instead_of_sum",
        "swapped_cross_entropy",
        "kl_missing",
        "kl_wrong_sign",
        "kl_wrong",
        "log_of_zero",
        "trains_worse",
    ),
    kind="code",
)
def ex4(answer):
    """Your class ``MyVAE`` (``answer = MyVAE``): a keras.Model with encoder, decoder, sample and loss_per_digit.

    Probes each part, then trains the model briefly (seconds) and compares its held-out
    ELBO with the package's model trained the same way.
    """
    built = {}
    for latent_dim in PROBE_LATENT_DIMS:
        training.set_seed(MODEL_TRAINING.seed)
        built[latent_dim] = _build(answer, latent_dim, MODEL_TRAINING.seed)
    _check_latent_dims(built)
    for latent_dim, model in built.items():
        _check_decoder(model, latent_dim)
    widest = max(PROBE_LATENT_DIMS)
    _check_sample(built[widest])
    _check_loss(built[widest], widest)
    latent_dim, seed = PROBE_LATENT_DIMS[0], MODEL_TRAINING.seed
    score = student_score(answer, latent_dim, seed)
    if score > package_score(latent_dim, seed) + ELBO_TOLERANCE:
        raise Mistake(
            "trains_worse",
            f"Every part passes its test, but after the same brief training your model's "
            f"held-out loss is {score:.0f} nats per digit: worse than the package's "
            f"model by more than {ELBO_TOLERANCE:.0f} nats. Compare your layers with "
            "models.build_encoder and models.build_decoder (512 ReLU units), and check "
            "that the gradient reaches every layer (no NumPy inside the model).",
        )
