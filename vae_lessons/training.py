"""Lesson 4: training, reproducibly, and caching trained models.

``train(config)`` trains a VAE from a :class:`TrainingConfig` on the shipped MNIST
sample. ``trained_vae(config)`` does the same once and keeps the result in a user cache
folder (``~/.cache/vae-lessons`` by default, or ``$VAE_LESSONS_CACHE``), so later
lessons, tests and benchmarks load it instead of retraining. A cache entry whose
configuration, Keras version or backend differ, or whose files are damaged, is
retrained, never trusted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import random
import shutil
import tempfile
import warnings
from pathlib import Path

import keras
import numpy as np

from vae_lessons import data, models

CACHE_FORMAT = 1  # bump when the meaning of a cached model changes
# Training steps Keras runs per call of its compiled train function, reading the logs (and
# calling batch callbacks such as the NaN guard) once per call: the same steps, so the same
# weights, in less time (benchmarks/training_speed.py); 128 covers a whole epoch of the
# lessons' 3,600 digits at batch 32 (113 steps). Keras allows only 1 on PyTorch.
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
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)
    if backend == "torch":
        import torch

        torch.manual_seed(seed)


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

    def __post_init__(self):
        for name in ("latent_dim", "hidden_units", "epochs", "batch_size"):
            _check_int(name, getattr(self, name), minimum=1)
        _check_int("validation_size", self.validation_size, minimum=0)
        _check_int("seed", self.seed, minimum=0)
        if self.train_size is not None:
            _check_int("train_size", self.train_size, minimum=1)
        for name in ("kl_weight", "learning_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise TypeError(f"{name} must be a finite number, got {value!r}")
        if self.kl_weight < 0 or self.learning_rate <= 0:
            raise ValueError("kl_weight must be >= 0 and learning_rate > 0")


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def training_data(config: TrainingConfig = TrainingConfig()):
    """The digits a configuration trains and validates on, flattened and scaled.

    Parameters
    ----------
    config : TrainingConfig

    Returns
    -------
    x_train : numpy.ndarray, float32, shape (n_train, 784)
    x_validation : numpy.ndarray, float32, shape (validation_size, 784)
    """
    (images, labels), _ = data.load_mnist("sample")
    (train_images, train_labels), (validation_images, _) = data.train_validation_split(
        images, labels, config.validation_size, seed=config.seed
    )
    if config.train_size is not None:
        if config.train_size > len(train_labels):
            raise ValueError(
                f"train_size={config.train_size} exceeds the {len(train_labels)} "
                "training digits left after the validation split"
            )
        train_images, _ = data.stratified_subset(
            train_images, train_labels, config.train_size, seed=config.seed
        )
    return data.flatten_and_scale(train_images), data.flatten_and_scale(validation_images)


class CompactProgress(keras.callbacks.Callback):
    """Print one short line every ``every`` epochs, without timings.

    Parameters
    ----------
    every : int
        Print after epochs every, 2*every, ... and after the last one.
    """

    def __init__(self, every=10):
        super().__init__()
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every == 0 or last:
            print(format_epoch(epoch + 1, self.params.get("epochs"), logs or {}))


def format_epoch(epoch, epochs, logs):
    """One line of training progress, e.g. ``epoch 10/50  loss 170.3  ...``."""
    names = ("loss", "reconstruction", "kl", "val_loss")
    parts = [f"{name} {logs[name]:.1f}" for name in names if name in logs]
    return f"epoch {epoch:>3}/{epochs}  " + "  ".join(parts)


def train(config: TrainingConfig = TrainingConfig(), progress: bool = False):
    """Train a VAE from scratch: seeded, so the same config and backend give the same weights.

    Parameters
    ----------
    config : TrainingConfig
    progress : bool, default False
        Print a compact line every 10 epochs.

    Returns
    -------
    vae : models.VAE
    history : dict of str to list of float
        Per-epoch ``loss``, ``reconstruction``, ``kl`` and their ``val_`` versions.

    Raises
    ------
    FloatingPointError
        If the loss became NaN or infinite (the NaN guard stops training at once).
    """
    set_seed(config.seed)
    vae = models.build_vae(config.latent_dim, config.hidden_units, kl_weight=config.kl_weight)
    return fit(vae, config, progress=progress)


def fit(vae, config: TrainingConfig, progress: bool = False):
    """Compile ``vae`` with Adam and fit it on the digits of ``config``, with the NaN guard.

    The training loop shared by every model of the package; :func:`train` builds the
    model first. Seed before building the model (:func:`set_seed`) for a reproducible run.

    Parameters
    ----------
    vae : models.VAE
        Built, not yet trained.
    config : TrainingConfig
        Data split, epochs, batch size and learning rate.
    progress : bool, default False
        Print a compact line every 10 epochs.

    Returns
    -------
    vae : models.VAE
        The same model, trained.
    history : dict of str to list of float
    """
    x_train, x_validation = training_data(config)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate), steps_per_execution=STEPS_PER_EXECUTION)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if progress:
        callbacks.append(CompactProgress(every=10))
    history = vae.fit(
        x_train,
        x_train,
        validation_data=(x_validation, x_validation) if len(x_validation) else None,
        epochs=config.epochs,
        batch_size=config.batch_size,
        shuffle=True,
        callbacks=callbacks,
        verbose=0,
    ).history
    history = {name: [float(value) for value in values] for name, values in history.items()}
    check_finite(history)
    return vae, history


def check_finite(history):
    """The NaN guard: raise if any logged loss is NaN or infinite.

    Parameters
    ----------
    history : dict of str to list of float
    """
    names = sorted(history, key=lambda name: name != "loss")  # report the total loss first
    for name in names:
        for epoch, value in enumerate(history[name], start=1):
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"training diverged: {name} became {value} at epoch {epoch}; "
                    "try a smaller learning_rate"
                )


def cache_dir() -> Path:
    """The folder for trained models: ``$VAE_LESSONS_CACHE``, else the user cache.

    Returns
    -------
    path : Path
        ``$VAE_LESSONS_CACHE`` if set, else ``$XDG_CACHE_HOME/vae-lessons``, else
        ``~/.cache/vae-lessons``.
    """
    if os.environ.get("VAE_LESSONS_CACHE"):
        return Path(os.environ["VAE_LESSONS_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vae-lessons"


def cache_metadata(config: TrainingConfig) -> dict:
    """What a cache entry must match to be trusted."""
    return {
        "format": CACHE_FORMAT,
        "config": dataclasses.asdict(config),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "data_sha256": data.SAMPLE_SHA256,
    }


def cache_entry(metadata: dict) -> Path:
    """The cache folder for a model described by ``metadata``, on the current backend."""
    key = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / f"{keras.backend.backend()}-{key}"


def cache_path(config: TrainingConfig) -> Path:
    """The cache folder of one configuration on the current backend."""
    return cache_entry(cache_metadata(config))


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
    return cached(cache_metadata(config), lambda: train(config))


def cached(metadata: dict, train_function, model_type=models.VAE):
    """Load the model cached under ``metadata``, or train it once and cache it.

    The one cache mechanism of the package: an entry is trusted only if its metadata
    equal ``metadata`` and its model file matches its recorded SHA-256; anything else
    is retrained (with a warning) and replaced. Entries are written to a staging folder
    and renamed into place, so an interrupted run never leaves a half-written entry.

    Parameters
    ----------
    metadata : dict
        JSON-serialisable description of everything that determines the model, e.g.
        :func:`cache_metadata` of a config.
    train_function : callable
        Called with no arguments on a cache miss; returns ``(vae, history)``.
    model_type : type, default models.VAE
        The class a cached model must be an instance of.

    Returns
    -------
    vae : model_type
    history : dict of str to list of float
    """
    folder = cache_entry(metadata)
    if folder.exists():
        try:
            return _load_cache_entry(folder, metadata, model_type)
        except ValueError as error:
            warnings.warn(f"retraining: ignoring a damaged or stale cache entry ({error})", stacklevel=3)
    vae, history = train_function()
    _store_cache_entry(folder, metadata, vae, history)
    return vae, history


def _load_cache_entry(folder: Path, metadata: dict, model_type):
    try:
        meta = json.loads((folder / "meta.json").read_text())
        history = json.loads((folder / "history.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{folder}: unreadable metadata ({error})") from None
    if meta.get("metadata") != metadata:
        raise ValueError(f"{folder}: made for another configuration or version")
    model_path = folder / "model.keras"
    if not model_path.is_file() or data.sha256_of(model_path) != meta.get("model_sha256"):
        raise ValueError(f"{model_path}: missing or checksum mismatch")
    check_finite(history)
    vae = models.load_vae(model_path)
    if not isinstance(vae, model_type):
        raise ValueError(f"{model_path}: holds a {type(vae).__name__}, expected a {model_type.__name__}")
    return vae, history


def _store_cache_entry(folder: Path, metadata: dict, vae, history) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    models.save_vae(vae, staging / "model.keras")
    (staging / "history.json").write_text(json.dumps(history))
    meta = {"metadata": metadata, "model_sha256": data.sha256_of(staging / "model.keras")}
    (staging / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
    if folder.exists():  # a damaged or stale entry of ours: replace it
        shutil.rmtree(folder)
    os.replace(staging, folder)


def encode_mean(vae, x, batch_size=1000):
    """The encoder's z_mean for each digit, as a numpy array.

    Parameters
    ----------
    vae : models.VAE
    x : numpy.ndarray, float32, shape (n, 784)

    Returns
    -------
    z_mean : numpy.ndarray, float32, shape (n, latent_dim)
    """
    z_mean, _, _ = vae.encoder.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(z_mean)


def decode(vae, z, batch_size=1000):
    """Decode latent points into pixel means, as a numpy array.

    Parameters
    ----------
    vae : models.VAE
    z : array_like, shape (n, latent_dim)

    Returns
    -------
    x_reconstructed : numpy.ndarray, float32, shape (n, 784)
    """
    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2 or z.shape[1] != vae.latent_dim:
        raise ValueError(f"z: expected shape (n, {vae.latent_dim}), got {z.shape}")
    return np.asarray(vae.decoder.predict(z, batch_size=batch_size, verbose=0))
