import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from vae_lessons import losses, models, training


def numpy_elbo(vae, x):
    """The ELBO at z = z_mean, computed from the weights with NumPy only."""
    weights = {w.path: keras.ops.convert_to_numpy(w) for w in vae.weights}

    def dense(name, inputs):
        return inputs @ weights[f"{name}/kernel"] + weights[f"{name}/bias"]

    hidden = np.maximum(dense("encoder_hidden", x), 0)
    z_mean, z_log_var = dense("z_mean", hidden), dense("z_log_var", hidden)
    p = 1 / (1 + np.exp(-dense("x_reconstructed", np.maximum(dense("decoder_hidden", z_mean), 0))))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    reconstruction = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    kl = 0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=1)
    return -(reconstruction + kl)


def mean_elbo(vae, x):
    z_mean, z_log_var, _ = vae.encoder(x)
    return keras.ops.convert_to_numpy(losses.elbo(x, vae.decoder(z_mean), z_mean, z_log_var))


def test_shapes_and_layer_names():
    vae = models.build_vae(latent_dim=3, hidden_units=16)
    x = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    z_mean, z_log_var, z = (keras.ops.convert_to_numpy(t) for t in vae.encoder(x))
    assert z_mean.shape == z_log_var.shape == z.shape == (5, 3)
    assert keras.ops.convert_to_numpy(vae.decoder(z)).shape == (5, 784)
    assert keras.ops.convert_to_numpy(vae(x)).shape == (5, 784)
    assert vae.latent_dim == 3
    assert [layer.name for layer in vae.decoder.layers] == ["z", "decoder_hidden", "x_reconstructed"]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"latent_dim": 0}, ValueError, "latent_dim must be >= 1"),
        ({"latent_dim": 2.0}, TypeError, "latent_dim must be an int"),
        ({"hidden_units": -5}, ValueError, "hidden_units must be >= 1"),
    ],
)
def test_builders_reject_bad_sizes(kwargs, error, message):
    with pytest.raises(error, match=message):
        models.build_vae(**kwargs)


def test_elbo_matches_a_numpy_reference():
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
    models.save_vae(vae, path)
    loaded = models.load_vae(path)
    assert isinstance(loaded, models.VAE)
    assert loaded.encoder.get_layer("z").kl_weight == 0.5
    for original, restored in zip(vae.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(original, restored)


def test_save_never_overwrites(tmp_path):
    path = tmp_path / "vae.keras"
    path.write_text("precious")
    with pytest.raises(ValueError, match="vae.keras: file exists"):
        models.save_vae(models.build_vae(hidden_units=8), path)
    assert path.read_text() == "precious"
    with pytest.raises(ValueError, match="must end in .keras"):
        models.save_vae(models.build_vae(hidden_units=8), tmp_path / "vae.h5")


def test_load_rejects_what_is_not_a_package_vae(tmp_path):
    with pytest.raises(ValueError, match="missing.keras: file not found"):
        models.load_vae(tmp_path / "missing.keras")
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip archive")
    with pytest.raises(ValueError, match="garbage.keras: not a loadable vae_lessons model"):
        models.load_vae(garbage)
    other = tmp_path / "other.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).save(other)
    with pytest.raises(ValueError, match="other.keras: holds a Sequential, not a vae_lessons VAE"):
        models.load_vae(other)


BACKEND_PACKAGES = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}
INSTALLED_BACKENDS = [name for name, package in BACKEND_PACKAGES.items() if importlib.util.find_spec(package)]
ELBO_SCRIPT = """
import json, sys
import numpy as np
import keras
from vae_lessons import losses, models
vae = models.load_vae(sys.argv[1])
x = np.load(sys.argv[2])
z_mean, z_log_var, _ = vae.encoder(x)
elbo = losses.elbo(x, vae.decoder(z_mean), z_mean, z_log_var)
print(json.dumps({"backend": keras.backend.backend(), "elbo": keras.ops.convert_to_numpy(elbo).tolist()}))
"""


@pytest.mark.skipif(len(INSTALLED_BACKENDS) < 2, reason="needs two installed Keras backends")
def test_same_weights_give_the_same_elbo_on_every_installed_backend(tmp_path):
    training.set_seed(0)
    vae = models.build_vae(latent_dim=2, hidden_units=64)
    models.save_vae(vae, tmp_path / "vae.keras")
    x = np.random.default_rng(0).random((16, 784)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    results = {}
    for backend in INSTALLED_BACKENDS:
        env = {**os.environ, "KERAS_BACKEND": backend}
        completed = subprocess.run(
            [sys.executable, "-c", ELBO_SCRIPT, str(tmp_path / "vae.keras"), str(tmp_path / "x.npy")],
            env=env, capture_output=True, text=True, check=True,
        )
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        assert result["backend"] == backend
        results[backend] = np.array(result["elbo"])
    reference = numpy_elbo(vae, x)
    for backend, elbo in results.items():
        np.testing.assert_allclose(elbo, reference, rtol=1e-4, err_msg=backend)
