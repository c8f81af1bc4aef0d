"""Train (or load from the cache) every model the lessons use, and summarize each.

Usage::

    python -m scripts.train_study

The training is the package's own command, ``vae-lessons-train --all-lesson-models``
(:func:`vae_lessons.train.train_lesson_models`, with its progress bar); this script adds
a summary of each model for maintainers. It trains, once, through the same cache the
lessons use (``~/.cache/vae-lessons`` or
``$VAE_LESSONS_CACHE``), every model of ``vae_lessons.registry.MODELS``: the default,
the latent-size study (latent_dim 2, 8, 20), the beta study (kl_weight 0.5, 1, 2 at
latent_dim 20), the corrected model on the original notebook's 1,000 digits and
settings, the original notebook's model re-created with its bugs (shared epsilon;
shared epsilon plus swapped cross-entropy), the posterior-collapse models (kl_weight 4,
8 and the "mean instead of sum" loss, kl_weight 784, at latent_dim 20), and seeds 1
and 2 of the models whose comparisons differ by a few nats (``registry.SEED_STUDY``).
Then prints one line per model:
its test negative ELBO on the package's 1,000 test digits (one seeded z per digit), its
reconstruction and KL terms, its active latent dimensions, and how long it took to
train or load ("ready in"; add them up for the cold-cache time of the lessons).
"""

from __future__ import annotations

import keras  # after vae_lessons, which picks the backend (ARCHITECTURE.md)

from vae_lessons import cache, data, evaluation, train


def main() -> int:
    _, (test_images, _) = data.load_mnist("sample")
    x_test = data.flatten_and_scale(test_images)
    print(f"backend {keras.backend.backend()}, cache {cache.cache_dir()}")
    for name, vae, seconds, _ in train.train_lesson_models():
        if vae.condition_dim:  # evaluation scores models of x alone; lesson 10 scores this one
            print(f"{name:<36} conditional on the label, ready in {seconds:5.1f} s", flush=True)
            continue
        score = evaluation.held_out_score(vae, x_test)
        z_mean, _ = vae.encode(x_test)
        active = int(evaluation.active_dimensions(z_mean).sum())
        print(
            f"{name:<36} test -ELBO {score.negative_elbo:6.1f} nats "
            f"(reconstruction {score.reconstruction:6.1f}, KL {score.kl:5.1f}), "
            f"active {active}/{vae.latent_dim}, ready in {seconds:5.1f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
