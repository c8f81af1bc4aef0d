"""The conditional VAE: encoder and decoder see the label (issue #13)."""

import dataclasses
import json

import keras
import numpy as np
import pytest

from vae_lessons import cache, conditional, data, losses, models, registry, saving, training

TINY = training.TrainingConfig(
    hidden_units=16, epochs=2, batch_size=64, validation_size=100, train_size=200, seed=3, conditional=True
)


@pytest.fixture(scope="module")
def conditional_vae():
    training.set_seed(0)
    return models.build_vae(latent_dim=2, hidden_units=32, vae_class=conditional.ConditionalVAE)


def digits(n, seed=1):
    return np.random.default_rng(seed).random((n, 784)).astype(np.float32)


def test_shapes_follow_the_input_convention(conditional_vae):
    vae = conditional_vae
    assert isinstance(vae, models.VAE) and vae.condition_dim == 10 and vae.latent_dim == 2
    assert tuple(vae.encoder.inputs[0].shape) == (None, 794)
    assert tuple(vae.decoder.inputs[0].shape) == (None, 12)  # concat([z, one_hot(label)])
    # the MLP decoder's layers with 10 more input rows: what the explorer packs
    assert [layer.name for layer in vae.decoder.layers[1:]] == ["decoder_hidden", "x_reconstructed"]
    assert tuple(vae.decoder.get_layer("decoder_hidden").kernel.shape) == (12, 32)
    assert tuple(vae(conditional.with_labels(digits(3), [0, 1, 2])).shape) == (3, 784)


def test_with_labels_and_one_hot():
    rows = np.arange(6, dtype=np.float32).reshape(3, 2)
    combined = conditional.with_labels(rows, [9, 0, 4])
    assert combined.shape == (3, 12) and combined.dtype == np.float32
    np.testing.assert_array_equal(combined[:, :2], rows)
    np.testing.assert_array_equal(combined[:, 2:].argmax(axis=1), [9, 0, 4])
    np.testing.assert_array_equal(combined[:, 2:].sum(axis=1), 1)
    np.testing.assert_array_equal(conditional.with_labels(rows, 7)[:, 2:].argmax(axis=1), [7, 7, 7])
    np.testing.assert_array_equal(conditional.one_hot(np.array([3, 1])), np.eye(10, dtype=np.float32)[[3, 1]])


def test_encode_and_decode_match_a_numpy_reference(conditional_vae, numpy_conditional_elbo):
    vae = conditional_vae
    x, labels = digits(6), np.array([0, 1, 2, 7, 8, 9])
    z_mean, z_log_var = vae.encode(x, labels)
    elbo = keras.ops.convert_to_numpy(losses.elbo(x, vae.decode(z_mean, labels), z_mean, z_log_var))
    np.testing.assert_allclose(elbo, numpy_conditional_elbo(vae, x, labels), rtol=1e-4)
    # the label changes the code and the digit
    assert not np.allclose(vae.encode(x, 0)[0], vae.encode(x, 5)[0])
    assert not np.allclose(vae.decode(z_mean, 0), vae.decode(z_mean, 5))
    # batching does not change results; one integer labels every row
    np.testing.assert_allclose(vae.decode(z_mean, 3, batch_size=2), vae.decode(z_mean, np.full(6, 3)), atol=1e-6)


def test_labels_are_checked(conditional_vae, check_each):
    rows = [
        (None, ValueError, r"argument `labels`. .*a conditional VAE needs the labels. Received: labels=None"),
        (10, ValueError, r"argument `labels`. Expected an integer between 0 and 9. Received: labels=10"),
        (-1, ValueError, r"Received: labels=-1"),
        (np.arange(3), ValueError, r"one per row \(shape \(4,\)\).*Received: labels.shape=\(3,\)"),
        (np.array([0, 1, 2, 10]), ValueError, r"Received: labels with values in \[0, 10\]"),
        (np.array([0.0, 1.0, 2.0, 3.0]), TypeError, r"Received: labels.dtype=float64"),
        ("7", TypeError, r"Received: labels.dtype=<U1"),
    ]

    def check(row):
        labels, error, message = row
        x = digits(4)
        with pytest.raises(error, match=message):
            conditional_vae.encode(x, labels)
        with pytest.raises(error, match=message):
            conditional_vae.decode(np.zeros((4, 2)), labels)

    check_each(rows=rows, check=check)


def test_a_conditional_model_still_checks_digits_and_points(conditional_vae):
    with pytest.raises(ValueError, match=r"argument `x`. .*Received: x.shape=\(3, 794\)"):
        conditional_vae.encode(np.zeros((3, 794)), [0, 1, 2])
    with pytest.raises(ValueError, match=r"argument `z`. Expected a finite array of shape \(n, 2\). Received: z.shape=\(3, 12\)"):
        conditional_vae.decode(np.zeros((3, 12)), [0, 1, 2])


