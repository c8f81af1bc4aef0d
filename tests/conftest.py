"""Shared test helpers, as fixtures: tests ask for them by name and never import one
another. Tests run on the backend named by KERAS_BACKEND (JAX by default).

Run as a script, ``KERAS_BACKEND=torch python tests/conftest.py FOLDER`` prints
``backend_scores(FOLDER)`` as one JSON line: ``tests/test_backends.py`` runs
it in a fresh Python for each other backend (Keras picks its backend when it is first
imported).
"""

import gzip
import json
import struct
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import vae_lessons  # noqa: F401  (the package picks the backend: see ARCHITECTURE.md)

import keras

from vae_lessons import architectures, losses, models, saving

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty, private model cache for one test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(folder))
    return folder


# --- checking many cases in one test -----------------------------------------------


def _failures(cases, check):
    """``"case: what went wrong"`` for each ``(case, value)`` of ``cases`` where
    ``check(value)`` fails (an AssertionError, or any exception, with its message)."""
    found = []
    for case, value in cases:
        try:
            check(value)
        except (Exception, pytest.fail.Exception) as error:  # noqa: BLE001 - every failing case is named
            found.append(f"{case}: {type(error).__name__}: {error}")
    return found


def _describe(value):
    """A short name for one value of a table's row."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape} of {value.dtype}"
    if callable(value) and getattr(value, "__name__", "") == "<lambda>":
        return "a call"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@pytest.fixture(scope="session")
def check_each():
    """``check_each(cases, check)``: run ``check`` on every case and fail once, naming
    every case that failed and why (one test for many rows of the same behaviour).

    ``cases`` is an iterable of ``(name, value)``; ``check(value)`` asserts. With
    ``check_each(rows=rows, check=check)`` each row (a tuple) is its own value and is
    named by its values.
    """

    def run(cases=None, check=None, *, rows=None):
        if rows is not None:
            cases = [(", ".join(_describe(part) for part in row), row) for row in rows]
        cases = list(cases)
        assert cases, "no cases to check"
        failed = _failures(cases, check)
        assert not failed, f"{len(failed)} of {len(cases)} cases failed:\n" + "\n".join(failed)

    return run


# --- gradients on any backend --------------------------------------------------------


def _gradients(function, inputs):
    """Gradients of ``sum(function(*inputs))`` with respect to each input, on any backend.

    Tests only: the package itself never needs backend-specific code.
    """
    backend = keras.backend.backend()
    inputs = [np.asarray(value, dtype=np.float32) for value in inputs]
    if backend == "jax":
        import jax

        def total(*args):
            return function(*args).sum()

        return [np.asarray(g) for g in jax.grad(total, argnums=tuple(range(len(inputs))))(*inputs)]
    if backend == "tensorflow":
        import tensorflow as tf

        variables = [tf.Variable(value) for value in inputs]
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(function(*variables))
        return [g.numpy() for g in tape.gradient(total, variables)]
    if backend == "torch":
        import torch

        tensors = [torch.tensor(value, requires_grad=True) for value in inputs]
        function(*tensors).sum().backward()
        return [t.grad.numpy() for t in tensors]
    raise RuntimeError(f"no gradient helper for backend {backend}")


@pytest.fixture(scope="session")
def gradients():
    """``gradients(function, inputs)``: the gradients of ``sum(function(*inputs))``."""
    return _gradients


# --- NumPy references of the models' ELBO ----------------------------------------------


def _dense_layers(vae):
    weights = {w.path: keras.ops.convert_to_numpy(w) for w in vae.weights}

    def dense(name, inputs):
        return inputs @ weights[f"{name}/kernel"] + weights[f"{name}/bias"]

    return dense


def _elbo_from(x, dense, encoder_input, condition=None):
    hidden = np.maximum(dense("encoder_hidden", encoder_input), 0)
    z_mean, z_log_var = dense("z_mean", hidden), dense("z_log_var", hidden)
    decoder_input = z_mean if condition is None else np.concatenate([z_mean, condition], axis=1)
    p = 1 / (1 + np.exp(-dense("x_reconstructed", np.maximum(dense("decoder_hidden", decoder_input), 0))))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    reconstruction = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    kl = 0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=1)
    return -(reconstruction + kl)


def _numpy_elbo(vae, x):
    """The MLP VAE's ELBO at z = z_mean, computed from its weights with NumPy only."""
    return _elbo_from(x, _dense_layers(vae), x)


def _numpy_conditional_elbo(vae, x, labels):
    """The conditional VAE's ELBO at z = z_mean of q(z|x, y), from its weights with NumPy only."""
    one_hot = np.eye(10, dtype=np.float32)[labels]
    return _elbo_from(x, _dense_layers(vae), np.concatenate([x, one_hot], axis=1), condition=one_hot)


