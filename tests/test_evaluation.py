"""Held-out evaluation, the importance-weighted bound, active dimensions, the original model."""

import json

import keras
import numpy as np
import pytest

from vae_lessons import cache as model_cache
from vae_lessons import data, evaluation, losses, models, original, training

TINY = training.TrainingConfig(hidden_units=16, epochs=2, batch_size=64, validation_size=100, train_size=200, seed=3)


@pytest.fixture(scope="module")
def tiny_vae():
    vae, _ = training.train(TINY)
    return vae


@pytest.fixture(scope="module")
def x_test():
    _, (images, _) = data.load_mnist()
    return data.flatten_and_scale(images[:200])


def numpy_log_weights(vae, x, epsilon):
    """log p(x|z) + log p(z) - log q(z|x) from the weights, with NumPy only (one digit)."""
    weights = {w.path: keras.ops.convert_to_numpy(w).astype(np.float64) for w in vae.weights}

    def dense(name, inputs):
        return inputs @ weights[f"{name}/kernel"] + weights[f"{name}/bias"]

    hidden = np.maximum(dense("encoder_hidden", x[None]), 0)
    z_mean, z_log_var = dense("z_mean", hidden), dense("z_log_var", hidden)  # (1, latent_dim)
    z = z_mean + np.exp(z_log_var / 2) * epsilon  # (k, latent_dim)
    p = 1 / (1 + np.exp(-dense("x_reconstructed", np.maximum(dense("decoder_hidden", z), 0))))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    log_likelihood = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    log_prior = -0.5 * np.sum(np.log(2 * np.pi) + z**2, axis=1)
    log_posterior = -0.5 * np.sum(np.log(2 * np.pi) + z_log_var + (z - z_mean) ** 2 / np.exp(z_log_var), axis=1)
    return log_likelihood + log_prior - log_posterior


def test_importance_weighted_estimate_matches_a_numpy_reference(tiny_vae, x_test):
    k = 50
    estimate = evaluation.importance_weighted_log_likelihood(tiny_vae, x_test[:3], num_samples=k, seed=5)
    for i in range(3):
        epsilon = np.random.default_rng([5, i]).standard_normal((k, tiny_vae.latent_dim))
        log_weights = numpy_log_weights(tiny_vae, x_test[i].astype(np.float64), epsilon)
        reference = np.log(np.mean(np.exp(log_weights - log_weights.max()))) + log_weights.max()
        assert estimate[i] == pytest.approx(reference, abs=2e-3)


def test_each_vae_keeps_one_log_likelihood_model_that_follows_its_weights(x_test):
    vae, _ = training.train(TINY)
    model = evaluation.log_likelihood_model(vae)
    assert evaluation.log_likelihood_model(vae) is model
    before = evaluation.held_out_score(vae, x_test[:20]).reconstruction
    vae.decoder.set_weights([w * 0.5 for w in vae.decoder.get_weights()])  # new weights, same model
    after = evaluation.held_out_score(vae, x_test[:20]).reconstruction
    assert evaluation.log_likelihood_model(vae) is model
    fresh, _ = training.train(TINY)
    fresh.set_weights(vae.get_weights())
    np.testing.assert_allclose(after, evaluation.held_out_score(fresh, x_test[:20]).reconstruction, rtol=1e-6)
    assert not np.isclose(before, after)


def test_held_out_score_is_reconstruction_plus_kl(tiny_vae, x_test):
    score = evaluation.held_out_score(tiny_vae, x_test, seed=0)
    reconstruction, kl = evaluation.elbo_terms(tiny_vae, x_test, seed=0)
    assert score.num_digits == 200 and reconstruction.shape == kl.shape == (200,)
    assert score.negative_elbo == pytest.approx(score.reconstruction + score.kl)
    assert score.reconstruction == pytest.approx(reconstruction.mean()) and score.kl == pytest.approx(kl.mean())
    assert 0 < score.standard_error < score.negative_elbo / 10
    # The closed-form KL agrees with the package's loss.
    z_mean, z_log_var = tiny_vae.encode(x_test)
    np.testing.assert_allclose(kl, keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var)), rtol=1e-5)


