"""The functions lessons 2 and 3 use to show what they teach: gradient
estimators, Monte-Carlo standard errors, the grey-level floor."""

import keras
import numpy as np
import pytest

from vae_lessons import losses, sampling


def as_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def quadratic_draws(num_draws, seed=0):
    """Draws for f(z) = sum((z - 3)**2) with z ~ N(1, 0.25) in 2 dims."""
    epsilon = np.random.default_rng(seed).standard_normal((num_draws, 2))
    z_mean = np.ones(2)
    z_log_var = np.log(np.full(2, 0.25))
    z = z_mean + 0.5 * epsilon
    return epsilon.astype("float32"), z.astype("float32"), z_mean, z_log_var


def test_both_estimators_are_unbiased_for_a_quadratic():
    # E[sum((z - 3)^2)] = sum((mu - 3)^2 + sigma^2):
    # gradient 2 (mu - 3) = -4 for z_mean, sigma^2 = 0.25 for z_log_var.
    epsilon, z, z_mean, z_log_var = quadratic_draws(400_000)
    f_values = np.sum((z - 3) ** 2, axis=-1)
    score = sampling.score_function_gradient(f_values, z, z_mean, z_log_var)
    reparameterized = sampling.reparameterized_gradient(
        2 * (z - 3), epsilon, z_log_var)
    for estimates in (score, reparameterized):
        gradient_z_mean, gradient_z_log_var = map(as_numpy, estimates)
        assert gradient_z_mean.shape == gradient_z_log_var.shape == z.shape
        np.testing.assert_allclose(
            gradient_z_mean.mean(axis=0), [-4, -4], atol=0.05)
        np.testing.assert_allclose(
            gradient_z_log_var.mean(axis=0), [0.25, 0.25], atol=0.05)


def test_reparameterized_estimates_vary_far_less():
    epsilon, z, z_mean, z_log_var = quadratic_draws(100_000, seed=1)
    f_values = np.sum((z - 3) ** 2, axis=-1)
    score = as_numpy(sampling.score_function_gradient(
        f_values, z, z_mean, z_log_var)[0])
    reparameterized = as_numpy(sampling.reparameterized_gradient(
        2 * (z - 3), epsilon, z_log_var)[0])
    # The reparameterized estimate 2 (z - 3) has variance 4 sigma^2 = 1.
    np.testing.assert_allclose(reparameterized.var(axis=0), 1.0, rtol=0.05)
    assert np.all(score.var(axis=0) > 10 * reparameterized.var(axis=0))


def test_score_function_matches_the_gaussian_score_formula():
    z = np.array([[2.0, -1.0]], "float32")
    z_mean = np.array([[1.0, 0.0]], "float32")
    z_log_var = np.log(np.array([[4.0, 0.25]], "float32"))
    f_values = np.array([3.0], "float32")
    gradient_z_mean, gradient_z_log_var = map(
        as_numpy,
        sampling.score_function_gradient(f_values, z, z_mean, z_log_var))
    # (z - mu) / sigma^2 and ((z - mu)^2 / sigma^2 - 1) / 2, times f = 3.
    np.testing.assert_allclose(gradient_z_mean, [[0.75, -12.0]], rtol=1e-6)
    np.testing.assert_allclose(
        gradient_z_log_var, [[3 * (0.25 - 1) / 2, 3 * (4 - 1) / 2]],
        rtol=1e-6)


def test_grey_level_floor_is_the_bernoulli_entropy_and_zero_when_binary():
    x = np.array([[0.0, 1.0, 0.5, 0.2], [0.0, 1.0, 1.0, 0.0]], "float32")
    entropy = -(0.5 * np.log(0.5) * 2 + 0.2 * np.log(0.2)
                + 0.8 * np.log(0.8))
    floor = as_numpy(losses.grey_level_floor(x))
    np.testing.assert_allclose(floor, [entropy, 0.0], atol=1e-5)
    # No output beats the floor: p = x is the best a decoder can do.
    other = np.clip(x + 0.1, 0, 1)
    assert np.all(as_numpy(losses.reconstruction_loss(x, other)) > floor)


