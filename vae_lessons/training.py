"""Lesson 4: training, reproducibly, and caching trained models.

``train(config)`` trains a VAE from a :class:`TrainingConfig` on the digits its
``source`` names (the shipped MNIST sample by default), on one device or, with
``distribution=``, on several (:mod:`vae_lessons.distributed`); :func:`fit` is the
package's one training loop. ``trained_vae(config)`` does the same once and keeps the
result in a user cache folder (``~/.cache/vae-lessons`` by default, or
``$VAE_LESSONS_CACHE``), so later lessons, tests and benchmarks load it
instead of retraining. A cache entry whose configuration, data, Keras version or
backend differ, or whose files are damaged, is retrained, never trusted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import random
import signal
import threading
from pathlib import Path

import keras
import numpy as np

from vae_lessons import (
    architectures,
    cache,
    conditional,
    data,
    distributed,
    models,
    validation,
)

CACHE_FORMAT = 4  # bump when the meaning of a cached model changes
# 2: Sampling.kl_weight is a stored variable
# 3: on JAX the conv VAE's convolutions were matrix products: other rounding
# 4: the models train with Keras's own train step and convolutions: other rounding
# Training steps Keras runs per call of its compiled train function (Keras's
# steps_per_execution), reading the logs (and calling batch callbacks such as the NaN
# guard) once per call: the same steps, so the same weights, in less time on JAX and
# TensorFlow (benchmarks/training_speed.py). 128 covers a whole epoch of the lessons'
# 3,600 digits at batch 32 (113 steps). Keras allows only 1 on PyTorch.
STEPS_PER_EXECUTION = 1 if keras.backend.backend() == "torch" else 128


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the Keras backend: the one seeding helper.

    On TensorFlow this is ``keras.utils.set_random_seed``. On JAX and PyTorch it seeds
    what Keras draws its default seeds from (Python's ``random``: initial weights and
    ``SeedGenerator`` defaults; NumPy: shuffling; and PyTorch's own generator) without
    importing TensorFlow, which ``keras.utils.set_random_seed`` does whenever it is
    installed, costing seconds, only to seed ``tf.data``. The result is the same whether
    or not TensorFlow is installed.

    Parameters
    ----------
    seed : int
        In [0, 2**31 - 1], the range every backend accepts
        (:func:`vae_lessons.validation.check_seed`).
    """
    seed = validation.check_seed("seed", seed)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)
    if backend == "torch":
        import torch

        torch.manual_seed(seed)