def test_scores_are_seeded_and_independent_of_batching(tiny_vae, x_test):
    first = evaluation.elbo_terms(tiny_vae, x_test, seed=1, batch_size=1000)
    again = evaluation.elbo_terms(tiny_vae, x_test, seed=1, batch_size=7)
    np.testing.assert_allclose(first[0], again[0], rtol=1e-5)
    other = evaluation.elbo_terms(tiny_vae, x_test, seed=2)
    assert not np.allclose(first[0], other[0])
    big = evaluation.importance_weighted_log_likelihood(tiny_vae, x_test[:20], 30, seed=1)
    small = evaluation.importance_weighted_log_likelihood(tiny_vae, x_test[:20], 30, seed=1, max_rows=7)
    np.testing.assert_allclose(big, small, rtol=1e-6)


def test_one_sample_bound_is_the_elbo_in_expectation(tiny_vae, x_test):
    reconstruction, kl = evaluation.elbo_terms(tiny_vae, x_test, seed=0)
    iwae_1 = evaluation.importance_weighted_log_likelihood(tiny_vae, x_test, 1, seed=0)
    # Same z per digit: the two differ only by the sampled vs closed-form KL, whose
    # difference has mean zero.
    difference = iwae_1 - (-(reconstruction + kl))
    assert abs(difference.mean()) < 3 * difference.std(ddof=1) / np.sqrt(len(difference)) + 1e-6


def test_bound_tightens_with_k_and_bounds_the_elbo(tiny_vae, x_test):
    score = evaluation.held_out_score(tiny_vae, x_test, seed=0)
    means = [evaluation.importance_weighted_log_likelihood(tiny_vae, x_test, k, seed=0).mean() for k in (1, 10, 100)]
    assert means[0] < means[1] < means[2]
    assert -means[2] < score.negative_elbo  # log p(x) >= IWAE_100 > ELBO on average


def test_active_dimensions_and_kl_per_dimension():
    rng = np.random.default_rng(0)
    z_mean = rng.standard_normal((5000, 3)) * np.array([1.0, 0.3, 0.01])  # variances 1, 0.09, 1e-4
    np.testing.assert_allclose(evaluation.latent_activity(z_mean), [1.0, 0.09, 1e-4], rtol=0.05)
    assert evaluation.active_dimensions(z_mean).tolist() == [True, True, False]
    assert evaluation.active_dimensions(z_mean, threshold=0.5).sum() == 1
    z_log_var = rng.standard_normal((5000, 3)) * 0.1
    per_dimension = evaluation.mean_kl_per_dimension(z_mean, z_log_var)
    total = keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var)).mean()
    assert per_dimension.shape == (3,) and per_dimension.sum() == pytest.approx(total, rel=1e-4)
    assert per_dimension[0] > per_dimension[1] > per_dimension[2]


def test_bad_arguments_raise_clear_errors(tiny_vae, check_each):
    cases = [
        (lambda vae: evaluation.held_out_score(vae, np.zeros((3, 28, 28))), ValueError, r"argument `x`. Expected a finite array of shape \(n, 784\)"),
        (lambda vae: evaluation.held_out_score(vae, np.full((3, 784), 255.0)), ValueError, "values between 0.0 and 1.0"),
        (lambda vae: evaluation.held_out_score(vae, np.array([["a"] * 784])), TypeError, "x.dtype"),
        (lambda vae: evaluation.held_out_score(vae.encoder, np.zeros((2, 784))), TypeError, "argument `vae`"),
        (lambda vae: evaluation.importance_weighted_log_likelihood(vae, np.zeros((2, 784)), 0), ValueError, "argument `num_samples`"),
        (lambda vae: evaluation.importance_weighted_log_likelihood(vae, np.zeros((2, 784)), 2.0), TypeError, "argument `num_samples`"),
        (lambda vae: evaluation.importance_weighted_log_likelihood(vae, np.zeros((2, 784)), 2, seed=-1), ValueError, "argument `seed`"),
        (lambda vae: evaluation.active_dimensions(np.zeros((1, 2))), ValueError, r"with n >= 2. Received: z_mean=\(1, 2\)"),
        (lambda vae: evaluation.active_dimensions(np.zeros((4, 2)), threshold=-1), ValueError, "argument `threshold`"),
        (lambda vae: evaluation.mean_kl_per_dimension(np.zeros((4, 2)), np.zeros((4, 3))), ValueError, r"argument `z_log_var`. Expected a finite array of shape \(4, 2\)"),
    ]

    def refused(case):
        call, error, message = case
        with pytest.raises(error, match=message):
            call(tiny_vae)

    check_each(((f"case {index}: {case[2]}", case) for index, case in enumerate(cases)), refused)


