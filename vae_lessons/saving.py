"""Lesson 4: saving a VAE to a ``.keras`` file and loading it safely.

:func:`save_vae` never overwrites a file. :func:`load_vae` checks the archive's config
before Keras reads it (no class outside Keras and ``vae_lessons``, no layer that runs
code or reads a file), then loads with Keras's ``safe_mode=True``: nothing is unpickled.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import zipfile
from pathlib import Path

import keras

from vae_lessons import conditional, validation  # noqa: F401  (conditional: registers ConditionalVAE for loading)
from vae_lessons.models import VAE


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            validation.message(
                "path",
                "a file path (str or pathlib.Path) ending in .keras",
                path,
            )
        )
    return path


def save_vae(vae, path):
    """Save a VAE to a ``.keras`` file; never overwrites an existing file.

    Parameters
    ----------
    vae : VAE
    path : str or Path
        Must end in ``.keras`` and must not exist yet.
    """
    path = Path(_check_path(path))
    if not isinstance(vae, VAE):
        raise TypeError(
            validation.message(
                "vae", "a vae_lessons models.VAE", type(vae).__name__
            )
        )
    if path.suffix != ".keras":
        raise ValueError(f"{path}: the file name must end in .keras")
    if path.exists():
        raise ValueError(
            f"{path}: file exists; choose a new name or delete it first"
        )
    with _no_tensorflow_probe():
        vae.save(path)


@contextlib.contextmanager
def _no_tensorflow_probe():
    """While saving on JAX or PyTorch, tell Keras's serializer TensorFlow is absent.

    Keras's serializer asks whether TensorFlow is installed (``tf.available`` in
    ``keras/src/saving/serialization_lib.py``) to test each value against TensorFlow's
    types, and asking imports TensorFlow: seconds in every process that saves a model
    (each lesson, kernel and test worker on a cache miss). When TensorFlow has not been
    imported, no value can be of its types, so the answer "absent" changes nothing
    saved (``tests/test_models.py`` compares the files). Hand-written because Keras
    offers no switch; it touches Keras's private lazy module only if it has the
    attribute read here, and restores it.
    """
    from keras.src.utils import module_utils

    probe = getattr(module_utils, "tensorflow", None)
    skip = (
        keras.backend.backend() != "tensorflow"
        and "tensorflow" not in sys.modules
        and probe is not None
        and getattr(probe, "_available", True) is None  # not asked yet
    )
    if not skip:
        yield
        return
    probe._available = False
    try:
        yield
    finally:
        probe._available = (
            None  # asked again, for real, the next time anyone asks
        )


# Layers that run code or read files named in a config: a VAE of this package holds
# none of them, so an archive naming one is refused before Keras reads it, whatever the
# Keras version (Keras's safe_mode refuses them too since 3.12: defence in depth).
_REFUSED_CLASSES = frozenset(
    {
        "Lambda",
        "StringLookup",
        "IntegerLookup",
        "TextVectorization",
        "TFSMLayer",
        "TorchModuleWrapper",
        "JaxLayer",
        "FlaxLayer",
        "__lambda__",
        # Keras functions that earlier bypasses called from a config (CVE-2025-8747, -9906).
        "enable_unsafe_deserialization",
        "get_file",
    }
)


def _refuse_unsafe_config(path, config):
    """Raise ValueError if a .keras config names a class outside Keras and vae_lessons, or a refused one."""
    stack = [config]
    while (
        stack
    ):  # every nested object of the config (iterative: no recursion limit)
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            module, class_name = node.get("module"), node.get("class_name")
            if (
                isinstance(class_name, str)
                and class_name in _REFUSED_CLASSES
            ):
                raise ValueError(
                    f"{path}: refused: the model config holds a {class_name} (code or file access on loading)"
                )
            if module is not None and not (
                isinstance(module, str)
                and module.split(".")[0] in ("keras", "vae_lessons")
            ):
                raise ValueError(
                    f"{path}: refused: the model config names {module!r}, outside Keras and vae_lessons"
                )
            stack.extend(node.values())


def _read_config(path):
    """The ``config.json`` of a ``.keras`` archive, read without extracting anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > _MAX_CONFIG_BYTES:
                raise ValueError(
                    f"{path}: config.json of {info.file_size} bytes is too large for a VAE"
                )
            text = archive.read(info)
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 -- zipfile.BadZipFile, KeyError (no config.json), OSError, ...
        raise ValueError(
            f"{path}: not a loadable vae_lessons model ({type(error).__name__}: {error})"
        ) from None
    try:
        config = json.loads(text)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(
            f"{path}: config.json is not JSON ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(config, dict):
        raise ValueError(  # noqa: TRY004 (a damaged file is a bad value, not a bad type)
            f"{path}: config.json holds a {type(config).__name__}, not a model's config"
        )
    return config


_MAX_CONFIG_BYTES = 1_000_000  # a VAE's config is about 10 kB


def load_vae(path):
    """Load a VAE saved by :func:`save_vae` (``safe_mode=True``: no arbitrary code).

    The archive's config is checked first: a class outside Keras and ``vae_lessons``,
    a ``Lambda`` layer or a layer that reads a file named in its config (``StringLookup``
    ...) is refused before Keras deserialises anything; then Keras loads it with
    ``safe_mode=True`` and ``compile=False``. Nothing is unpickled.

    Parameters
    ----------
    path : str or Path
        A ``.keras`` file.

    Returns
    -------
    vae : VAE

    Raises
    ------
    ValueError
        If the file is missing, unreadable, refused, or not a VAE of this package.
    """
    path = Path(_check_path(path))
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    if path.suffix != ".keras":
        raise ValueError(f"{path}: expected a .keras file")
    _refuse_unsafe_config(path, _read_config(path))
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # noqa: BLE001 (any failure becomes one clear error)
        raise ValueError(
            f"{path}: not a loadable vae_lessons model ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(model, VAE):
        raise ValueError(  # noqa: TRY004 (a damaged file is a bad value, not a bad type)
            f"{path}: holds a {type(model).__name__}, not a vae_lessons VAE"
        )
    return model