def test_kl_samples_average_to_monte_carlo_kl():
    z_mean = np.array([[0.0, 0.0], [1.0, -0.5]], "float32")
    z_log_var = np.array([[0.0, 0.0], [-2.0, -2.0]], "float32")
    samples = as_numpy(sampling.monte_carlo_kl_samples(
        z_mean, z_log_var, num_samples=1000, seed=3))
    assert samples.shape == (1000, 2)
    np.testing.assert_allclose(samples[:, 0], 0.0, atol=1e-6)  # q = p
    np.testing.assert_allclose(
        samples.mean(axis=0),
        as_numpy(sampling.monte_carlo_kl(
            z_mean, z_log_var, num_samples=1000, seed=3)),
        atol=1e-5)


def test_standard_error_is_std_over_root_n_and_covers_the_error():
    values = np.random.default_rng(0).normal(2.0, 3.0, (400, 3))
    error = as_numpy(losses.monte_carlo_standard_error(values))
    np.testing.assert_allclose(
        error, values.std(axis=0, ddof=1) / 20, rtol=1e-5)
    np.testing.assert_allclose(error, 3.0 / 20, rtol=0.15)
    along_last = as_numpy(losses.monte_carlo_standard_error(values.T, axis=-1))
    np.testing.assert_allclose(along_last, error, rtol=1e-6)
    # The Monte-Carlo KL misses the closed form by a few standard errors.
    z_mean = np.array([[1.0, -0.5], [3.0, 2.0]], "float32")
    z_log_var = np.array([[-2.0, -2.0], [-6.0, -6.0]], "float32")
    samples = sampling.monte_carlo_kl_samples(z_mean, z_log_var, 2000, seed=0)
    miss = np.abs(as_numpy(keras.ops.mean(samples, axis=0))
                  - as_numpy(losses.kl_divergence(z_mean, z_log_var)))
    assert np.all(miss < 4 * as_numpy(losses.monte_carlo_standard_error(
        samples)))


def test_standard_error_rejects_bad_arguments(check_each):
    rows = [
        (np.ones((1, 3)), 0, ValueError),
        (np.ones((4, 3)), 2, ValueError),
        (np.ones((4, 3)), 0.5, TypeError),
    ]

    def check(row):
        samples, axis, error = row
        with pytest.raises(error, match="Invalid value received for argument"):
            losses.monte_carlo_standard_error(samples, axis=axis)

    check_each(rows=rows, check=check)


def test_kl_samples_rejects_bad_num_samples(check_each):
    rows = [(0, ValueError), (2.0, TypeError), (True, TypeError)]

    def check(row):
        num_samples, error = row
        with pytest.raises(error, match="`num_samples`"):
            sampling.monte_carlo_kl_samples(
                np.zeros((1, 2)), np.zeros((1, 2)), num_samples, seed=0)

    check_each(rows=rows, check=check)


def test_gradient_estimates_draws_one_histogram_per_estimator_and_the_line():
    from matplotlib.figure import Figure

    from vae_lessons import plots

    rng = np.random.default_rng(0)
    figure = plots.gradient_estimates(
        {"wide": rng.normal(-4, 10, 500), "narrow": rng.normal(-4, 1, 500)},
        exact=-4.0, bins=20)
    assert isinstance(figure, Figure)
    (axis,) = figure.axes
    labels = axis.get_legend_handles_labels()[1]
    assert labels[0].startswith("wide (variance ")
    assert labels[1].startswith("narrow (variance ")
    assert labels[2] == "exact gradient -4"
    assert len(axis.patches) == 2 * 20


def test_gradient_estimates_rejects_bad_arguments(check_each):
    rows = [
        ({}, 10, ValueError),
        ({"a": np.ones(3)}, 0, ValueError),
        ({"a": np.ones(3)}, 2.5, TypeError),
    ]

    def check(row):
        estimates, bins, error = row
        from vae_lessons import plots

        with pytest.raises(error, match="Invalid value received for argument"):
            plots.gradient_estimates(estimates, exact=0.0, bins=bins)

    check_each(rows=rows, check=check)