# --- the original notebook's model ------------------------------------------------


def test_shared_epsilon_sampling_shares_one_epsilon_across_the_batch():
    layer = original.SharedEpsilonSampling(seed=0)
    z_mean = np.arange(12, dtype=np.float32).reshape(6, 2)
    z_log_var = np.log(np.linspace(0.5, 2.0, 12, dtype=np.float32)).reshape(6, 2)
    z = keras.ops.convert_to_numpy(layer([z_mean, z_log_var]))
    epsilon = (z - z_mean) / np.exp(z_log_var / 2)
    np.testing.assert_allclose(epsilon, np.tile(epsilon[:1], (6, 1)), rtol=1e-5, atol=1e-5)
    assert not np.allclose(epsilon, 0)
    kl = keras.ops.convert_to_numpy(layer.losses[0])
    assert kl == pytest.approx(keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var)).mean(), rel=1e-5)


def test_keras2_binary_crossentropy_is_not_symmetric():
    x = np.array([[0.0, 1.0, 0.0, 0.6]], np.float32)  # data pixels
    p = np.array([[0.1, 0.8, 0.5, 0.5]], np.float32)  # decoder outputs
    right = keras.ops.convert_to_numpy(original.keras2_binary_crossentropy(x, p))
    swapped = keras.ops.convert_to_numpy(original.keras2_binary_crossentropy(p, x))
    # The right order is the Bernoulli negative log-likelihood of the package.
    assert right.sum() == pytest.approx(float(keras.ops.convert_to_numpy(losses.reconstruction_loss(x, p))[0]), rel=1e-5)
    np.testing.assert_allclose(right[0, :3], [-np.log(0.9), -np.log(0.8), np.log(2)], rtol=1e-5)
    # Swapped, it is linear in p: p * 16.1 nats at a black pixel (x = 0), (1 - p) * 15.9
    # at a white one (1 - 1e-7 rounds to 1 - 1.19e-7 in float32).
    np.testing.assert_allclose(swapped[0, :3], [0.1 * 16.118, 0.2 * 15.942, 0.5 * 16.118], rtol=1e-3)
    assert not np.allclose(right, swapped)


