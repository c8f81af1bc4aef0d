"""The model cache: train a model once, load it afterwards, never lose a training.

``cached(metadata, train_function)`` returns the model cached under ``metadata`` or
trains it with ``train_function()`` and stores it. The folder is ``$VAE_LESSONS_CACHE``,
else the user cache (``~/.cache/vae-lessons``). A classroom shares one such folder
between many kernels and users, so the cache promises:

* **a finished training is never lost**: if the model cannot be stored (read-only or
  missing folder, a file where a folder should be, disk full), it is returned anyway
  with one :class:`CacheWarning` saying where, why, and how to fix it;
* **damaged entries are retrained, never trusted**: unreadable or malformed files,
  a model whose SHA-256 differs from the recorded one, a non-finite history, a model of
  another class or of another architecture than the caller expects;
* **concurrent kernels are safe**: one file lock per entry (``filelock``) makes a
  second kernel wait for the first one's training and then load its model; entries
  are written to a staging folder and renamed into place, so a reader never sees a
  half-written entry, and staging folders left by killed processes are cleaned;
* **shared folders work**: entries are created with the process's umask (not 0700) and
  inherit the group of a set-group-ID parent, so a group can share one cache.

Models are loaded with :func:`vae_lessons.saving.load_vae` (Keras ``safe_mode``: no
unpickling, no arbitrary code).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path

import filelock
import keras

from vae_lessons import _model_cache_folder, models, saving, validation

LOCK_TIMEOUT = 1800.0
"""Seconds a kernel waits for another kernel training the same entry before training itself."""

ORPHAN_AGE = 3600.0
"""Seconds after which a staging or discarded folder is an orphan of a killed process.