ARCHITECTURES = ("mlp", "conv")


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Everything that determines a trained VAE.

    Attributes
    ----------
    latent_dim : int
        Size of z (2 lets us draw the latent space).
    hidden_units : int
        Units of the one hidden layer of encoder and decoder.
    kl_weight : float
        ``beta``: weight of the KL term (1.0 is the plain VAE).
    epochs, batch_size : int
    learning_rate : float
        Adam's step size.
    validation_size : int
        Training digits held out, stratified, for validation.
    train_size : int or None
        Train on a stratified subset of this many digits (None: all the rest).
    seed : int
        Seeds the split, the initial weights and the sampling noise.
    source : str, default "sample"
        Where the training digits come from, as :func:`vae_lessons.data.load_mnist`
        reads them: ``"sample"`` (the 4,000 training digits shipped with the package),
        ``"keras"`` (the full 60,000 through Keras; downloads once), or the path of a
        local ``mnist.npz`` or of a folder holding the four IDX ``.gz`` files (a
        ``pathlib.Path`` is stored as its string). Only the training split is used.
    architecture : str, default "mlp"
        ``"mlp"`` (:func:`vae_lessons.models.build_vae`, ``hidden_units`` wide) or
        ``"conv"`` (:mod:`vae_lessons.architectures`, ``filters``).
    filters : tuple of int, default (16, 32)
        Filters of the convolutional encoder's stride-2 convolutions (conv only).
    binarized : bool, default False
        Train on dynamically binarized digits (redrawn every epoch) and validate
        on a fixed binarization (:mod:`vae_lessons.architectures`).
    kl_warmup_epochs : int, default 0
        Ramp the KL weight from 0 to ``kl_weight`` over this many epochs
        (:class:`vae_lessons.architectures.KLWarmUp`); 0: no warm-up.
    conditional : bool, default False
        Train a :class:`~vae_lessons.conditional.ConditionalVAE`: the data are
        ``conditional.with_labels(x, labels)``, shape (n, 794) (see :func:`training_data`).
    """

    latent_dim: int = 2
    hidden_units: int = 512
    kl_weight: float = 1.0
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 1e-3
    validation_size: int = 400
    train_size: int | None = None
    seed: int = 0
    source: str = "sample"
    architecture: str = "mlp"
    filters: tuple = architectures.DEFAULT_FILTERS
    binarized: bool = False
    kl_warmup_epochs: int = 0
    conditional: bool = False

    def __post_init__(self):
        # Normalise numbers (NumPy scalars included) so equal settings are equal
        # configs with one cache key: kl_weight=1 and kl_weight=1.0 are the same.
        def normalise(name, value):
            object.__setattr__(self, name, value)

        for name in ("latent_dim", "hidden_units", "epochs", "batch_size"):
            normalise(
                name,
                validation.check_integer(
                    name, getattr(self, name), minimum=1
                ),
            )
        normalise(
            "validation_size",
            validation.check_integer(
                "validation_size", self.validation_size, minimum=0
            ),
        )
        normalise(
            "seed",
            validation.check_seed("seed", self.seed),
        )
        if self.train_size is not None:
            normalise(
                "train_size",
                validation.check_integer(
                    "train_size", self.train_size, minimum=1
                ),
            )
        normalise(
            "kl_weight",
            validation.check_number("kl_weight", self.kl_weight, minimum=0),
        )
        normalise(
            "learning_rate",
            validation.check_number(
                "learning_rate", self.learning_rate, minimum=0, above=True
            ),
        )
        validation.check_choice(
            "architecture", self.architecture, ARCHITECTURES
        )
        normalise("filters", architectures.check_filters(self.filters))
        if not isinstance(self.binarized, (bool, np.bool_)):
            raise TypeError(
                validation.message(
                    "binarized", "True or False", self.binarized
                )
            )
        normalise("binarized", bool(self.binarized))
        normalise(
            "kl_warmup_epochs",
            validation.check_integer(
                "kl_warmup_epochs", self.kl_warmup_epochs, minimum=0
            ),
        )
        if isinstance(self.source, os.PathLike):
            normalise("source", os.fspath(self.source))
        if not isinstance(self.conditional, (bool, np.bool_)):
            raise TypeError(
                validation.message(
                    "conditional", "True or False", self.conditional
                )
            )
        normalise("conditional", bool(self.conditional))
        if self.conditional and (
            self.architecture != "mlp" or self.binarized
        ):
            raise ValueError(
                validation.message(
                    "conditional",
                    'False with architecture="conv" or binarized=True (the conditional VAE is the MLP\'s)',
                    self.conditional,
                )
            )
        if not isinstance(self.source, str) or not self.source:
            raise TypeError(
                validation.message(
                    "source",
                    '"sample", "keras" or the path of an .npz file or IDX folder',
                    self.source,
                )
            )


def training_data(config: TrainingConfig = TrainingConfig()):
    """The digits a configuration trains and validates on, flattened and scaled.

    Parameters
    ----------
    config : TrainingConfig

    Returns
    -------
    x_train : numpy.ndarray, float32, shape (n_train, 784)
    x_validation : numpy.ndarray, float32, shape (validation_size, 784)
        For a ``conditional`` config, each digit followed by its one-hot label,
        ``conditional.with_labels(x, labels)``: shapes (n_train, 794), (validation_size, 794).
    """
    (images, labels), _ = data.load_mnist(config.source)
    if config.validation_size >= len(labels):
        raise ValueError(
            validation.message(
                "validation_size",
                f"fewer than the {len(labels)} training digits of source {config.source!r}",
                config.validation_size,
            )
        )
    (train_images, train_labels), (validation_images, validation_labels) = (
        data.train_validation_split(
            images, labels, config.validation_size, seed=config.seed
        )
    )
    if config.train_size is not None:
        if config.train_size > len(train_labels):
            raise ValueError(
                validation.message(
                    "train_size",
                    f"at most the {len(train_labels)} training digits left after the validation split",
                    config.train_size,
                )
            )
        train_images, train_labels = data.stratified_subset(
            train_images, train_labels, config.train_size, seed=config.seed
        )
    x_train, x_validation = (
        data.flatten_and_scale(train_images),
        data.flatten_and_scale(validation_images),
    )
    if (
        config.conditional
    ):  # the label travels with the digit: (n, 784) -> (n, 794)
        return conditional.with_labels(
            x_train, train_labels
        ), conditional.with_labels(x_validation, validation_labels)
    return x_train, x_validation


class CompactProgress(keras.callbacks.Callback):
    """Print one short line every ``every`` epochs, without timings.

    Parameters
    ----------
    every : int
        Print after epochs every, 2*every, ... and after the last one.
    """

    def __init__(self, every=10):
        super().__init__()
        self.every = validation.check_integer("every", every, minimum=1)

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every == 0 or last:
            print(
                format_epoch(
                    epoch + 1, self.params.get("epochs"), logs or {}
                )
            )


def format_epoch(epoch, epochs, logs):
    """One line of training progress, e.g. ``epoch 10/50  loss 170.3  ...``."""
    names = ("loss", "reconstruction", "kl", "val_loss")
    parts = [f"{name} {logs[name]:.1f}" for name in names if name in logs]
    return f"epoch {epoch:>3}/{epochs}  " + "  ".join(parts)


def train(
    config: TrainingConfig = TrainingConfig(),
    progress: bool = False,
    distribution=None,
    verbose=0,
    callbacks=(),
):
    """Train a VAE from scratch: seeded, so the same config and backend give the same weights.

    Builds the model of ``config`` (:func:`build`, inside ``distribution.scope()`` when
    there is one, so its variables are laid out as it says) and trains it with
    :func:`fit`, the package's one training loop.

    Parameters
    ----------
    config : TrainingConfig
    progress : bool, default False
        Print a compact line every 10 epochs.
    distribution : keras.distribution.Distribution or None
        Train on several devices or processes (JAX only), e.g.
        :func:`vae_lessons.distributed.data_parallel`; None for one device.
    verbose : {0, 1, 2}, default 0
        Keras's progress display (1: a progress bar).
    callbacks : sequence of keras.callbacks.Callback, default ()
        Extra callbacks (e.g. checkpoints, timers), after the package's own.

    Returns
    -------
    vae : models.VAE
    history : dict of str to list of float
        Per-epoch ``loss``, ``reconstruction``, ``kl`` and their ``val_`` versions.

    Raises
    ------
    ValueError
        If a distribution is given on another backend than JAX, or ``batch_size``
        does not split evenly across its devices.
    FloatingPointError
        If the loss became NaN or infinite (the NaN guard stops training at once).
    """
    check_batch_layout(
        config, distribution
    )  # before building: a refused layout costs nothing
    with _scope(distribution):
        set_seed(config.seed)
        vae = build(config)
    return fit(
        vae,
        config,
        progress=progress,
        distribution=distribution,
        verbose=verbose,
        callbacks=callbacks,
    )


def build(config: TrainingConfig):
    """The untrained VAE of ``config``: the MLP or the convolutional one.

    Seed first (:func:`set_seed`) for reproducible initial weights.

    Returns
    -------
    vae : models.VAE
    """
    if config.architecture == "mlp":
        vae_class = (
            conditional.ConditionalVAE if config.conditional else models.VAE
        )
        return models.build_vae(
            config.latent_dim,
            config.hidden_units,
            kl_weight=config.kl_weight,
            vae_class=vae_class,
        )
    return architectures.build_conv_vae(
        config.latent_dim, config.filters, kl_weight=config.kl_weight
    )


def fit(
    vae,
    config: TrainingConfig,
    progress: bool = False,
    distribution=None,
    verbose=0,
    callbacks=(),
):
    """Compile ``vae`` with Adam and fit it on the digits of ``config``, with the NaN guard.

    The package's one training loop: every model of the package, on one device or
    under a distribution, trains here (:func:`train` builds the model first). Seed
    before building the model (:func:`set_seed`) for a reproducible run. The digits
    reach Keras as :func:`fit_data` says.

    Parameters
    ----------
    vae : models.VAE
        Built, not yet trained; under a distribution, built inside ``distribution.scope()``.
    config : TrainingConfig
        Data and its split, epochs, batch size, learning rate, binarization, KL warm-up.
    progress : bool, default False
        Print a compact line every 10 epochs.
    distribution : keras.distribution.Distribution or None
        Train on several devices or processes (JAX only); ``batch_size`` is then the
        global batch, a multiple of the devices it is split across. None: one device.
    verbose : {0, 1, 2}, default 0
        Keras's progress display; with several processes, shown by process 0 only.
    callbacks : sequence of keras.callbacks.Callback, default ()
        Extra callbacks, after the NaN guard, the KL warm-up and the progress lines.

    Returns
    -------
    vae : models.VAE
        The same model, trained.
    history : dict of str to list of float

    Raises
    ------
    ValueError
        If ``vae`` does not match ``config`` (``latent_dim``, ``conditional``): refused
        before training, the model untouched.
    KeyboardInterrupt, or any error raised during training
        Jupyter's stop button, or a failure halfway: ``vae`` still works, with the
        weights of the last epoch it finished (its initial weights if none), and the
        error's note says so (:class:`LastEpoch`).
    """
    if not isinstance(vae, models.VAE):
        raise TypeError(
            validation.message(
                "vae",
                "a vae_lessons models.VAE (built, e.g. by models.build_vae)",
                type(vae).__name__,
            )
        )
    if not isinstance(config, TrainingConfig):
        raise TypeError(
            validation.message(
                "config", "a training.TrainingConfig", config
            )
        )
    check_model_matches(vae, config)
    _, shard, _ = check_batch_layout(config, distribution)
    is_coordinator = shard == 0  # with several processes, process 0 prints
    all_callbacks = [keras.callbacks.TerminateOnNaN()]
    if config.kl_warmup_epochs:
        all_callbacks.append(
            architectures.KLWarmUp(
                config.kl_warmup_epochs, target=config.kl_weight
            )
        )
    if progress and is_coordinator:
        all_callbacks.append(CompactProgress(every=10))
    inputs, validation_data = fit_data(config, distribution)
    last_epoch, stop_button = LastEpoch(), StopButton()
    with _scope(distribution), stop_button.listening():
        vae.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=config.learning_rate
            ),
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        try:
            history = vae.fit(
                **inputs,
                validation_data=validation_data,
                epochs=config.epochs,
                callbacks=[
                    last_epoch,
                    stop_button,
                    *all_callbacks,
                    *callbacks,
                ],
                verbose=verbose if is_coordinator else 0,
            ).history
        except (
            BaseException
        ) as error:  # an error, or the stop button pressed twice
            error.add_note(last_epoch.restore(config.epochs))
            raise
    if stop_button.pressed:
        done = len(history.get("loss", []))
        interrupt = KeyboardInterrupt()
        interrupt.add_note(
            f"Training stopped during epoch {done} of {config.epochs} (the stop button): "
            "the model keeps the weights of its last training step, and works."
        )
        raise interrupt
    history = {
        name: [float(value) for value in values]
        for name, values in history.items()
    }
    check_finite(history, config)
    return vae, history


def check_model_matches(vae, config: TrainingConfig) -> None:
    """Refuse a model that ``config`` does not describe, naming both, before any training.

    ``config.latent_dim`` must be the model's, and ``config.conditional`` must say
    whether it is a :class:`vae_lessons.conditional.ConditionalVAE` (whose inputs carry the
    labels): otherwise Keras would fail halfway with a shape error that names neither.
    """
    is_conditional = isinstance(vae, conditional.ConditionalVAE)
    if config.conditional != is_conditional:
        kind = (
            "a ConditionalVAE"
            if is_conditional
            else f"a {type(vae).__name__}, not a ConditionalVAE"
        )
        raise ValueError(
            validation.message(
                "config.conditional",
                f"{is_conditional}, as the model is {kind}",
                config.conditional,
            )
        )
    if config.latent_dim != vae.latent_dim:
        raise ValueError(
            validation.message(
                "config.latent_dim",
                f"{vae.latent_dim}, the model's latent_dim",
                config.latent_dim,
            )
        )


class StopButton(keras.callbacks.Callback):
    """Jupyter's stop button (and Ctrl-C) ends training cleanly at the next training step.

    The stop button sends the kernel SIGINT, which Python turns into a KeyboardInterrupt
    wherever the main thread happens to be: inside Keras's or JAX's own code, which may
    catch it or be left halfway. While :meth:`listening`, the first SIGINT only sets
    :attr:`pressed`; at its next report (the end of a training call, or of an epoch) this
    callback sets Keras's ``model.stop_training``, so Keras ends ``fit`` itself, the
    model whole, and :func:`fit` then raises the KeyboardInterrupt. A second SIGINT
    interrupts at once, as the first one would have. Only in the main thread (signals
    are delivered there); elsewhere nothing changes.
    """

    def __init__(self):
        super().__init__()
        self.pressed = False

    @contextlib.contextmanager
    def listening(self):
        """Take SIGINT over for the duration of a ``with`` block; the previous handler after."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.getsignal(signal.SIGINT)

        def press(signum, frame):
            if self.pressed:  # pressed again: at once
                raise KeyboardInterrupt
            self.pressed = True

        signal.signal(signal.SIGINT, press)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)

    def _stop_if_pressed(self, *args, **kwargs):
        if self.pressed:
            self.model.stop_training = True

    on_train_batch_end = on_epoch_begin = on_epoch_end = _stop_if_pressed


