"""The same weights give the same results on every installed Keras backend.

The MLP VAE, the conditional VAE and the convolutional VAE are built and saved here;
each other installed backend loads them in one fresh Python (Keras picks its backend
when it is first imported, and each fresh Python pays seconds to import it, so one per
backend runs every check: ``backend_scores`` in ``tests/conftest.py``), this process's backend loads
them here. Each scores the same 16 digits: the ELBO at z = z_mean must match a NumPy
reference (MLP, conditional) or this process's Keras (convolutional); then the
convolutional VAE trains 2 epochs on dynamically binarized digits with a KL warm-up.
"""

import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from vae_lessons import conditional, losses, models, saving, training

TESTS = Path(__file__).resolve().parent
BACKEND_PACKAGES = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}
INSTALLED_BACKENDS = [name for name, package in BACKEND_PACKAGES.items() if importlib.util.find_spec(package)]


@pytest.fixture(scope="module")
def saved(tmp_path_factory, conv_vae, numpy_elbo, numpy_conditional_elbo):
    """The three VAEs, saved with 16 digits and labels; their reference ELBOs, shape (16,)."""
    folder = tmp_path_factory.mktemp("backends")
    x = np.random.default_rng(0).random((16, 784)).astype(np.float32)
    labels = np.arange(16) % 10
    np.save(folder / "x.npy", x)
    np.save(folder / "labels.npy", labels)
    training.set_seed(0)
    mlp = models.build_vae(latent_dim=2, hidden_units=64)
    training.set_seed(0)
    conditional_vae = models.build_vae(latent_dim=2, hidden_units=32, vae_class=conditional.ConditionalVAE)
    training.set_seed(0)
    conv = conv_vae(filters=(4, 8), dense_units=6)
    for name, vae in [("mlp", mlp), ("conditional", conditional_vae), ("conv", conv)]:
        saving.save_vae(vae, folder / f"{name}.keras")
    z_mean, z_log_var, _ = conv.encoder(x)
    references = {
        "mlp_elbo": numpy_elbo(mlp, x),
        "conditional_elbo": numpy_conditional_elbo(conditional_vae, x, labels),
        "conv_elbo": keras.ops.convert_to_numpy(losses.elbo(x, conv.decoder(z_mean), z_mean, z_log_var)),
    }
    return folder, references


@pytest.fixture(scope="module")
def results(saved, backend_scores):
    """``results(backend)``: what ``backend_scores`` computes on that backend, computed once."""
    folder, _ = saved

    @functools.cache
    def on(backend):
        if backend == keras.backend.backend():
            return backend_scores(folder)
        path = os.pathsep.join(part for part in [str(TESTS.parent), os.environ.get("PYTHONPATH", "")] if part)
        completed = subprocess.run(
            [sys.executable, str(TESTS / "conftest.py"), str(folder)],
            env={**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": path}, capture_output=True, text=True, check=False,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        return json.loads(completed.stdout.strip().splitlines()[-1])

    return on


@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
def test_same_weights_give_the_same_elbo_on_every_installed_backend(backend, saved, results):
    """The MLP and the conditional VAE: the NumPy reference ELBO from the same weights."""
    _, references = saved
    result = results(backend)
    assert result["backend"] == backend
    for name in ("mlp_elbo", "conditional_elbo"):
        np.testing.assert_allclose(result[name], references[name], rtol=1e-4, err_msg=name)


@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
def test_the_conv_vae_loads_scores_and_trains_on_every_backend(backend, saved, results):
    """Same weights, same ELBO; then a few training steps, warmed up, on binarized digits."""
    _, references = saved
    result = results(backend)
    assert result["backend"] == backend
    np.testing.assert_allclose(result["conv_elbo"], references["conv_elbo"], rtol=1e-4)
    history = result["conv_history"]
    assert history["kl"][0] == 0.0 and history["kl"][1] > 0
    assert all(np.isfinite(history["loss"]))