Writing an entry takes seconds (the training happens before the staging folder exists),
so an hour-old staging folder cannot belong to a running store.
"""

_STAGING_PREFIX = ".staging-"
_DISCARDED_PREFIX = ".discarded-"


class CacheWarning(UserWarning):
    """A cache entry was retrained or could not be stored; the model is still returned."""


def cache_dir() -> Path:
    """The folder for trained models: ``$VAE_LESSONS_CACHE``, else the user cache.

    Returns
    -------
    path : Path
        ``$VAE_LESSONS_CACHE`` if set, else ``$XDG_CACHE_HOME/vae-lessons``, else
        ``~/.cache/vae-lessons``.
    """
    return Path(_model_cache_folder())


def cache_entry(metadata: dict) -> Path:
    """The cache folder for a model described by ``metadata``, on the current backend.

    Parameters
    ----------
    metadata : dict
        JSON-serialisable; equal dictionaries give the same folder.

    Returns
    -------
    folder : Path
        ``cache_dir() / "<backend>-<first 16 hex digits of the SHA-256 of metadata>"``.
    """
    expected = (
        "a dict of JSON values (e.g. training.cache_metadata(config))"
    )
    if not isinstance(metadata, dict):
        raise TypeError(validation.message("metadata", expected, metadata))
    try:
        text = json.dumps(metadata, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            validation.message(
                "metadata", expected, f"{type(error).__name__}: {error}"
            )
        ) from None
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    return cache_dir() / f"{keras.backend.backend()}-{key}"


def cached(
    metadata: dict, train_function, model_type=models.VAE, check_model=None
):
    """Load the model cached under ``metadata``, or train it once and cache it.

    The one cache mechanism of the package. An entry is trusted only if its metadata
    equal ``metadata``, its model file matches its recorded SHA-256, loads safely, is a
    ``model_type`` and passes ``check_model``, and its history is finite; anything else
    is retrained (with a :class:`CacheWarning`) and replaced. A kernel that finds no
    valid entry takes the entry's file lock, so kernels training the same entry at once
    train it once: the others wait, then load it.

    Parameters
    ----------
    metadata : dict
        JSON-serialisable description of everything that determines the model, e.g.
        :func:`vae_lessons.training.cache_metadata` of a config.
    train_function : callable
        Called with no arguments on a cache miss; returns ``(model, history)``.
    model_type : type, default models.VAE
        The class a cached model must be an instance of.
    check_model : callable or None
        Called with a loaded model; raises ``ValueError`` if the model does not fit
        the configuration (e.g. :func:`architecture_check`). The checksum proves only
        that the file is the one recorded, not that it is the right model.

    Returns
    -------
    model : model_type
    history : dict of str to list of float
        The per-epoch losses recorded when the model was trained.
    """
    folder = cache_entry(metadata)
    try:  # the common case, without waiting for a lock: a complete, valid entry
        return load_entry(folder, metadata, model_type, check_model)
    except ValueError:
        pass  # missing, damaged, or being replaced: decide under the lock
    with _entry_lock(folder):
        if folder.exists() or folder.is_symlink():
            try:  # another kernel may have stored it while we waited
                return load_entry(folder, metadata, model_type, check_model)
            except ValueError as error:
                warnings.warn(
                    f"retraining: ignoring a damaged or stale cache entry ({error})",
                    CacheWarning,
                    stacklevel=3,
                )
        model, history = train_function()
        try:
            _write_entry(folder, metadata, model, history)
        except OSError as error:
            warnings.warn(
                _store_failure_message(folder, error),
                CacheWarning,
                stacklevel=3,
            )
    return model, history


def architecture_check(
    latent_dim: int, hidden_units: int, condition_dim: int = 0
):
    """A ``check_model`` for :func:`cached`: the model must be the MLP VAE of this size.

    Compares the shapes of the trainable weights of the encoder and decoder built by
    :func:`vae_lessons.models.build_vae` (784 -> hidden_units -> latent_dim -> hidden_units
    -> 784) with those of the loaded model, without building a model (building one
    would draw from Keras's random state).

    Parameters
    ----------
    latent_dim, hidden_units : int
    condition_dim : int, default 0
        Extra input columns of encoder and decoder (10 for a conditional VAE).

    Returns
    -------
    check : callable
        ``check(model)`` raises ``ValueError`` naming both architectures if they differ.
    """
    pixels, hidden, latent = models.NUM_PIXELS, hidden_units, latent_dim
    expected = sorted(
        [
            (pixels + condition_dim, hidden),
            (hidden,),
            (hidden, latent),
            (latent,),
            (hidden, latent),
            (latent,),
        ]  # encoder
        + [
            (latent + condition_dim, hidden),
            (hidden,),
            (hidden, pixels),
            (pixels,),
        ]  # decoder
    )

    def check(model):
        shapes = sorted(
            tuple(int(size) for size in weight.shape)
            for weight in model.trainable_weights
        )
        if shapes != expected:
            raise ValueError(
                f"holds a model of weight shapes {shapes}, expected latent_dim={latent_dim} and "
                f"hidden_units={hidden_units}, i.e. {expected}"
            )

    return check


def load_entry(
    folder: Path, metadata: dict, model_type=models.VAE, check_model=None
):
    """Load and check one cache entry.

    Parameters
    ----------
    folder : Path
        The entry, as given by :func:`cache_entry`.
    metadata, model_type, check_model
        As for :func:`cached`.

    Returns
    -------
    model : model_type
    history : dict of str to list of float

    Raises
    ------
    ValueError
        If the entry is missing, unreadable, stale or damaged, naming the file and why.
    """
    try:
        meta = json.loads((folder / "meta.json").read_text())
        history = json.loads((folder / "history.json").read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{folder}: unreadable entry ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(meta, dict) or not isinstance(
        meta.get("model_sha256"), str
    ):
        raise ValueError(  # noqa: TRY004 (a damaged file is a bad value, not a bad type)
            f"{folder / 'meta.json'}: malformed (expected an object with model_sha256)"
        )
    if meta.get("metadata") != metadata:
        raise ValueError(
            f"{folder}: made for another configuration or version"
        )
    _check_history(history, folder / "history.json")
    model_path = folder / "model.keras"
    try:
        checksum = hashlib.sha256(model_path.read_bytes()).hexdigest()
    except OSError as error:
        raise ValueError(
            f"{model_path}: unreadable ({type(error).__name__}: {error})"
        ) from None
    if checksum != meta["model_sha256"]:
        raise ValueError(f"{model_path}: checksum mismatch")
    model = saving.load_vae(
        model_path
    )  # raises ValueError if not loadable safely
    if not isinstance(model, model_type):
        raise ValueError(  # noqa: TRY004 (a damaged file is a bad value, not a bad type)
            f"{model_path}: holds a {type(model).__name__}, expected a {model_type.__name__}"
        )
    if check_model is not None:
        try:
            check_model(model)
        except ValueError as error:
            raise ValueError(f"{model_path}: {error}") from None
    return model, history


def _check_history(history, path: Path) -> None:
    """Raise ValueError unless ``history`` maps names to equally long, non-empty lists of finite numbers."""
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError(
            f"{path}: malformed (expected an object with a 'loss' list)"
        )
    lengths = set()
    for name, values in history.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"{path}: {name!r} is not a non-empty list")
        for value in values:
            # json gives int/float for numbers; bool is an int but not a loss.
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise ValueError(
                    f"{path}: {name!r} holds {value!r}, not a finite number"
                )
        lengths.add(len(values))
    if len(lengths) != 1:
        raise ValueError(
            f"{path}: the lists have different lengths {sorted(lengths)}"
        )


def store_entry(folder: Path, metadata: dict, model, history) -> None:
    """Write (or replace) one cache entry, holding the entry's lock.

    The entry is written to a staging folder and renamed into place; an existing entry
    (a folder or a file) is first renamed aside, so a reader without the lock sees the
    old entry, no entry, or the new one, never a mixture it would trust (a mixture fails
    the checksum), and a reader holding the lock sees only complete entries. Orphaned
    staging folders older than :data:`ORPHAN_AGE` are removed.

    Parameters
    ----------
    folder : Path
    metadata : dict
    model : models.VAE
    history : dict of str to list of float

    Raises
    ------
    OSError
        If the entry cannot be written.
    """
    with _entry_lock(folder):
        _write_entry(folder, metadata, model, history)


def _write_entry(folder: Path, metadata: dict, model, history) -> None:
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(parent)
    # os.mkdir, unlike tempfile.mkdtemp (mode 0700), applies the umask and a setgid
    # parent's group, so the entry is as readable as any other file the user creates.
    staging = parent / f"{_STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        saving.save_vae(model, staging / "model.keras")
        (staging / "history.json").write_text(json.dumps(history))
        meta = {
            "metadata": metadata,
            "model_sha256": hashlib.sha256(
                (staging / "model.keras").read_bytes()
            ).hexdigest(),
        }
        (staging / "meta.json").write_text(
            json.dumps(meta, indent=1, sort_keys=True)
        )
        if folder.exists() or folder.is_symlink():
            _discard(
                folder
            )  # a damaged or stale entry: renamed aside, then removed
        try:
            os.rename(staging, folder)
        except OSError:
            # Only without a lock can another process store it first: keep theirs.
            if not folder.is_dir():
                raise
    finally:
        _remove(staging)


def _discard(path: Path) -> None:
    aside = (
        path.parent / f"{_DISCARDED_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
    )
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return  # another process discarded it first
    _remove(aside)


def _remove(path: Path) -> None:
    """Remove a file or folder if present; leftovers are orphans, cleaned later."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def _remove_orphans(parent: Path) -> None:
    now = time.time()
    for path in parent.glob(".*-*"):
        if not path.name.startswith((_STAGING_PREFIX, _DISCARDED_PREFIX)):
            continue
        try:
            if now - path.lstat().st_mtime > ORPHAN_AGE:
                _remove(path)
        except OSError:
            pass  # removed meanwhile by another process


@contextlib.contextmanager
def _entry_lock(folder: Path):
    """Hold the entry's file lock, or no lock if the cache folder cannot hold one.

    Without a lock (read-only or missing folder, a lock held for over
    :data:`LOCK_TIMEOUT`) the store is still atomic; two kernels may then both train.
    """
    lock = filelock.FileLock(
        str(folder.with_name(folder.name + ".lock")), timeout=LOCK_TIMEOUT
    )
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except (OSError, filelock.Timeout):
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _store_failure_message(folder: Path, error: OSError) -> str:
    return (
        f"could not store the trained model in the cache folder {folder.parent} "
        f"({type(error).__name__}: {error}); the model is returned but not cached, so the "
        "next call trains it again. Set VAE_LESSONS_CACHE to a folder you can write to, "
        "e.g. os.environ['VAE_LESSONS_CACHE'] = os.path.expanduser('~/vae-cache')."
    )


__all__ = [
    "CacheWarning",
    "architecture_check",
    "cache_dir",
    "cache_entry",
    "cached",
    "load_entry",
    "store_entry",
]
