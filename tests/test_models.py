import importlib.util
import os
import subprocess
import sys
import warnings
import zipfile

import keras
import numpy as np
import pytest

from vae_lessons import losses, models, saving, training


def mean_elbo(vae, x):
    z_mean, z_log_var = vae.encode(x)
    return keras.ops.convert_to_numpy(losses.elbo(x, vae.decode(z_mean), z_mean, z_log_var))


def test_shapes_and_layer_names():
    vae = models.build_vae(latent_dim=3, hidden_units=16)
    x = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    z_mean, z_log_var, z = (keras.ops.convert_to_numpy(t) for t in vae.encoder(x))
    assert z_mean.shape == z_log_var.shape == z.shape == (5, 3)
    assert keras.ops.convert_to_numpy(vae.decoder(z)).shape == (5, 784)
    assert keras.ops.convert_to_numpy(vae(x)).shape == (5, 784)
    assert vae.latent_dim == 3
    assert [layer.name for layer in vae.decoder.layers] == ["z", "decoder_hidden", "x_reconstructed"]


def test_builders_reject_bad_arguments(check_each):
    rows = [
        ({"latent_dim": 0}, ValueError, "argument `latent_dim`. Expected an integer between 1 and 784. Received: latent_dim=0"),
        ({"latent_dim": 2.0}, TypeError, "argument `latent_dim`. Expected an integer between 1 and 784. Received: latent_dim=2.0"),
        ({"hidden_units": -5}, ValueError, "argument `hidden_units`. Expected an integer between 1 and 16384. Received: hidden_units=-5"),
        ({"kl_weight": float("nan")}, ValueError, "argument `kl_weight`. Expected a finite number >= 0"),
        ({"kl_weight": float("inf")}, ValueError, "argument `kl_weight`. Expected a finite number >= 0"),
        ({"sampling_class": keras.layers.Dense}, TypeError, "argument `sampling_class`"),
        ({"vae_class": keras.Model}, TypeError, "argument `vae_class`"),
    ]

    def check(row):
        kwargs, error, message = row
        with pytest.raises(error, match=message):
            models.build_vae(**kwargs)

    check_each(rows=rows, check=check)


def test_builders_accept_numpy_integers():
    assert models.build_vae(latent_dim=np.int64(3), hidden_units=np.int32(8)).latent_dim == 3


def test_encode_and_decode_are_numpy_in_numpy_out_and_batched():
    training.set_seed(0)
    vae = models.build_vae(latent_dim=3, hidden_units=16)
    x = np.random.default_rng(0).random((7, 784))  # float64 in
    z_mean, z_log_var = vae.encode(x)
    assert z_mean.shape == z_log_var.shape == (7, 3) and z_mean.dtype == z_log_var.dtype == np.float32
    expected_mean, expected_log_var, _ = (keras.ops.convert_to_numpy(t) for t in vae.encoder(x.astype(np.float32)))
    np.testing.assert_allclose(z_mean, expected_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(z_log_var, expected_log_var, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vae.encode(x, batch_size=2)[0], z_mean, rtol=1e-5, atol=1e-6)
    x_reconstructed = vae.decode(z_mean)
    assert x_reconstructed.shape == (7, 784) and x_reconstructed.dtype == np.float32
    assert 0 <= x_reconstructed.min() and x_reconstructed.max() <= 1
    expected = keras.ops.convert_to_numpy(vae.decoder(z_mean))
    np.testing.assert_allclose(x_reconstructed, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vae.decode(z_mean.tolist(), batch_size=3), x_reconstructed, rtol=1e-5, atol=1e-6)


def test_encode_and_decode_reject_bad_inputs(check_each):
    rows = [
        (lambda vae: vae.encode(np.zeros((3, 28, 28))), ValueError, r"argument `x`. .*Received: x.shape=\(3, 28, 28\)"),
        (lambda vae: vae.encode(np.zeros((0, 784))), ValueError, r"Received: x.shape=\(0, 784\)"),
        (lambda vae: vae.encode(np.full((2, 784), 255.0)), ValueError, r"values between 0.0 and 1.0. Received: x with values in \[255, 255\]"),
        (lambda vae: vae.encode(np.full((2, 784), np.nan)), ValueError, "NaN or infinite"),
        (lambda vae: vae.encode(np.array([["a"] * 784])), TypeError, "Received: x.dtype=<U1"),
        (lambda vae: vae.encode(np.zeros((2, 784)), batch_size=0), ValueError, "argument `batch_size`"),
        (lambda vae: vae.decode(np.zeros((3, 5))), ValueError, r"argument `z`. Expected a finite array of shape \(n, 3\). Received: z.shape=\(3, 5\)"),
        (lambda vae: vae.decode(np.full((1, 3), np.inf)), ValueError, "NaN or infinite"),
    ]

    def check(row):
        call, error, message = row
        vae = models.build_vae(latent_dim=3, hidden_units=8)
        with pytest.raises(error, match=message):
            call(vae)

    check_each(rows=rows, check=check)


def test_reconstruction_loss_is_the_hook_compute_loss_calls():
    class HalfLoss(models.VAE):
        def reconstruction_loss(self, x, x_reconstructed):
            return 0.5 * super().reconstruction_loss(x, x_reconstructed)

    training.set_seed(0)
    plain = models.build_vae(latent_dim=2, hidden_units=8)
    training.set_seed(0)
    half = models.build_vae(latent_dim=2, hidden_units=8, vae_class=HalfLoss, name="half")
    assert isinstance(half, HalfLoss) and half.name == "half"
    x = np.random.default_rng(1).random((4, 784)).astype(np.float32)
    p = np.random.default_rng(2).uniform(0.1, 0.9, (4, 784)).astype(np.float32)
    full = keras.ops.convert_to_numpy(plain.reconstruction_loss(x, p))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(half.reconstruction_loss(x, p)), 0.5 * full, rtol=1e-6)
    for vae in (half, plain):
        vae(x)  # the Sampling layer adds its KL loss during the call
        vae.compute_loss(x, x, p)
    assert float(half.reconstruction_tracker.result()) == pytest.approx(0.5 * float(full.mean()), rel=1e-5)
    assert float(plain.reconstruction_tracker.result()) == pytest.approx(float(full.mean()), rel=1e-5)