class LastEpoch(keras.callbacks.Callback):
    """Keeps the model's state at the start of training and at the end of each epoch, to
    put it back when training stops halfway (:func:`fit`).

    On JAX, Keras takes the variables' values out of the model while an epoch runs and
    puts them back at its end; an interrupt or an error inside the epoch (the stop
    button, a shape error in the first step) can leave the model without them, and it
    then fails at its next use. :meth:`restore` gives it back the last complete state:
    the model's weights, the optimizer's and the metrics' variables. It keeps one copy
    of them, made on their device (``keras.ops.copy``, so a distributed model's copy is
    laid out as the model is), and refreshes it at the end of each epoch.
    """

    def __init__(self):
        super().__init__()
        self.epochs_done = 0
        self._saved = None

    def _variables(self):
        model = self.model
        optimizer = (
            [] if model.optimizer is None else model.optimizer.variables
        )
        return [
            *model.trainable_variables,
            *model.non_trainable_variables,
            *optimizer,
            *model.metrics_variables,
        ]

    def _save(self):
        self._saved = [
            (variable, keras.ops.copy(variable.value))
            for variable in self._variables()
        ]

    def on_train_begin(self, logs=None):
        self._save()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        self._save()

    def restore(self, epochs: int) -> str:
        """Put the last saved state back; returns a sentence saying which, for the error's note."""
        if (
            self._saved is None
        ):  # stopped before training began: nothing was taken out
            return "Training stopped before its first step; the model is unchanged."
        for variable, value in self._saved:
            variable.assign(value)
        if self.epochs_done:
            return (
                f"Training stopped after {self.epochs_done} of {epochs} epochs: the model keeps the weights "
                f"of the end of epoch {self.epochs_done}, and works."
            )
        return f"Training stopped during its first epoch (of {epochs}): the model keeps its initial weights, and works."


