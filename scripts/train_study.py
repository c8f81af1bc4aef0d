"""Train (or load from the cache) every model lesson 7 evaluates, and summarize each.

Usage::

    python scripts/train_study.py

Trains, once, through the same cache the lessons use (``~/.cache/vae-lessons`` or
``$VAE_LESSONS_CACHE``): the latent-size study (latent_dim 2, 8, 20), the beta study
(kl_weight 0.5, 1, 2 at latent_dim 20), the corrected model on the original notebook's
1,000 digits and settings, and the original notebook's model re-created with its bugs
(shared epsilon; shared epsilon plus swapped cross-entropy). Prints one line per model:
its test negative ELBO on the package's 1,000 test digits (one seeded z per digit), its
reconstruction and KL terms, and its active latent dimensions.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

from vae_lessons import cache, data, evaluation, original, training  # noqa: E402


def study_models():
    """Every model of the study as ``(name, loader)`` pairs; loaders return ``(vae, history)``."""
    entries = []
    for latent_dim, config in evaluation.latent_dim_study().items():
        entries.append((f"latent_dim={latent_dim} kl_weight=1", config, training.trained_vae))
    for kl_weight, config in evaluation.kl_weight_study().items():
        if kl_weight != 1.0:  # kl_weight 1 at latent_dim 20 is already in the latent-size study
            entries.append((f"latent_dim={config.latent_dim} kl_weight={kl_weight:g}", config, training.trained_vae))
    config = original.ORIGINAL_CONFIG
    entries.append(("corrected, original's 1,000 digits and settings", config, training.trained_vae))
    entries.append(("original: shared epsilon", config, lambda c: original.trained_original_vae(c, swapped_bce=False)))
    entries.append(("original as written: shared epsilon + swapped BCE", config, original.trained_original_vae))
    return entries


def main() -> int:
    _, (test_images, _) = data.load_mnist("sample")
    x_test = data.flatten_and_scale(test_images)
    print(f"backend {keras.backend.backend()}, cache {cache.cache_dir()}")
    for name, config, load in study_models():
        start = time.perf_counter()
        vae, _ = load(config)
        seconds = time.perf_counter() - start
        score = evaluation.held_out_score(vae, x_test)
        z_mean, _ = evaluation.encode(vae, x_test)
        active = int(evaluation.active_dimensions(z_mean).sum())
        print(
            f"{name:<52} test -ELBO {score.negative_elbo:6.1f} nats "
            f"(reconstruction {score.reconstruction:6.1f}, KL {score.kl:5.1f}), "
            f"active {active}/{vae.latent_dim}, ready in {seconds:5.1f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
