import dataclasses
import math
import signal

import keras
import numpy as np
import pytest

from vae_lessons import cache as model_cache
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


# the other input path: a PyDataset redrawing black-and-white pixels every epoch, and a
# callback (KL warm-up) that changes a model variable between executions
BINARIZED_WARM_UP = dataclasses.replace(TINY, binarized=True, kl_warmup_epochs=2)


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="Keras runs one step per execution on PyTorch")
@pytest.mark.parametrize("config", [TINY, BINARIZED_WARM_UP], ids=["arrays", "binarized-warm-up"])
def test_steps_per_execution_keeps_weights_and_history_identical(monkeypatch, config):
    """A speed setting changes the time, never the result: same seed, bitwise the same
    weights and history with one step per execution and with the package's setting
    (TINY's 200 digits make 4 steps per epoch, the last one partial)."""
    grouped, grouped_history = training.train(config)
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 1)
    single, single_history = training.train(config)
    assert grouped_history == single_history
    for grouped_weight, single_weight in zip(grouped.get_weights(), single.get_weights(), strict=True):
        np.testing.assert_array_equal(grouped_weight, single_weight)


def test_training_data_sizes():
    x_train, x_validation = training.training_data(TINY)
    assert x_train.shape == (200, 784) and x_validation.shape == (100, 784)
    with pytest.raises(ValueError, match="argument `train_size`. Expected at most the 3600 training digits"):
        training.training_data(training.TrainingConfig(train_size=3999))