def fit_data(config: TrainingConfig, distribution=None):
    """What :func:`fit` gives Keras's ``fit``: the training inputs and the validation data.

    On one device: the digits as arrays, shuffled by Keras (``shuffle=True``), or, for
    a ``binarized`` config, a :class:`vae_lessons.architectures.DynamicBinarization`.
    Under a distribution: :class:`vae_lessons.distributed.GlobalBatches`, so that each
    process feeds its slice of the same global batches, each trimmed to a multiple of
    the devices it is split across. Either input shuffles with its own seeded order, so
    one device and a distribution see different orders; one device and several under
    a distribution see the same. A ``binarized`` config validates on one fixed draw.

    Parameters
    ----------
    config : TrainingConfig
    distribution : keras.distribution.Distribution or None

    Returns
    -------
    inputs : dict
        Keyword arguments of ``keras.Model.fit``: ``x`` (and ``y``, ``batch_size``) and ``shuffle``.
    validation_data : (x_validation, x_validation), keras.utils.PyDataset or None
        None when the config holds no digits out.
    """
    x_train, x_validation = training_data(config)
    if config.binarized and len(x_validation):
        x_validation = architectures.binarize(
            x_validation, seed=config.seed
        )  # one fixed draw to validate on
    if distribution is None:
        if config.binarized:
            # fresh black-and-white pixels every epoch. The PyDataset shuffles its digits
            # itself, seeded by the config: Keras's shuffle would only reorder its batches
            # again, from another random state
            inputs = {
                "x": architectures.DynamicBinarization(
                    x_train, config.batch_size, seed=config.seed
                ),
                "shuffle": False,
            }
        else:
            inputs = {
                "x": x_train,
                "y": x_train,
                "batch_size": config.batch_size,
                "shuffle": True,
            }
        return inputs, (
            (x_validation, x_validation) if len(x_validation) else None
        )
    num_shards, shard, multiple = distributed.batch_layout(distribution)
    layout = {
        "num_shards": num_shards,
        "shard": shard,
        "multiple": multiple,
    }
    # every process must read the same global batches in the same order: no Keras shuffle
    batches = distributed.GlobalBatches(
        x_train,
        config.batch_size,
        config.seed,
        binarized=config.binarized,
        **layout,
    )
    inputs = {"x": batches, "shuffle": False}
    validation_data = (
        distributed.GlobalBatches(x_validation, config.batch_size, **layout)
        if len(x_validation)
        else None
    )
    return inputs, validation_data


