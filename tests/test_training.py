import math

import keras
import numpy as np
import pytest

from vae_lessons import data, losses, models, training

TINY = training.TrainingConfig(hidden_units=16, epochs=2, batch_size=64, validation_size=100, train_size=200, seed=3)


def weights_of(vae):
    return [np.asarray(w) for w in vae.get_weights()]


def test_same_seed_same_backend_same_weights():
    first, history_1 = training.train(TINY)
    second, history_2 = training.train(TINY)
    for a, b in zip(weights_of(first), weights_of(second)):
        np.testing.assert_array_equal(a, b)
    assert history_1 == history_2
    other, _ = training.train(training.TrainingConfig(**{**TINY.__dict__, "seed": 4}))
    assert not np.array_equal(weights_of(first)[0], weights_of(other)[0])


def test_training_data_sizes():
    x_train, x_validation = training.training_data(TINY)
    assert x_train.shape == (200, 784) and x_validation.shape == (100, 784)
    with pytest.raises(ValueError, match="train_size=3999 exceeds"):
        training.training_data(training.TrainingConfig(train_size=3999))


@pytest.mark.parametrize(
    "field, value, error",
    [("epochs", 0, ValueError), ("latent_dim", 2.5, TypeError), ("kl_weight", -1.0, ValueError),
     ("learning_rate", float("nan"), TypeError), ("train_size", 0, ValueError)],
)
def test_config_rejects_bad_values(field, value, error):
    with pytest.raises(error, match=field):
        training.TrainingConfig(**{field: value})


def test_nan_guard_stops_and_raises(monkeypatch):
    x = np.full((64, 784), np.nan, np.float32)
    monkeypatch.setattr(training, "training_data", lambda config: (x, x[:10]))
    with pytest.raises(FloatingPointError, match="training diverged: loss became nan at epoch 1"):
        training.train(TINY)
    with pytest.raises(FloatingPointError, match="val_kl became inf at epoch 2"):
        training.check_finite({"val_kl": [1.0, math.inf]})


def test_compact_progress_prints_every_nth_epoch_without_timings(capsys):
    training.train(training.TrainingConfig(**{**TINY.__dict__, "epochs": 3}), progress=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("epoch   3/3  loss ")
    assert "val_loss" in lines[0] and " s" not in lines[0]


def test_decode_checks_the_latent_size():
    vae, _ = training.train(TINY)
    assert training.decode(vae, np.zeros((3, 2))).shape == (3, 784)
    with pytest.raises(ValueError, match=r"z: expected shape \(n, 2\)"):
        training.decode(vae, np.zeros((3, 5)))


def test_default_model_beats_the_original_notebook():
    """The lessons' default budget: test negative ELBO well below the original's 174 nats."""
    vae, history = training.trained_vae(training.TrainingConfig())
    _, (x_test_images, _) = data.load_mnist()
    x_test = data.flatten_and_scale(x_test_images)
    z_mean, z_log_var, _ = vae.encoder.predict(x_test, verbose=0)
    elbo = losses.elbo(x_test, training.decode(vae, z_mean), z_mean, z_log_var)  # (1000,)
    negative_elbo = -float(np.mean(keras.ops.convert_to_numpy(elbo)))
    assert negative_elbo < 168.0, negative_elbo