def idx_folder(make_idx_folder, folder, num_train=120, seed=0):
    """A small MNIST in the four IDX .gz files, written by the test (never downloaded)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(num_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(20) % 10).astype(np.uint8),
    }
    return make_idx_folder(folder, arrays), arrays


def test_source_trains_on_a_local_idx_folder_and_keys_the_cache(tmp_path, cache, make_idx_folder, write_idx):
    folder, arrays = idx_folder(make_idx_folder, tmp_path / "mnist")
    config = training.TrainingConfig(
        hidden_units=8, epochs=1, batch_size=32, validation_size=20, source=folder, seed=1
    )
    assert config.source == str(folder)  # a Path is stored as its string
    x_train, x_validation = training.training_data(config)
    assert x_train.shape == (100, 784) and x_validation.shape == (20, 784)
    all_digits = data.flatten_and_scale(arrays["x_train"])
    assert {row.tobytes() for row in np.concatenate([x_train, x_validation])} == {row.tobytes() for row in all_digits}
    metadata = training.cache_metadata(config)
    assert metadata["config"]["source"] == str(folder)
    assert metadata["data_sha256"] == {name: data.sha256_of(folder / name) for name in data.IDX_FILES.values()}
    training.trained_vae(config)
    entry = model_cache.cache_entry(training.cache_metadata(config))
    assert entry.is_dir()
    # Changing a file changes the cache key: the old entry no longer matches.
    write_idx(folder / data.IDX_FILES["x_train"], arrays["x_train"][::-1].copy())
    assert training.cache_metadata(config)["data_sha256"] != metadata["data_sha256"]
    assert model_cache.cache_entry(training.cache_metadata(config)) != entry


def test_source_defaults_to_the_sample_and_rejects_bad_values(tmp_path):
    assert training.TrainingConfig().source == "sample"
    assert training.cache_metadata(training.TrainingConfig())["data_sha256"] == data.SAMPLE_SHA256
    assert training.cache_metadata(training.TrainingConfig(source="keras"))["data_sha256"] == "keras.datasets.mnist"
    with pytest.raises(TypeError, match="Invalid value received for argument `source`"):
        training.TrainingConfig(source=3)
    with pytest.raises(ValueError, match="argument `source`. Expected 'sample', 'keras'"):
        training.cache_metadata(training.TrainingConfig(source=str(tmp_path / "absent")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="missing IDX files"):
        training.cache_metadata(training.TrainingConfig(source=tmp_path / "empty"))


def test_config_rejects_bad_values(check_each):
    """Every field is checked (how the checks word their messages: tests/test_validation.py)."""
    cases = [("epochs", 0, ValueError), ("latent_dim", 2.5, TypeError), ("kl_weight", -1.0, ValueError),
             ("kl_weight", float("inf"), ValueError), ("learning_rate", float("nan"), ValueError),
             ("learning_rate", 0.0, ValueError), ("train_size", 0, ValueError), ("seed", -1, ValueError),
             ("seed", 2**31, ValueError), ("batch_size", True, TypeError), ("hidden_units", "8", TypeError),
             ("validation_size", -1, ValueError)]  # fmt: skip

    def refused(case):
        field, value, error = case
        with pytest.raises(error, match=f"Invalid value received for argument `{field}`"):
            training.TrainingConfig(**{field: value})

    check_each(((f"{field}={value!r}", (field, value, error)) for field, value, error in cases), refused)


def test_config_normalises_numbers_so_equal_settings_share_a_cache_key():
    one = training.TrainingConfig(kl_weight=1, latent_dim=np.int64(2), learning_rate=np.float32(0.5), seed=np.uint32(0))
    same = training.TrainingConfig(kl_weight=1.0, latent_dim=2, learning_rate=0.5, seed=0)
    assert one == same and model_cache.cache_entry(training.cache_metadata(one)) == model_cache.cache_entry(training.cache_metadata(same))
    assert type(one.kl_weight) is float and type(one.latent_dim) is int and type(one.seed) is int
    assert training.TrainingConfig(seed=2**31 - 1).seed == 2**31 - 1


def test_validation_size_must_leave_training_digits():
    with pytest.raises(ValueError, match=r"argument `validation_size`. Expected fewer than the 4000 training digits"):
        training.training_data(training.TrainingConfig(validation_size=4000))


def test_fit_refuses_what_is_not_a_vae():
    with pytest.raises(TypeError, match=r"argument `vae`. Expected a vae_lessons models.VAE"):
        training.fit(keras.Sequential([keras.layers.Dense(784)]), TINY)
    with pytest.raises(TypeError, match="argument `config`"):
        training.fit(models.build_vae(hidden_units=8), {"epochs": 1})


def test_set_seed_checks_its_range():
    with pytest.raises(ValueError, match="argument `seed`"):
        training.set_seed(2**32)
    training.set_seed(np.int64(3))


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




def test_default_model_beats_the_original_notebook():
    """The lessons' default budget: test negative ELBO well below the original's 174 nats."""
    vae, history = training.trained_vae(training.TrainingConfig())
    _, (x_test_images, _) = data.load_mnist()
    x_test = data.flatten_and_scale(x_test_images)
    z_mean, z_log_var = vae.encode(x_test)
    elbo = losses.elbo(x_test, vae.decode(z_mean), z_mean, z_log_var)  # (1000,)
    negative_elbo = -float(np.mean(keras.ops.convert_to_numpy(elbo)))
    assert negative_elbo < 168.0, negative_elbo


class StopButton(keras.callbacks.Callback):
    """Jupyter's stop button, pressed inside ``fit``: a KeyboardInterrupt once epoch
    ``epoch`` (from 0) has run its training steps, before that epoch ends."""

    def __init__(self, epoch):
        super().__init__()
        self.stop_epoch = epoch
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.stop_epoch:
            raise KeyboardInterrupt


def test_the_stop_button_leaves_the_model_of_the_last_finished_epoch():
    config = training.TrainingConfig(**{**TINY.__dict__, "epochs": 3})
    two_epochs, _ = training.train(TINY)  # TINY: the same run, 2 epochs
    training.set_seed(config.seed)
    vae = training.build(config)
    with pytest.raises(KeyboardInterrupt) as stopped:
        training.fit(vae, config, callbacks=[StopButton(epoch=2)])
    assert "stopped after 2 of 3 epochs" in " ".join(stopped.value.__notes__)
    for kept, finished in zip(weights_of(vae), weights_of(two_epochs)):
        np.testing.assert_allclose(kept, finished, rtol=1e-6, atol=1e-7)
    z = np.zeros((3, 2), "float32")
    np.testing.assert_allclose(vae.decode(z), two_epochs.decode(z), rtol=1e-5, atol=1e-7)
    _, history = training.fit(vae, TINY)  # and it trains again
    assert len(history["loss"]) == 2 and all(map(math.isfinite, history["loss"]))


class PressStopButton(keras.callbacks.Callback):
    """Sends this process SIGINT, as Jupyter's stop button does, ``times`` times at the
    first report of epoch ``epoch`` (from 0): its end where Keras runs the whole epoch in
    one call (``steps_per_execution``), its first step on PyTorch."""

    def __init__(self, epoch, times=1):
        super().__init__()
        self.stop_epoch, self.times, self.epoch = epoch, times, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.stop_epoch and self.times:  # (on PyTorch, every step reports)
            for _ in range(self.times):
                signal.raise_signal(signal.SIGINT)
            self.times = 0


def test_sigint_ends_training_cleanly_at_the_next_step():
    """The stop button (SIGINT) is taken at the next step Keras reports, never lost inside
    Keras or JAX; the model keeps its last step, and SIGINT is Python's again after."""
    config = training.TrainingConfig(**{**TINY.__dict__, "epochs": 3})
    two_epochs, _ = training.train(TINY)
    training.set_seed(config.seed)
    vae = training.build(config)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as stopped:
        training.fit(vae, config, callbacks=[PressStopButton(epoch=1)])
    assert "stopped during epoch 2 of 3 (the stop button)" in " ".join(stopped.value.__notes__)
    if training.STEPS_PER_EXECUTION >= 8:  # TINY's epoch in one call: its steps all ran
        for kept, finished in zip(weights_of(vae), weights_of(two_epochs)):
            np.testing.assert_allclose(kept, finished, rtol=1e-6, atol=1e-7)
    assert vae.decode(np.zeros((1, 2), "float32")).shape == (1, 784)
    assert signal.getsignal(signal.SIGINT) is handler
    with pytest.raises(KeyboardInterrupt) as twice:  # pressed twice: at once
        training.fit(training.build(config), config, callbacks=[PressStopButton(epoch=0, times=2)])
    assert "during its first epoch (of 3): the model keeps its initial weights" in " ".join(twice.value.__notes__)