@pytest.fixture(scope="session")
def numpy_elbo():
    """``numpy_elbo(vae, x)``: the MLP VAE's ELBO per digit, shape (n,), by NumPy."""
    return _numpy_elbo


@pytest.fixture(scope="session")
def numpy_conditional_elbo():
    """``numpy_conditional_elbo(vae, x, labels)``: the conditional VAE's ELBO per digit, by NumPy."""
    return _numpy_conditional_elbo


# --- a small convolutional VAE ------------------------------------------------------------


def _conv_vae(latent_dim=2, filters=(8, 16), dense_units=None, final_convolution=False, kl_weight=1.0, seed=1):
    encoder = architectures.build_conv_encoder(
        latent_dim, filters, dense_units, kl_weight=kl_weight, seed=seed
    )
    decoder = architectures.build_conv_decoder(latent_dim, filters, final_convolution=final_convolution)
    vae = models.VAE(encoder, decoder, name="vae")
    vae.build((None, 784))
    return vae


@pytest.fixture(scope="session")
def conv_vae():
    """``conv_vae(latent_dim=2, filters=(8, 16), dense_units=None, ...)``: a built, untrained conv VAE."""
    return _conv_vae


# --- MNIST in the IDX format, written by the tests ------------------------------------------


def _write_idx(path, array):
    """Write ``array`` (uint8, 1 or 3 dimensions) as a gzipped IDX file."""
    magic = 0x00000803 if array.ndim == 3 else 0x00000801
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def _make_idx_folder(folder, arrays):
    """A new folder holding the four IDX files of ``arrays`` (keys as ``data.IDX_FILES``)."""
    from vae_lessons import data

    folder.mkdir()
    for key, name in data.IDX_FILES.items():
        _write_idx(folder / name, arrays[key])
    return folder


@pytest.fixture(scope="session")
def write_idx():
    """``write_idx(path, array)``: write a gzipped IDX file."""
    return _write_idx


@pytest.fixture(scope="session")
def make_idx_folder():
    """``make_idx_folder(folder, arrays)``: the four IDX files of an MNIST in a new folder."""
    return _make_idx_folder


# --- what the cross-backend tests compute on one backend ------------------------------------


def _backend_scores(folder):
    """Score the three saved VAEs of ``folder`` on ``x.npy``; train the convolutional one briefly.

    Parameters
    ----------
    folder : Path
        Holds ``mlp.keras``, ``conditional.keras``, ``conv.keras``, ``x.npy`` (shape
        (16, 784)) and ``labels.npy`` (shape (16,)).

    Returns
    -------
    results : dict
        The backend's name; the ELBO per digit at z = z_mean of each model, shape (16,);
        and the history of 2 epochs of the convolutional VAE on dynamically binarized
        digits with a 1-epoch KL warm-up.
    """

    def numbers(tensor):
        return keras.ops.convert_to_numpy(tensor).tolist()

    folder = Path(folder)
    x, labels = np.load(folder / "x.npy"), np.load(folder / "labels.npy")
    mlp = saving.load_vae(folder / "mlp.keras")
    z_mean, z_log_var = mlp.encode(x)
    mlp_elbo = losses.elbo(x, mlp.decode(z_mean), z_mean, z_log_var)
    conditional = saving.load_vae(folder / "conditional.keras")
    z_mean, z_log_var = conditional.encode(x, labels)
    conditional_elbo = losses.elbo(x, conditional.decode(z_mean, labels), z_mean, z_log_var)
    conv = saving.load_vae(folder / "conv.keras")  # safe_mode: no Lambda layers
    z_mean, z_log_var, _ = conv.encoder(x)
    conv_elbo = losses.elbo(x, conv.decoder(z_mean), z_mean, z_log_var)
    conv.compile(optimizer="adam")
    history = conv.fit(
        architectures.DynamicBinarization(x, batch_size=8, seed=0), epochs=2, verbose=0,
        callbacks=[architectures.KLWarmUp(warmup_epochs=1)],
    ).history
    return {
        "backend": keras.backend.backend(),
        "mlp_elbo": numbers(mlp_elbo),
        "conditional_elbo": numbers(conditional_elbo),
        "conv_elbo": numbers(conv_elbo),
        "conv_history": {name: [float(value) for value in values] for name, values in history.items()},
    }


@pytest.fixture(scope="session")
def backend_scores():
    """``backend_scores(folder)``: what the cross-backend tests compute on this process's backend."""
    return _backend_scores


if __name__ == "__main__":
    print(json.dumps(_backend_scores(sys.argv[1])))
