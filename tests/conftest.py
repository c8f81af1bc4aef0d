"""Shared test helpers. Tests run on the backend named by KERAS_BACKEND (JAX by default)."""

import matplotlib
import numpy as np
import pytest

import vae_lessons  # noqa: F401  (the package picks the backend: see ARCHITECTURE.md)

import keras

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


def gradients(function, inputs):
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
