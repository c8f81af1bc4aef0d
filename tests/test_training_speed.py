"""Speed settings of training.fit change the time, never the result."""

import keras
import numpy as np
import pytest

from vae_lessons import training

# batch 32 as in the lessons; 200 digits make 7 steps per epoch, the last one partial,
# and 100 validation digits 4 steps: fewer than STEPS_PER_EXECUTION, so Keras's last
# execution of each epoch is a short one.
SMALL = training.TrainingConfig(hidden_units=16, epochs=2, batch_size=32, validation_size=100, train_size=200, seed=5)


def test_steps_per_execution_is_one_only_where_keras_requires_it():
    assert (training.STEPS_PER_EXECUTION == 1) == (keras.backend.backend() == "torch")


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="Keras runs one step per execution on PyTorch")
def test_steps_per_execution_keeps_weights_and_history_identical(monkeypatch):
    """Same seed: bitwise the same weights and history with one step per execution and with the package's setting."""
    fused, fused_history = training.train(SMALL)
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 1)
    single, single_history = training.train(SMALL)
    assert fused_history == single_history
    for fused_weight, single_weight in zip(fused.get_weights(), single.get_weights(), strict=True):
        np.testing.assert_array_equal(fused_weight, single_weight)