def check_batch_layout(config: TrainingConfig, distribution=None):
    """Check that ``config.batch_size`` splits evenly across the distribution's devices.

    Returns
    -------
    num_shards, shard, multiple : int
        As :func:`vae_lessons.distributed.batch_layout` (1, 0, 1 without a distribution).
    """
    num_shards, shard, multiple = distributed.batch_layout(distribution)
    if config.batch_size % multiple:
        raise ValueError(
            validation.message(
                "batch_size",
                f"a multiple of the {multiple} devices each batch is split across",
                config.batch_size,
            )
        )
    return num_shards, shard, multiple


def _scope(distribution):
    """``distribution.scope()``, or a context that does nothing without a distribution."""
    return (
        contextlib.nullcontext()
        if distribution is None
        else distribution.scope()
    )


def check_finite(history, config=None):
    """The NaN guard: raise if any logged loss is NaN or infinite.

    Parameters
    ----------
    history : dict of str to list of float
    config : TrainingConfig, optional
        The run's settings: the message then names the likely culprit (a KL weight
        far from 1, else the learning rate).
    """
    if not isinstance(history, dict) or not all(
        isinstance(values, (list, tuple))
        and all(validation._is_real(value) for value in values)
        for values in history.values()
    ):
        raise TypeError(
            validation.message(
                "history", "a dict of str to lists of numbers", history
            )
        )
    names = sorted(
        history, key=lambda name: name != "loss"
    )  # report the total loss first
    for name in names:
        for epoch, value in enumerate(history[name], start=1):
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"training diverged: {name} became {value} at epoch {epoch}; "
                    + _divergence_advice(config)
                )


