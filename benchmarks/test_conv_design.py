"""The lesson-9 benchmarks' helpers: augmentation, candidates' optimizers, conditional scoring.

Run with ``pytest benchmarks/`` (not in the default test paths)."""

import dataclasses

import keras
import numpy as np
import pytest

from benchmarks import conv_design, quality
from vae_lessons import conditional, evaluation, losses, models, sampling, training


def digits(n, seed=1):
    """Digits with an empty 4-pixel border, as MNIST's: (n, 784) in [0, 1]."""
    images = np.zeros((n, 28, 28), np.float32)
    images[:, 4:24, 4:24] = np.random.default_rng(seed).random((n, 20, 20))
    return images.reshape(n, 784)


def test_shifted_copies_moves_each_digit_by_at_most_max_shift():
    x = digits(50)
    augmented = conv_design.shifted_copies(x, copies=2, max_shift=1, seed=0)
    assert augmented.shape == (150, 784) and augmented.dtype == x.dtype
    np.testing.assert_array_equal(augmented[:50], x)  # the originals come first
    images = x.reshape(-1, 28, 28)
    moved = 0
    for copy in (augmented[50:100], augmented[100:]):
        for image, shifted in zip(images, copy.reshape(-1, 28, 28)):
            offsets = [
                (rows, columns) for rows in (-1, 0, 1) for columns in (-1, 0, 1)
                if np.array_equal(np.roll(image, (rows, columns), axis=(0, 1)), shifted)
            ]
            assert offsets, "a copy is not the digit shifted by at most one pixel"
            moved += offsets != [(0, 0)]
    assert moved > 50  # most digits move (8 of the 9 offsets do)
    np.testing.assert_array_equal(conv_design.shifted_copies(x, 2, 1, seed=0), augmented)  # seeded


def test_candidates_are_unique_and_their_optimizers_follow_their_settings():
    names = [candidate.name for candidate in conv_design.CANDIDATES]
    assert len(names) == len(set(names))
    training.set_seed(0)
    vae = models.build_vae(latent_dim=2, hidden_units=8)
    cosine = conv_design.Candidate("cosine", cosine_decay=True, weight_decay=1e-2, epochs=3, batch_size=10)
    conv_design.compile_candidate(vae, cosine, num_digits=95)
    assert isinstance(vae.optimizer, keras.optimizers.AdamW)
    schedule = vae.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.decay_steps == 30  # 10 batches of 10 digits, 3 epochs: decayed to 0 at the end
    plain = conv_design.Candidate("plain")
    conv_design.compile_candidate(vae, plain, num_digits=95)
    # plain Adam, not AdamW (a subclass of Adam); on PyTorch, Keras's Adam is a backend subclass
    assert isinstance(vae.optimizer, keras.optimizers.Adam) and not isinstance(vae.optimizer, keras.optimizers.AdamW)
    x = digits(10)
    assert conv_design.training_digits(plain, x) is x
    assert len(conv_design.training_digits(conv_design.Candidate("shifted", shifted_copies=1), x)) == 20


def test_conditional_score_is_the_elbo_with_the_labels_given():
    training.set_seed(0)
    vae = models.build_vae(latent_dim=2, hidden_units=16, vae_class=conditional.ConditionalVAE)
    x, labels = digits(20), np.arange(20) % 10
    score = quality.conditional_score(vae, x, labels, seed=0)
    # by hand: the same noise stream per digit as evaluation.held_out_score
    z_mean, z_log_var = vae.encode(x, labels)
    epsilon = np.stack([np.random.default_rng([0, i]).standard_normal(2) for i in range(20)])
    z = keras.ops.convert_to_numpy(sampling.reparameterize(z_mean, z_log_var, epsilon))
    reconstruction = keras.ops.convert_to_numpy(losses.reconstruction_loss(x, vae.decode(z, labels)))
    kl = keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var))
    assert score.reconstruction == pytest.approx(reconstruction.mean(), rel=1e-5)
    assert score.kl == pytest.approx(kl.mean(), rel=1e-5)
    assert score.negative_elbo == pytest.approx(score.reconstruction + score.kl)
    assert isinstance(score, evaluation.HeldOutScore) and score.num_digits == 20
    other = quality.conditional_score(vae, x, (labels + 1) % 10, seed=0)
    assert other.negative_elbo != pytest.approx(score.negative_elbo)  # the labels matter


def test_verified_mnist_test_needs_its_checksums(tmp_path):
    assert quality.verified_mnist_test(tmp_path / "absent") is None
    assert quality.verified_mnist_test(tmp_path / "absent", labels=True) is None
    with pytest.raises(ValueError, match="SHA256SUMS"):
        quality.verified_mnist_test(tmp_path)


def test_lesson_models_are_registered():
    from vae_lessons import registry

    assert set(conv_design.LESSON_MODELS.values()) <= set(registry.MODELS)
    assert registry.CONDITIONAL_MODEL in conv_design.LESSON_MODELS.values()


def test_epoch_curve_scores_as_it_goes_without_changing_the_training():
    """Each point equals a run stopped at that epoch: scoring leaves the training alone."""
    from vae_lessons import data

    (train_images, _), (test_images, _) = data.load_mnist()
    x_train, x_test = data.flatten_and_scale(train_images[:256]), data.flatten_and_scale(test_images[:100])
    mlp = next(candidate for candidate in conv_design.CANDIDATES if candidate.name == "mlp")
    mlp = dataclasses.replace(mlp, steps_per_execution=1)  # PyTorch's Keras takes no other
    curve = conv_design.epoch_curve(mlp, x_train, x_test, epochs=3, every=2)
    assert curve["epochs"] == 3 and curve["name"] == "mlp"
    assert [point["epoch"] for point in curve["points"]] == [2, 3]  # every 2, and the last
    seconds = [point["train_seconds"] for point in curve["points"]]
    assert 0 < seconds[0] <= seconds[1]
    for point in curve["points"]:
        stopped = conv_design.train_and_score(dataclasses.replace(mlp, epochs=point["epoch"]), x_train, x_test)
        assert point["negative_elbo"] == stopped["negative_elbo"]
        assert point["training_loss"] == stopped["final_training_loss"]
