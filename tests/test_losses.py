import keras
import numpy as np

from vae_lessons import losses


def as_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_reconstruction_is_finite_for_outputs_of_exactly_zero_and_one():
    x = np.array([[0.0, 1.0, 0.0, 1.0, 0.5]], dtype=np.float32)
    x_reconstructed = np.array([[0.0, 1.0, 1.0, 0.0, 0.0]], dtype=np.float32)
    loss = as_numpy(losses.reconstruction_loss(x, x_reconstructed))
    assert loss.shape == (1,) and np.all(np.isfinite(loss))
    # Two maximally wrong pixels plus one half-wrong, each capped near -log(1e-7).
    assert 2 * 16.0 < loss[0] < 3 * 16.2


def test_reconstruction_matches_the_bernoulli_log_likelihood():
    rng = np.random.default_rng(0)
    x = rng.random((4, 784)).astype(np.float32)
    p = rng.uniform(0.01, 0.99, (4, 784)).astype(np.float32)
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    np.testing.assert_allclose(as_numpy(losses.reconstruction_loss(x, p)), expected, rtol=1e-5)


def test_kl_is_zero_for_the_prior_and_positive_otherwise():
    zeros = np.zeros((3, 2), np.float32)
    np.testing.assert_allclose(as_numpy(losses.kl_divergence(zeros, zeros)), 0.0, atol=1e-7)
    z_mean = np.array([[1.0, 0.0]], np.float32)
    # KL(N(1, 1) || N(0, 1)) = 0.5 in the first dimension, 0 in the second.
    np.testing.assert_allclose(as_numpy(losses.kl_divergence_per_dimension(z_mean, np.zeros_like(z_mean))), [[0.5, 0.0]])
    log_var = np.array([[np.log(4.0), np.log(0.25)]], np.float32)
    expected = 0.5 * (np.exp(log_var) - 1 - log_var).sum()
    np.testing.assert_allclose(as_numpy(losses.kl_divergence(np.zeros_like(log_var), log_var)), [expected], rtol=1e-6)


def test_elbo_is_minus_reconstruction_minus_kl():
    rng = np.random.default_rng(2)
    x = rng.random((3, 784)).astype(np.float32)
    p = rng.uniform(0.1, 0.9, (3, 784)).astype(np.float32)
    z_mean, z_log_var = rng.normal(size=(2, 3, 2)).astype(np.float32)
    expected = -(as_numpy(losses.reconstruction_loss(x, p)) + as_numpy(losses.kl_divergence(z_mean, z_log_var)))
    np.testing.assert_allclose(as_numpy(losses.elbo(x, p, z_mean, z_log_var)), expected, rtol=1e-6)


def test_log_normal_density_matches_the_formula():
    z = np.array([[0.5, -1.0]], np.float32)
    mean = np.array([[0.0, 1.0]], np.float32)
    log_var = np.array([[0.0, np.log(2.0)]], np.float32)
    variance = np.exp(log_var)
    expected = np.sum(-0.5 * np.log(2 * np.pi * variance) - (z - mean) ** 2 / (2 * variance))
    np.testing.assert_allclose(as_numpy(losses.log_normal_density(z, mean, log_var)), [expected], rtol=1e-6)