def test_original_model_has_the_corrected_architecture_and_initial_weights():
    training.set_seed(0)
    corrected = models.build_vae(latent_dim=3, hidden_units=8)
    training.set_seed(0)
    vae = original.build_original_vae(latent_dim=3, hidden_units=8)
    assert isinstance(vae, original.OriginalVAE) and vae.swapped_bce
    assert [w.path for w in vae.weights] == [w.path for w in corrected.weights]
    for a, b in zip(vae.get_weights(), corrected.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert isinstance(vae.encoder.get_layer("z"), original.SharedEpsilonSampling)
    with pytest.raises(ValueError, match="argument `swapped_bce`"):
        original.build_original_vae(swapped_bce="yes")
    with pytest.raises(ValueError, match="kl_weight"):
        original.train_original(training.TrainingConfig(kl_weight=2.0))


@pytest.mark.parametrize("swapped_bce", [True, False])
def test_original_model_trains_caches_and_reloads(cache, monkeypatch, swapped_bce):
    calls = []
    real = original.train_original
    monkeypatch.setattr(original, "train_original", lambda c, swapped_bce: calls.append(c) or real(c, swapped_bce))
    vae, history = original.trained_original_vae(TINY, swapped_bce=swapped_bce)
    again, history_again = original.trained_original_vae(TINY, swapped_bce=swapped_bce)
    assert len(calls) == 1 and history == history_again and set(history) >= {"loss", "reconstruction", "kl"}
    assert isinstance(again, original.OriginalVAE) and again.swapped_bce is swapped_bce
    assert isinstance(again.encoder.get_layer("z"), original.SharedEpsilonSampling)
    for a, b in zip(vae.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Its own cache entry, next to (not instead of) the corrected model's.
    entry = model_cache.cache_entry(original.original_cache_metadata(TINY, swapped_bce))
    assert entry.parent == cache and entry != model_cache.cache_entry(training.cache_metadata(TINY))
    assert json.loads((entry / "meta.json").read_text())["metadata"]["swapped_bce"] is swapped_bce
    assert model_cache.cache_entry(original.original_cache_metadata(TINY, not swapped_bce)) != entry


def test_damaged_original_cache_entry_is_retrained(cache, monkeypatch):
    """A built, untrained model stands in for the training: the cache checks whatever it stores."""
    calls = []

    def build_instead_of_training(config, swapped_bce):
        calls.append(swapped_bce)
        vae = original.build_original_vae(config.latent_dim, config.hidden_units, swapped_bce=swapped_bce)
        return vae, {"loss": [2.0, 1.0]}

    monkeypatch.setattr(original, "train_original", build_instead_of_training)
    original.trained_original_vae(TINY)
    entry = model_cache.cache_entry(original.original_cache_metadata(TINY, True))
    (entry / "model.keras").write_bytes(b"corrupt")
    with pytest.warns(UserWarning, match="retraining"):
        vae, _ = original.trained_original_vae(TINY)
    assert isinstance(vae, original.OriginalVAE) and vae.swapped_bce and calls == [True, True]


def test_original_overrides_only_the_likelihood_hook():
    training.set_seed(0)
    vae = original.build_original_vae(latent_dim=2, hidden_units=8)
    plain = original.build_original_vae(latent_dim=2, hidden_units=8, swapped_bce=False)
    assert "compute_loss" not in vars(original.OriginalVAE)  # the trackers and KL come from models.VAE
    x = np.array([[0.0, 1.0, 0.0, 0.6]], np.float32)
    p = np.array([[0.1, 0.8, 0.5, 0.5]], np.float32)
    swapped = keras.ops.convert_to_numpy(original.keras2_binary_crossentropy(p, x)).sum(axis=-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(vae.reconstruction_loss(x, p)), swapped, rtol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(plain.reconstruction_loss(x, p)),
        keras.ops.convert_to_numpy(losses.reconstruction_loss(x, p)),
        rtol=1e-6,
    )


def test_paired_difference_matches_a_hand_computation():
    a = np.array([120.0, 131.0, 118.0, 125.0])
    b = np.array([118.0, 128.0, 117.0, 121.0])
    difference = evaluation.paired_difference(a, b)
    # differences 2, 3, 1, 4: mean 2.5, sample std sqrt(5/3), standard error sqrt(5/3) / 2
    assert difference.mean == pytest.approx(2.5)
    assert difference.standard_error == pytest.approx(np.sqrt(5 / 3) / 2)
    assert difference.count == 4
    assert not difference.within_noise()  # 2.5 > 2 * 0.645
    assert difference.within_noise(num_standard_errors=4)
    assert evaluation.paired_difference(b, a).mean == pytest.approx(-2.5)


def test_pairing_removes_what_the_pairs_share():
    rng = np.random.default_rng(0)
    shared = rng.normal(150, 30, size=500)  # how hard each digit is, for both models
    a = shared + rng.normal(1.0, 1.0, size=500)
    b = shared + rng.normal(0.0, 1.0, size=500)
    difference = evaluation.paired_difference(a, b)
    unpaired = np.sqrt(a.var(ddof=1) / 500 + b.var(ddof=1) / 500)
    assert difference.standard_error < unpaired / 10
    assert abs(difference.mean - 1.0) < 3 * difference.standard_error


def test_paired_difference_refuses_bad_input():
    with pytest.raises(ValueError, match="argument `b`"):
        evaluation.paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="argument `a`"):
        evaluation.paired_difference([1.0], [2.0])
    with pytest.raises(ValueError, match="argument `a`"):
        evaluation.paired_difference([1.0, np.nan], [2.0, 3.0])
    with pytest.raises(ValueError, match="argument `num_standard_errors`"):
        evaluation.paired_difference([1.0, 2.0], [2.0, 2.0]).within_noise(-1)
