import keras
import numpy as np
import pytest

from vae_lessons import losses, sampling


def test_each_example_gets_its_own_epsilon():
    layer = sampling.Sampling(seed=0)
    z_mean = np.zeros((8, 2), np.float32)
    z = keras.ops.convert_to_numpy(layer([z_mean, z_mean]))
    assert z.shape == (8, 2)
    # Identical inputs, different rows: the noise is not shared across the batch.
    assert len({tuple(row) for row in z.round(6)}) == 8


def test_samples_follow_the_requested_normal():
    layer = sampling.Sampling(seed=1)
    n = 20_000
    z_mean = np.tile(np.array([[2.0, -1.0]], np.float32), (n, 1))
    z_log_var = np.tile(np.log(np.array([[0.25, 4.0]], np.float32)), (n, 1))
    z = keras.ops.convert_to_numpy(layer([z_mean, z_log_var]))
    np.testing.assert_allclose(z.mean(axis=0), [2.0, -1.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.03)


def test_same_seed_same_noise():
    z_mean = np.zeros((4, 3), np.float32)
    first = keras.ops.convert_to_numpy(sampling.Sampling(seed=7)([z_mean, z_mean]))
    second = keras.ops.convert_to_numpy(sampling.Sampling(seed=7)([z_mean, z_mean]))
    np.testing.assert_array_equal(first, second)


def test_gradients_reach_z_mean_and_z_log_var(gradients):
    epsilon = np.array([[0.5, -2.0], [1.0, 0.0]], np.float32)
    z_log_var = np.array([[0.0, np.log(4.0)], [1.0, -1.0]], np.float32)
    z_mean = np.ones((2, 2), np.float32)
    grad_mean, grad_log_var = gradients(
        lambda mean, log_var: sampling.reparameterize(mean, log_var, epsilon), [z_mean, z_log_var]
    )
    np.testing.assert_allclose(grad_mean, np.ones((2, 2)))  # dz / dz_mean = 1
    np.testing.assert_allclose(grad_log_var, 0.5 * np.exp(0.5 * z_log_var) * epsilon, rtol=1e-6)


def test_layer_adds_the_weighted_mean_kl_as_a_scalar_loss():
    z_mean = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)  # KL per example: 0.5 and 0
    layer = sampling.Sampling(kl_weight=2.0, seed=0)
    layer([z_mean, np.zeros_like(z_mean)])
    assert len(layer.losses) == 1
    loss = keras.ops.convert_to_numpy(layer.losses[0])
    assert loss.shape == () and loss == pytest.approx(2.0 * 0.25)


def test_kl_weight_must_be_a_finite_non_negative_number(check_each):
    def refused(case):
        kl_weight, error = case
        with pytest.raises(error, match="Invalid value received for argument `kl_weight`. Expected a finite number >= 0"):
            sampling.Sampling(kl_weight=kl_weight)

    cases = [(-1.0, ValueError), (float("nan"), ValueError), (float("inf"), ValueError), ("1", TypeError), (True, TypeError)]
    check_each(((f"kl_weight={value!r}", (value, error)) for value, error in cases), refused)


def test_kl_weight_accepts_numpy_numbers():
    assert sampling.Sampling(kl_weight=np.float32(0.5)).get_config()["kl_weight"] == 0.5
    assert sampling.Sampling(kl_weight=np.int64(2)).get_config()["kl_weight"] == 2.0


def test_kl_weight_is_a_non_trainable_variable_stored_as_a_float():
    layer = sampling.Sampling(kl_weight=0.5, seed=0)
    assert isinstance(layer.kl_weight, keras.Variable)
    assert not layer.kl_weight.trainable and not layer.trainable_weights
    layer.kl_weight.assign(0.25)
    config = layer.get_config()
    assert type(config["kl_weight"]) is float and config["kl_weight"] == 0.25
    restored = sampling.Sampling.from_config(config)
    assert float(keras.ops.convert_to_numpy(restored.kl_weight)) == 0.25


def test_assigning_kl_weight_changes_a_compiled_training_step():
    # A Python float would be read once, when the step is traced; the variable
    # is read at every step, so the loss after assign(0) has no KL term.
    encoder_input = keras.Input(shape=(2,))
    # z_mean = (2, 2) for x = (1, 1): KL 4 nats, whatever the random state (a random
    # kernel made it as small as 0.007 in one CI run)
    z_mean = keras.layers.Dense(2, kernel_initializer="ones")(encoder_input)
    layer = sampling.Sampling(kl_weight=1.0, seed=0)
    z = layer([z_mean, keras.ops.zeros_like(z_mean)])
    model = keras.Model(encoder_input, z)
    model.compile(optimizer="sgd", loss=lambda target, output: 0.0 * output)
    x = np.ones((4, 2), np.float32)
    with_kl = model.fit(x, x, epochs=1, verbose=0).history["loss"][-1]
    layer.kl_weight.assign(0.0)
    without_kl = model.fit(x, x, epochs=1, verbose=0).history["loss"][-1]
    assert with_kl > 0.01 and without_kl == pytest.approx(0.0, abs=1e-6)


def test_closed_form_kl_matches_its_monte_carlo_estimate():
    rng = np.random.default_rng(1)
    z_mean = rng.normal(0, 1.5, (5, 3)).astype(np.float32)
    z_log_var = rng.normal(0, 1.0, (5, 3)).astype(np.float32)
    closed_form = keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var))
    estimate = keras.ops.convert_to_numpy(sampling.monte_carlo_kl(z_mean, z_log_var, num_samples=40_000, seed=3))
    assert estimate.shape == (5,)
    np.testing.assert_allclose(estimate, closed_form, rtol=0.03, atol=0.03)


def test_monte_carlo_kl_rejects_bad_num_samples():
    with pytest.raises(ValueError, match="Invalid value received for argument `num_samples`"):
        sampling.monte_carlo_kl(np.zeros((1, 2)), np.zeros((1, 2)), num_samples=0, seed=0)


def test_config_round_trip():
    layer = sampling.Sampling(kl_weight=0.5, seed=3, name="z")
    clone = sampling.Sampling.from_config(layer.get_config())
    assert (clone.kl_weight, clone.seed, clone.name) == (0.5, 3, "z")
