"""Benchmark held-out quality: test negative ELBO and importance-weighted -log p(x).

Usage::

    python -m benchmarks.quality [--quick]     # prints JSON; run_all.py stores it

Scores the default model (and, for comparison, the best model of lesson 8's study and
the original 2018 notebook's model re-created with its bugs) on the real MNIST test
set, ``../shared/data/mnist-test/t10k-*.gz`` relative to the repository, after checking
its ``SHA256SUMS``: evaluation only, never training, never copied into the repository.
Without that folder it falls back to the package's own 1,000 test digits and says so.
Lessons 9 and 10's convolutional models are scored the same way; the one trained on
dynamically binarized digits is scored on one fixed binarization of the test digits
(``architectures.binarize``, seed 0), the setting of published binarized-MNIST results.
The conditional model is scored with each test digit's label given (its negative ELBO
only: :func:`conditional_score`). Models come from the registry (``registry.trained``),
through the training cache, trained once if needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from vae_lessons import architectures, conditional, data, evaluation, losses, registry, sampling

import keras  # after vae_lessons, which picks the backend (ARCHITECTURE.md)

REPO = Path(__file__).resolve().parents[1]
MNIST_TEST = REPO.parent / "shared" / "data" / "mnist-test"
IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


def verified_mnist_test(folder: Path = MNIST_TEST, labels: bool = False):
    """The real MNIST test digits as float32 (10000, 784), or None if the folder is absent.

    With ``labels=True``, the pair ``(x, labels)``, labels int (10000,) (or None).

    Raises
    ------
    ValueError
        If the folder exists but a file is missing or fails its SHA256SUMS line.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    sums_path = folder / "SHA256SUMS"
    if not sums_path.is_file():
        raise ValueError(f"{sums_path}: missing; cannot verify the MNIST test files")
    expected = {}
    for line in sums_path.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            expected[name.lstrip("*")] = digest
    for name in (IMAGES, LABELS):
        if name not in expected:
            raise ValueError(f"{sums_path}: no checksum for {name}")
        actual = data.sha256_of(folder / name)
        if actual != expected[name]:
            raise ValueError(f"{folder / name}: SHA-256 {actual} does not match SHA256SUMS ({expected[name]})")
    images, digit_labels = data.load_idx_pair(folder / IMAGES, folder / LABELS)
    x = data.flatten_and_scale(images)
    return (x, np.asarray(digit_labels, np.int64)) if labels else x


def conditional_score(vae, x, labels, seed=0):
    """The test negative ELBO of a conditional VAE, each digit's label given, nats per digit.

    ``evaluation.held_out_score`` scores models of ``x`` alone; this is the same
    estimate (one seeded z per digit, the same noise streams, the exact KL) with
    ``encode(x, labels)`` and ``decode(z, labels)``.

    Parameters
    ----------
    vae : conditional.ConditionalVAE
    x : numpy.ndarray, shape (n, 784)
    labels : numpy.ndarray of int, shape (n,)
    seed : int >= 0, default 0

    Returns
    -------
    score : evaluation.HeldOutScore
    """
    z_mean, z_log_var = vae.encode(x, labels)  # 2 x (n, latent_dim)
    epsilon = evaluation.noise(seed, 0, len(x), 1, vae.latent_dim)[:, 0]  # (n, latent_dim)
    z = keras.ops.convert_to_numpy(sampling.reparameterize(z_mean, z_log_var, epsilon))
    decoded = vae.decode(z, labels)  # (n, 784)
    reconstruction = keras.ops.convert_to_numpy(losses.reconstruction_loss(x, decoded)).astype(np.float64)  # (n,)
    kl = keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var)).astype(np.float64)  # (n,)
    negative_elbo = reconstruction + kl
    return evaluation.HeldOutScore(
        negative_elbo=float(negative_elbo.mean()),
        reconstruction=float(reconstruction.mean()),
        kl=float(kl.mean()),
        standard_error=float(negative_elbo.std(ddof=1) / np.sqrt(len(x))),
        num_digits=len(x),
    )


MODELS_TO_SCORE = {
    "default (latent_dim 2, 3,600 digits, 30 epochs)": "default",
    "latent_dim 20 (lesson 8's best)": registry.LATENT_DIM_STUDY[20],
    "corrected, original's 1,000 digits and settings": "original settings, corrected",
    "original: shared epsilon": "original settings, shared epsilon",
    "original as written: shared epsilon + swapped BCE": "original as written",
    "conv, latent_dim 2 (lesson 9)": registry.ARCHITECTURE_STUDY[("conv", 2)],
    "conv, latent_dim 20 (lesson 9)": registry.ARCHITECTURE_STUDY[("conv", 20)],
    "conv, latent_dim 20, binarized (lesson 10)": registry.BINARIZED_MODEL,
    "conditional, latent_dim 2, label given (lesson 10)": registry.CONDITIONAL_MODEL,
}
"""Benchmark label -> name in ``vae_lessons.registry.MODELS``."""