def test_elbo_matches_a_numpy_reference(numpy_elbo):
    """The same weights give the same ELBO on every backend: here against NumPy."""
    keras.utils.set_random_seed(0)
    vae = models.build_vae(latent_dim=2, hidden_units=32)
    x = np.random.default_rng(1).random((6, 784)).astype(np.float32)
    np.testing.assert_allclose(mean_elbo(vae, x), numpy_elbo(vae, x), rtol=1e-4)


def test_fit_reports_loss_reconstruction_and_kl():
    keras.utils.set_random_seed(0)
    vae = models.build_vae(latent_dim=2, hidden_units=32)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).random((64, 784)).astype(np.float32)
    history = vae.fit(x, x, validation_data=(x, x), epochs=2, batch_size=32, verbose=0).history
    assert {"loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl"} <= set(history)
    for epoch in range(2):
        assert history["loss"][epoch] == pytest.approx(history["reconstruction"][epoch] + history["kl"][epoch], rel=1e-4)
    assert history["reconstruction"][1] < history["reconstruction"][0]


def test_save_and_load_round_trip(tmp_path):
    vae = models.build_vae(latent_dim=2, hidden_units=16, kl_weight=0.5)
    path = tmp_path / "vae.keras"
    saving.save_vae(vae, path)
    loaded = saving.load_vae(path)
    assert isinstance(loaded, models.VAE)
    assert loaded.encoder.get_layer("z").kl_weight == 0.5
    for original, restored in zip(vae.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(original, restored)


def test_save_never_overwrites(tmp_path):
    path = tmp_path / "vae.keras"
    path.write_text("precious")
    with pytest.raises(ValueError, match="vae.keras: file exists"):
        saving.save_vae(models.build_vae(hidden_units=8), path)
    assert path.read_text() == "precious"
    with pytest.raises(ValueError, match="must end in .keras"):
        saving.save_vae(models.build_vae(hidden_units=8), tmp_path / "vae.h5")


def test_load_rejects_what_is_not_a_package_vae(tmp_path):
    with pytest.raises(ValueError, match="missing.keras: file not found"):
        saving.load_vae(tmp_path / "missing.keras")
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip archive")
    with pytest.raises(ValueError, match="garbage.keras: not a loadable vae_lessons model"):
        saving.load_vae(garbage)
    other = tmp_path / "other.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).save(other)
    with pytest.raises(ValueError, match="other.keras: holds a Sequential, not a vae_lessons VAE"):
        saving.load_vae(other)


def test_a_saved_vae_loads_built_without_a_warning(tmp_path):
    """Keras rebuilds a loaded model by tracing its call symbolically; every check on the
    way (e.g. validation's shape checks) must let symbolic shapes through, or Keras warns
    "cannot be built automatically" into the lessons' stderr."""
    vae = models.build_vae(latent_dim=2, hidden_units=16)
    saving.save_vae(vae, tmp_path / "vae.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = saving.load_vae(tmp_path / "vae.keras")
    assert not [warning for warning in caught if issubclass(warning.category, UserWarning)]
    assert loaded.built


SAVE_WITHOUT_TENSORFLOW = """
import sys, zipfile
from vae_lessons import models, saving, training
training.set_seed(0)
vae = models.build_vae(latent_dim=2, hidden_units=8)
saving.save_vae(vae, sys.argv[1])
print("tensorflow imported by save_vae:", "tensorflow" in sys.modules)
vae.save(sys.argv[2])  # Keras's own save: asks for TensorFlow, which imports it
print("tensorflow imported by vae.save:", "tensorflow" in sys.modules)
"""


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="TensorFlow is not installed")
def test_saving_on_jax_does_not_import_tensorflow_and_saves_the_same_model(tmp_path):
    """save_vae skips Keras's TensorFlow probe on JAX; the config and weights are Keras's own."""
    ours, keras_own = tmp_path / "ours.keras", tmp_path / "keras.keras"
    environment = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, "-c", SAVE_WITHOUT_TENSORFLOW, str(ours), str(keras_own)],
        capture_output=True, text=True, env=environment, check=True,
    )
    assert "tensorflow imported by save_vae: False" in result.stdout
    assert "tensorflow imported by vae.save: True" in result.stdout  # the probe is really there
    with zipfile.ZipFile(ours) as first, zipfile.ZipFile(keras_own) as second:
        assert first.namelist() == second.namelist()
        assert first.read("config.json") == second.read("config.json")
    for saved, own in zip(saving.load_vae(ours).get_weights(), saving.load_vae(keras_own).get_weights(), strict=True):
        np.testing.assert_array_equal(saved, own)