def test_a_failure_inside_the_first_step_leaves_a_working_model():
    """On JAX, Keras takes the variables out of the model for the epoch; a step that
    fails (here: a bug in the loss) must not leave the model without them."""

    class BrokenLoss(models.VAE):
        def compute_loss(self, *args, **kwargs):
            raise RuntimeError("a bug in the loss")

    vae = models.build_vae(2, 16, seed=0, vae_class=BrokenLoss)
    before = weights_of(vae)
    with pytest.raises(RuntimeError, match="a bug in the loss") as failed:
        training.fit(vae, TINY)
    assert "during its first epoch (of 2): the model keeps its initial weights" in " ".join(failed.value.__notes__)
    for kept, initial in zip(weights_of(vae), before):
        np.testing.assert_array_equal(kept, initial)
    assert vae.decode(np.zeros((1, 2), "float32")).shape == (1, 784)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"conditional": True}, "argument `config.conditional`. Expected False, as the model is a VAE, not a ConditionalVAE"),
        ({"latent_dim": 3}, "argument `config.latent_dim`. Expected 2, the model's latent_dim. Received: config.latent_dim=3"),
    ],
)
def test_fit_refuses_a_config_that_does_not_describe_the_model(setting, message):
    vae = models.build_vae(2, 16, seed=0)
    before = weights_of(vae)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        training.fit(vae, training.TrainingConfig(**{**TINY.__dict__, **setting}))
    assert not vae.compiled  # refused before anything was done to it
    for kept, initial in zip(weights_of(vae), before):
        np.testing.assert_array_equal(kept, initial)
