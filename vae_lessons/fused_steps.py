"""Lesson 4 (speed): on JAX, run ``steps_per_execution`` training steps as one XLA program.

``model.compile(steps_per_execution=N)`` asks Keras to run N training steps per call of
its compiled train function. On JAX, Keras 3.15 (the newest release) still runs them as
a Python loop around a one-step compiled function: N dispatches from Python, N batch
copies, and XLA never sees two steps at once. Keras's own fix
(keras-team/keras#23527, merged in August 2026 and not yet released) fuses the N steps
into one program with ``jax.lax.scan``. :class:`ScannedTrainSteps` is that fix for the
one case the package uses (plain arrays or a ``PyDataset``, one device, compiled):
Keras's unchanged ``train_step``, scanned over the batches of one execution. It is
written here because no released Keras has it; delete it once Keras does.

The steps, their order, their batches and their random numbers are Keras's own, so the
weights are bitwise those of one step per execution (``tests/test_training_speed.py``);
only the time changes (``benchmarks/training_speed.py``: the fraction of a hand-written
``lax.scan`` epoch). Every other case (TensorFlow, PyTorch, one step per execution,
``run_eagerly``, a ``keras.distribution``, and models with XLA convolutions, which run
slower inside a scan on CPU) is Keras's own code path. The package's convolutional VAE
is scanned: its convolutions are matrix products (:mod:`vae_lessons.matmul_convolutions`).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import tree

from vae_lessons.matmul_convolutions import (
    MatmulConv2D,
    MatmulConv2DTranspose,
)

MATMUL_CONVOLUTIONS = (MatmulConv2D, MatmulConv2DTranspose)


class ScannedTrainSteps:
    """Mixin for a ``keras.Model``: a JAX train function that scans its steps.

    Each call takes up to ``steps_per_execution`` batches from Keras's epoch iterator,
    stacks the leading run of same-shape batches to shape (steps, batch, ...) and trains
    on them in one ``jax.lax.scan`` of ``train_step``; a batch of another shape (an
    epoch's last, partial batch) trains after them with the one-step function. The
    logs returned are the last step's, as Keras's loop returns.
    """

    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return
        uses_keras_loop = (
            keras.backend.backend() != "jax"
            or self.steps_per_execution == 1
            or self.run_eagerly
            or not self.jit_compile
            or keras.distribution.distribution() is not None
            or _has_convolutions(self)
        )
        if uses_keras_loop:
            super().make_train_function(force)
            return
        self.train_function = _scanned_train_function(self.train_step, self.steps_per_execution)


# XLA's convolutions inside a scanned step run about 2.4x slower than as separate steps
# on CPU (benchmarks/training_speed.py --architecture conv, with Keras's Conv2D: 1,721
# digits/s scanned against 4,137 with Keras's loop, JAX 0.10.2), so a model with one
# trains by Keras's loop. The matrix-product convolutions are not XLA convolutions.
CONVOLUTIONS = (
    keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
    keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose,
    keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D,
)


def _has_convolutions(model):
    """Whether ``model`` or any model nested in it has a layer XLA runs as a convolution."""
    layers = list(model.layers)
    while layers:
        layer = layers.pop()
        if isinstance(layer, CONVOLUTIONS) and not isinstance(layer, MATMUL_CONVOLUTIONS):
            return True
        layers.extend(getattr(layer, "layers", []))
    return False


def _scanned_train_function(train_step, steps_per_execution):
    """Keras's train-function contract, ``(state, iterator) -> (logs, state)``, fused by scan.

    Parameters
    ----------
    train_step : callable
        Keras's ``Model.train_step(state, data) -> (logs, state)`` on JAX.
    steps_per_execution : int
        Most batches taken from the iterator per call.
    """
    import jax

    def scan_steps(state, stacked_data):
        # stacked_data: every leaf (steps, batch, ...); scan feeds one batch per step
        def one_step(state, data):
            logs, state = train_step(state, data)
            return state, logs

        state, logs = jax.lax.scan(one_step, state, stacked_data)
        return tree.map_structure(lambda values: values[-1], logs), state  # the last step's logs

    # donate the state's buffers, as Keras's own compiled train step does
    scanned = jax.jit(scan_steps, donate_argnums=0)
    single = jax.jit(train_step, donate_argnums=0)

    def train_function(state, iterator):
        batches = [next(iterator)]  # StopIteration here ends the epoch, as in Keras's loop
        for _ in range(steps_per_execution - 1):
            try:
                batches.append(next(iterator))
            except StopIteration:
                break
        first = _signature(batches[0])
        same_shape = 1
        while same_shape < len(batches) and _signature(batches[same_shape]) == first:
            same_shape += 1
        if same_shape == 1:
            same_shape = 0  # one batch: the one-step function, no scan compiled for it
        else:
            stacked = tree.map_structure(_stack, *batches[:same_shape])
            logs, state = scanned(state, stacked)
        for data in batches[same_shape:]:
            logs, state = single(state, data)
        return logs, state

    return train_function


def _stack(*leaves):
    """One leaf of every batch -> shape (steps, batch, ...); an absent leaf stays absent.

    NumPy batches (what Keras's array and ``PyDataset`` adapters yield) are stacked on the
    host and copied to the device once; device arrays are stacked where they are.
    """
    if leaves[0] is None:
        return None
    if all(isinstance(leaf, np.ndarray) for leaf in leaves):
        return np.stack(leaves)
    import jax.numpy as jnp

    return jnp.stack(leaves)


def _signature(data):
    """The structure, shapes and dtypes of one batch: batches that match can be stacked."""
    return tree.map_structure(lambda leaf: None if leaf is None else (tuple(leaf.shape), str(leaf.dtype)), data)
