"""Benchmark held-out quality: test negative ELBO and importance-weighted -log p(x).

Usage::

    python -m benchmarks.quality [--quick]     # prints JSON; run_all.py stores it

Scores the default model (and, for comparison, the best model of lesson 7's study and
the original 2018 notebook's model re-created with its bugs) on the real MNIST test
set, ``../shared/data/mnist-test/t10k-*.gz`` relative to the repository, after checking
its ``SHA256SUMS``: evaluation only, never training, never copied into the repository.
Without that folder it falls back to the package's own 1,000 test digits and says so.
Lesson 9's convolutional models are scored the same way; the one trained on
dynamically binarized digits is scored on one fixed binarization of the test digits
(``architectures.binarize``, seed 0), the setting of published binarized-MNIST results.
The conditional model is not scored here: ``evaluation`` does not take labels yet.
Models come from the registry (``registry.trained``), through the training cache,, trained once if needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from vae_lessons import architectures, data, evaluation, registry

import keras  # after vae_lessons, which picks the backend (ARCHITECTURE.md)

REPO = Path(__file__).resolve().parents[1]
MNIST_TEST = REPO.parent / "shared" / "data" / "mnist-test"
IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


def verified_mnist_test(folder: Path = MNIST_TEST):
    """The real MNIST test digits as float32 (10000, 784), or None if the folder is absent.

    Raises
    ------
    ValueError
        If the folder exists but a file is missing or fails its SHA256SUMS line.
    """
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
    images, _ = data.load_idx_pair(folder / IMAGES, folder / LABELS)
    return data.flatten_and_scale(images)


MODELS_TO_SCORE = {
    "default (latent_dim 2, 3,600 digits, 30 epochs)": "default",
    "latent_dim 20 (lesson 7's best)": registry.LATENT_DIM_STUDY[20],
    "corrected, original's 1,000 digits and settings": "original settings, corrected",
    "original: shared epsilon": "original settings, shared epsilon",
    "original as written: shared epsilon + swapped BCE": "original as written",
    "conv (16, 32), latent_dim 2 (lesson 9)": registry.ARCHITECTURE_STUDY[("conv", 2)],
    "conv (16, 32), latent_dim 20 (lesson 9)": registry.ARCHITECTURE_STUDY[("conv", 20)],
    "conv (16, 32), latent_dim 20, binarized (lesson 9)": registry.BINARIZED_MODEL,
}
"""Benchmark label -> name in ``vae_lessons.registry.MODELS``."""


def run(quick: bool = False) -> dict:
    """Score every model; returns a JSON-ready dict."""
    x_test = verified_mnist_test()
    if x_test is None:
        _, (images, _) = data.load_mnist("sample")
        x_test, test_set = data.flatten_and_scale(images), "package sample test split (1,000 digits; real MNIST test set not found)"
    else:
        test_set = f"real MNIST test set, {len(x_test):,} digits ({MNIST_TEST.name}, SHA-256 verified)"
    if quick:
        x_test = x_test[:500]
        test_set += ", first 500 digits only (--quick)"
    k_all, k_default = (10, 100) if quick else (100, 1000)
    results = []
    x_test_binary = architectures.binarize(x_test, seed=0)  # one fixed draw
    for index, (name, registry_name) in enumerate(MODELS_TO_SCORE.items()):
        vae, _ = registry.trained(registry_name)
        binarized = registry.spec(registry_name).config.binarized
        x = x_test_binary if binarized else x_test
        start = time.perf_counter()
        score = evaluation.held_out_score(vae, x, seed=0)
        entry = {
            "model": name,
            "test_digits": "binarized once (seed 0)" if binarized else "grey levels",
            "parameters": vae.count_params(),
            "latent_dim": vae.latent_dim,
            "negative_elbo": round(score.negative_elbo, 2),
            "reconstruction": round(score.reconstruction, 2),
            "kl": round(score.kl, 2),
            "standard_error": round(score.standard_error, 2),
            "importance_weighted": {},
        }
        for k in (k_all, k_default) if index == 0 else (k_all,):
            log_likelihood = evaluation.importance_weighted_log_likelihood(vae, x, k, seed=0)
            entry["importance_weighted"][str(k)] = round(float(-log_likelihood.mean()), 2)
        entry["seconds"] = round(time.perf_counter() - start, 1)
        z_mean, _ = vae.encode(x)
        entry["active_dimensions"] = int(evaluation.active_dimensions(z_mean).sum())
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
        "model scored on binarized test digits (still trained on 3,600 digits only)",
        "models": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 digits and smaller k (a smoke test)")
    args = parser.parse_args(argv)
    print(json.dumps(run(quick=args.quick), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