def score_entry(name, registry_name, x, x_binary, labels, importance_samples=()) -> dict:
    """One model's row of the quality table: JSON-ready scores on ``x`` (or ``x_binary``).

    Parameters
    ----------
    name : str
        The row's label.
    registry_name : str
        Its name in ``registry.MODELS``.
    x, x_binary : numpy.ndarray, shape (n, 784)
        Grey-level test digits and their fixed binarization (for a binarized model).
    labels : numpy.ndarray of int, shape (n,) or None
        The test labels, which a conditional model needs (None: skip it).
    importance_samples : sequence of int
        The ``k`` of each importance-weighted estimate (not for the conditional model).

    Returns
    -------
    entry : dict or None
        None for a conditional model without labels.
    """
    vae, _ = registry.trained(registry_name)
    config = registry.spec(registry_name).config
    if config.conditional and labels is None:
        return None
    x = x_binary if config.binarized else x
    start = time.perf_counter()
    if config.conditional:
        score = conditional_score(vae, x, labels, seed=0)
    else:
        score = evaluation.held_out_score(vae, x, seed=0)
    entry = {
        "model": name,
        "registry_name": registry_name,
        "test_digits": "binarized once (seed 0)" if config.binarized else "grey levels",
        "parameters": vae.count_params(),
        "latent_dim": vae.latent_dim,
        "negative_elbo": round(score.negative_elbo, 2),
        "reconstruction": round(score.reconstruction, 2),
        "kl": round(score.kl, 2),
        "standard_error": round(score.standard_error, 2),
        "importance_weighted": {},
    }
    if config.conditional:
        entry["importance_weighted_note"] = "not measured: evaluation's estimate takes no labels"
        z_mean, _ = vae.encode(x, labels)
    else:
        for k in importance_samples:
            log_likelihood = evaluation.importance_weighted_log_likelihood(vae, x, k, seed=0)
            entry["importance_weighted"][str(k)] = round(float(-log_likelihood.mean()), 2)
        z_mean, _ = vae.encode(x)
    entry["seconds"] = round(time.perf_counter() - start, 1)
    entry["active_dimensions"] = int(evaluation.active_dimensions(z_mean).sum())
    return entry


def test_digits(quick=False, folder: Path = MNIST_TEST):
    """The digits to score on: ``(x, labels, description)``; the package's sample without ``folder``."""
    loaded = verified_mnist_test(folder, labels=True)
    if loaded is None:
        _, (images, labels) = data.load_mnist("sample")
        x, test_set = data.flatten_and_scale(images), "package sample test split (1,000 digits; real MNIST test set not found)"
    else:
        (x, labels), test_set = loaded, f"real MNIST test set, {len(loaded[0]):,} digits ({folder.name}, SHA-256 verified)"
    if quick:
        x, labels = x[:500], labels[:500]
        test_set += ", first 500 digits only (--quick)"
    return x, np.asarray(labels), test_set


def run(quick: bool = False, folder: Path = MNIST_TEST) -> dict:
    """Score every model; returns a JSON-ready dict."""
    x_test, labels, test_set = test_digits(quick, folder)
    k_all, k_default = (10, 100) if quick else (100, 1000)
    x_test_binary = architectures.binarize(x_test, seed=0)  # one fixed draw
    results = []
    for index, (name, registry_name) in enumerate(MODELS_TO_SCORE.items()):
        entry = score_entry(name, registry_name, x_test, x_test_binary, labels, (k_all, k_default) if index == 0 else (k_all,))
        results.append(entry)
        print(f"  {name}: -ELBO {entry['negative_elbo']:.1f}, IWAE {entry['importance_weighted']}", file=sys.stderr, flush=True)
    return {
        "test_set": test_set,
        "num_digits": len(x_test),
        "backend": keras.backend.backend(),
        "seed": 0,
        "note": "nats per digit; negative ELBO with one seeded z per digit; importance-weighted "
        "estimate -L_k with k samples per digit (an upper bound on -log p(x)); grey-level pixels "
        "under a Bernoulli likelihood, so not comparable with binarized-MNIST results, except the "
        "model scored on binarized test digits (still trained on 3,600 digits only); the "
        "conditional model is given each digit's label, so its score is -log p(x | label), "
        "not comparable with the others' -log p(x)",
        "models": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 digits and smaller k (a smoke test)")
    parser.add_argument("--mnist-test", type=Path, default=MNIST_TEST, help="folder of the real MNIST test set")
    args = parser.parse_args(argv)
    print(json.dumps(run(quick=args.quick, folder=args.mnist_test), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