def test_an_unconditional_model_refuses_labels():
    vae = models.build_vae(latent_dim=2, hidden_units=8)
    with pytest.raises(ValueError, match=r"argument `labels`. Expected None: this VAE is not conditional"):
        vae.decode(np.zeros((2, 2)), labels=[1, 2])
    with pytest.raises(ValueError, match="not conditional"):
        vae.encode(digits(2), labels=[1, 2])


def test_only_the_pixels_are_scored(conditional_vae):
    """The target may be the digits or the (batch, 794) training input: same loss."""
    x, labels = digits(5), np.arange(5)
    inputs = conditional.with_labels(x, labels)
    x_reconstructed = conditional_vae.decode(conditional_vae.encode(x, labels)[0], labels)
    with_label_columns = conditional_vae.reconstruction_loss(inputs, x_reconstructed)
    pixels_only = conditional_vae.reconstruction_loss(x, x_reconstructed)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(with_label_columns), keras.ops.convert_to_numpy(pixels_only))


def test_save_and_load_round_trip(conditional_vae, tmp_path):
    saving.save_vae(conditional_vae, tmp_path / "conditional.keras")
    loaded = saving.load_vae(tmp_path / "conditional.keras")  # safe_mode=True
    assert type(loaded) is conditional.ConditionalVAE and loaded.latent_dim == 2
    z, labels = np.random.default_rng(2).normal(size=(4, 2)), [1, 3, 5, 7]
    np.testing.assert_array_equal(loaded.decode(z, labels), conditional_vae.decode(z, labels))
    config = json.dumps(saving._read_config(tmp_path / "conditional.keras"))
    assert "Lambda" not in config and "ConditionalVAE" in config


def test_training_data_carries_the_labels():
    x_train, x_validation = training.training_data(TINY)
    plain_train, plain_validation = training.training_data(dataclasses.replace(TINY, conditional=False))
    assert x_train.shape == (200, 794) and x_validation.shape == (100, 794)
    np.testing.assert_array_equal(x_train[:, :784], plain_train)
    np.testing.assert_array_equal(x_validation[:, :784], plain_validation)
    np.testing.assert_array_equal(x_train[:, 784:].sum(axis=1), 1)
    # the stratified subset keeps 20 digits of each class
    assert data.class_counts(x_train[:, 784:].argmax(axis=1)) == {label: 20 for label in range(10)}


def test_config_field_and_cache_key():
    assert training.TrainingConfig(conditional=np.bool_(True)).conditional is True
    with pytest.raises(TypeError, match=r"argument `conditional`. Expected True or False. Received: conditional=1"):
        training.TrainingConfig(conditional=1)
    # every field of the configuration is in the key: a conditional model has its own entry
    assert training.cache_metadata(training.TrainingConfig())["config"]["conditional"] is False
    assert training.cache_metadata(TINY)["config"]["conditional"] is True
    assert cache.cache_entry(training.cache_metadata(TINY)) != cache.cache_entry(training.cache_metadata(dataclasses.replace(TINY, conditional=False)))


def test_train_and_cache_a_conditional_model(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(tmp_path))
    vae, history = training.trained_vae(TINY)
    assert type(vae) is conditional.ConditionalVAE and len(history["loss"]) == 2
    assert all(np.isfinite(history["val_loss"]))
    loaded, loaded_history = training.trained_vae(TINY)  # from the cache this time
    assert loaded_history == history
    z = np.zeros((10, 2))
    np.testing.assert_array_equal(loaded.decode(z, np.arange(10)), vae.decode(z, np.arange(10)))


def test_architecture_check_knows_the_label_columns(conditional_vae):
    cache.architecture_check(2, 32, condition_dim=10)(conditional_vae)
    with pytest.raises(ValueError, match="expected latent_dim=2 and hidden_units=32"):
        cache.architecture_check(2, 32)(conditional_vae)


def test_registry_name():
    spec = registry.spec("conditional")
    assert spec.config.conditional and spec.config.latent_dim == 2 and spec.variant == registry.CORRECTED


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="Keras's distribution API runs on the JAX backend only")
def test_distributed_training_builds_the_conditional_model():
    from vae_lessons import distributed

    vae, history = training.train(dataclasses.replace(TINY, epochs=1), distribution=distributed.data_parallel())
    assert type(vae) is conditional.ConditionalVAE and np.isfinite(history["val_loss"][0])
