"""Speed settings of training.fit change the time, never the result."""

import dataclasses

import keras
import numpy as np
import pytest

from vae_lessons import training

# batch 32 as in the lessons; 200 digits make 7 steps per epoch, the last one partial,
# and 100 validation digits 4 steps: fewer than STEPS_PER_EXECUTION, so Keras's last
# execution of each epoch is a short one.
SMALL = training.TrainingConfig(hidden_units=16, epochs=2, batch_size=32, validation_size=100, train_size=200, seed=5)
# the other input path: a PyDataset redrawing black-and-white pixels every epoch, and a
# callback (KL warm-up) that changes a model variable between executions
BINARIZED_WARM_UP = dataclasses.replace(SMALL, binarized=True, kl_warmup_epochs=2)


def test_steps_per_execution_is_one_only_where_keras_requires_it():
    assert (training.STEPS_PER_EXECUTION == 1) == (keras.backend.backend() == "torch")


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="Keras runs one step per execution on PyTorch")
@pytest.mark.parametrize("config", [SMALL, BINARIZED_WARM_UP], ids=["arrays", "binarized-warm-up"])
def test_steps_per_execution_keeps_weights_and_history_identical(monkeypatch, config):
    """Same seed: bitwise the same weights and history with one step per execution and with the package's setting."""
    grouped, grouped_history = training.train(config)
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 1)
    single, single_history = training.train(config)
    assert grouped_history == single_history
    for grouped_weight, single_weight in zip(grouped.get_weights(), single.get_weights(), strict=True):
        np.testing.assert_array_equal(grouped_weight, single_weight)


def test_the_benchmark_times_keras_default_and_the_package_setting():
    from benchmarks import training_speed

    settings = training_speed.keras_settings()
    assert [steps for name, steps in settings.items() if name.endswith("(package)")] == [training.STEPS_PER_EXECUTION]
    assert 1 in settings.values()  # Keras's default, the baseline of the package's setting
