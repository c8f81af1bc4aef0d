"""Speed settings of training.fit change the time, never the result."""

import dataclasses

import keras
import numpy as np
import pytest

from vae_lessons import fused_steps, models, training

# batch 32 as in the lessons; 200 digits make 7 steps per epoch, the last one partial,
# and 100 validation digits 4 steps: fewer than STEPS_PER_EXECUTION, so Keras's last
# execution of each epoch is a short one.
SMALL = training.TrainingConfig(hidden_units=16, epochs=2, batch_size=32, validation_size=100, train_size=200, seed=5)
# the other input path: a PyDataset redrawing black-and-white pixels every epoch, and a
# callback (KL warm-up) that changes a model variable between executions
BINARIZED_WARM_UP = dataclasses.replace(SMALL, binarized=True, kl_warmup_epochs=2)
# 224 digits: 7 full batches and no partial one, so an execution is one scan only
WHOLE_BATCHES = dataclasses.replace(SMALL, train_size=224)


def trains_by_scan(vae, steps_per_execution=training.STEPS_PER_EXECUTION):
    """Compile ``vae`` as training.fit does and say whether its train function is fused_steps' scan."""
    vae.compile(optimizer="adam", steps_per_execution=steps_per_execution)
    vae.make_train_function()
    return vae.train_function.__qualname__.startswith("_scanned_train_function")


def test_steps_per_execution_is_one_only_where_keras_requires_it():
    assert (training.STEPS_PER_EXECUTION == 1) == (keras.backend.backend() == "torch")


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="Keras runs one step per execution on PyTorch")
@pytest.mark.parametrize("config", [SMALL, BINARIZED_WARM_UP, WHOLE_BATCHES], ids=["arrays", "binarized-warm-up", "whole-batches"])
def test_steps_per_execution_keeps_weights_and_history_identical(monkeypatch, config):
    """Same seed: bitwise the same weights and history with one step per execution and with the package's setting."""
    fused, fused_history = training.train(config)
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 1)
    single, single_history = training.train(config)
    assert fused_history == single_history
    for fused_weight, single_weight in zip(fused.get_weights(), single.get_weights(), strict=True):
        np.testing.assert_array_equal(fused_weight, single_weight)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the scanned train function is JAX's")
def test_on_jax_an_execution_is_one_scanned_program():
    """The package's models train through fused_steps' scan on JAX; one step per execution through Keras's own loop."""
    fused, _ = training.train(SMALL)
    assert fused.train_function.__qualname__.startswith("_scanned_train_function")
    assert not trains_by_scan(training.build(SMALL), steps_per_execution=1)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the scanned train function is JAX's")
def test_xla_convolutions_keep_keras_loop_and_the_conv_vae_is_scanned():
    """XLA on CPU runs scanned convolutions slower (benchmarks/training_speed.py --architecture conv);
    the package's conv VAE computes its convolutions as matrix products, so it is scanned."""
    conv = training.build(dataclasses.replace(SMALL, architecture="conv"))
    assert trains_by_scan(conv)
    inputs = keras.Input((784,))
    hidden = keras.layers.Reshape((28, 28, 1))(inputs)
    hidden = keras.layers.Conv2D(2, 3, strides=2, padding="same")(hidden)  # an XLA convolution
    z_mean = keras.layers.Dense(2)(keras.layers.Flatten()(hidden))
    encoder = keras.Model(inputs, [z_mean, z_mean, z_mean])
    assert not trains_by_scan(models.VAE(encoder, conv.decoder))


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the scanned train function is JAX's")
def test_binarized_batches_keep_the_short_batch_last(monkeypatch):
    """The PyDataset shuffles its own digits; were Keras to shuffle the batches' order too,
    the short batch would split an epoch's scan into runs of changing length (recompiled)."""
    stacked_shapes = []
    stack = fused_steps._stack

    def recording_stack(*leaves):
        stacked = stack(*leaves)
        stacked_shapes.append(None if stacked is None else stacked.shape)
        return stacked

    monkeypatch.setattr(fused_steps, "_stack", recording_stack)
    training.train(BINARIZED_WARM_UP)  # 200 digits: 6 batches of 32, then one of 8
    assert set(stacked_shapes) == {(6, 32, 784)}
    assert len(stacked_shapes) == 2 * BINARIZED_WARM_UP.epochs  # x and y, once per epoch