def _divergence_advice(config):
    """What to change after a NaN loss, from the run's settings."""
    if not isinstance(config, TrainingConfig):
        return (
            "a loss overflows when a weight or a step is too large: check the "
            "KL weight and the learning_rate"
        )
    if config.kl_weight > 1000:
        return (
            f"kl_weight={config.kl_weight:g} multiplies the KL so much that the "
            "loss overflows: use a kl_weight between 0 and about 100 (1 is the "
            "plain VAE)"
        )
    return f"try a smaller learning_rate (this run used {config.learning_rate:g})"


def cache_metadata(config: TrainingConfig) -> dict:
    """What a cache entry must match to be trusted.

    Besides the configuration (its ``source`` included), the backend and the Keras
    version, it records the SHA-256 of the data the source reads, so a local file
    that changes makes a new entry: see :func:`source_sha256`.
    """
    return {
        "format": CACHE_FORMAT,
        # through JSON, as the cache stores it: the filters tuple becomes a list
        "config": json.loads(json.dumps(dataclasses.asdict(config))),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "data_sha256": source_sha256(config.source),
    }


def source_sha256(source: str) -> str | dict:
    """A fingerprint of the digits ``source`` reads, for the cache key.

    Parameters
    ----------
    source : str
        As :attr:`TrainingConfig.source`.

    Returns
    -------
    sha256 : str or dict of str to str
        ``"sample"``: the shipped file's known SHA-256. ``"keras"``: the string
        ``"keras.datasets.mnist"`` (Keras checks the file it downloads against its own
        hash). An ``.npz`` file: its SHA-256. An IDX folder: ``{file name: SHA-256}``
        of its four files.

    Raises
    ------
    ValueError
        If a path source is neither a file nor a folder with the four IDX files,
        naming it.
    """
    if source == "sample":
        return data.SAMPLE_SHA256
    if source == "keras":
        return "keras.datasets.mnist"
    path = Path(source)
    if path.is_file():
        return data.sha256_of(path)
    if path.is_dir():
        missing = [
            name
            for name in data.IDX_FILES.values()
            if not (path / name).is_file()
        ]
        if missing:
            raise ValueError(f"{path}: missing IDX files {missing}")
        return {
            name: data.sha256_of(path / name)
            for name in sorted(data.IDX_FILES.values())
        }
    raise ValueError(
        validation.message("source", data.SOURCES_EXPECTED, source)
    )


def trained_vae(config: TrainingConfig = TrainingConfig()):
    """A trained VAE for ``config``: loaded from the cache, or trained once and cached.

    Parameters
    ----------
    config : TrainingConfig

    Returns
    -------
    vae : models.VAE
    history : dict of str to list of float
    """
    return cache.cached(
        cache_metadata(config),
        lambda: train(config),
        check_model=(
            cache.architecture_check(
                config.latent_dim,
                config.hidden_units,
                condition_dim=conditional.ConditionalVAE.condition_dim
                if config.conditional
                else 0,
            )
            if config.architecture == "mlp"
            else None  # the config in the cache key names the conv architecture
        ),
    )
