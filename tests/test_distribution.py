"""Training on several devices and several processes through Keras's distribution API.

The multi-device and multi-process tests are marked ``multi_device``, as Keras marks its
own (select them with ``pytest -m multi_device``, leave them out with
``-m "not multi_device"``); they run in the default ``pytest`` too. Each starts fresh
Python processes: JAX fixes its devices (``XLA_FLAGS``) and its cluster
(``keras.distribution.initialize``) when it starts, so neither can change inside the
test process. Keras's distribution API runs on JAX only, so on TensorFlow and PyTorch
these tests are skipped and one test checks the error message instead.

Tolerances: two devices or two processes add up each batch's gradient in two halves,
a different order of floating-point additions than one device; over a few Adam steps
that moved losses by about 2e-7 relative and weights by under 1e-6 here, so losses must
agree to 1e-5 relative and weights to 1e-4 absolute. Two processes of one cluster
compute the same global steps, so their weights must be identical.
"""

import dataclasses
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from vae_lessons import data, distributed, models, saving, train, training

REPO = Path(__file__).resolve().parents[1]
ON_JAX = keras.backend.backend() == "jax"
needs_jax = pytest.mark.skipif(
    not ON_JAX, reason="Keras's distribution API (keras.distribution) runs on the JAX backend only"
)
TIMEOUT = 480  # seconds for one child process; generous, the test machine is shared

# A few hundred sample digits, batches that split evenly over 2 devices.
CONFIG = training.TrainingConfig(
    hidden_units=32, epochs=2, batch_size=64, validation_size=64, train_size=256, seed=5
)
RTOL_LOSS, ATOL_WEIGHTS = 1e-5, 1e-4


def child_environment(**extra):
    """The environment for a child Python: this worktree's package, JAX, quiet TensorFlow."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "KERAS_BACKEND": "jax"}
    environment.pop("XLA_FLAGS", None)  # one device unless asked
    environment.update(extra)
    return environment


def run_python(code, tmp_path, name, **environment):
    """Run ``code`` in a fresh Python; return what it printed last (one JSON line)."""
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(code))
    result = subprocess.run(
        [sys.executable, str(script)], env=child_environment(**environment),
        capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- GlobalBatches: every process sees its slice of the same global batches ---------


def test_global_batches_split_each_batch_between_processes():
    x = np.arange(11 * 784, dtype=np.float32).reshape(11, 784)
    one = distributed.GlobalBatches(x, batch_size=4, seed=1, multiple=2)
    halves = [distributed.GlobalBatches(x, batch_size=4, seed=1, num_shards=2, shard=s, multiple=2) for s in (0, 1)]
    # 11 digits in batches of 4: 4, 4 and a last batch of 3 trimmed to 2 (a multiple of 2 devices).
    assert len(one) == len(halves[0]) == 3
    for epoch in range(2):
        for index in range(len(one)):
            x_batch, target = one[index]
            np.testing.assert_array_equal(x_batch, target)
            np.testing.assert_array_equal(np.concatenate([half[index][0] for half in halves]), x_batch)
        assert [len(one[index][0]) for index in range(3)] == [4, 4, 2]
        first_rows = one[0][0][:, 0].copy()
        for dataset in (one, *halves):
            dataset.on_epoch_end()
    assert not np.array_equal(one[0][0][:, 0], first_rows), "a new shuffle every epoch"
    unshuffled = distributed.GlobalBatches(x, batch_size=4)
    np.testing.assert_array_equal(unshuffled[2][0], x[8:11])


def test_a_last_batch_smaller_than_the_devices_is_dropped():
    x = np.zeros((9, 784), np.float32)
    assert len(distributed.GlobalBatches(x, batch_size=4, multiple=2)) == 2  # 4, 4 (1 left: dropped)


def test_binarized_global_batches_draw_each_global_batch_once_and_afresh_every_epoch():
    x = np.random.default_rng(0).random((10, 784), dtype=np.float32)
    one = distributed.GlobalBatches(x, batch_size=4, seed=2, multiple=2, binarized=True)
    halves = [distributed.GlobalBatches(x, batch_size=4, seed=2, num_shards=2, shard=s, multiple=2, binarized=True) for s in (0, 1)]
    grey = distributed.GlobalBatches(x, batch_size=4, seed=2, multiple=2)
    first_epoch = [one[index][0] for index in range(len(one))]
    for index, x_batch in enumerate(first_epoch):
        assert set(np.unique(x_batch)) <= {0.0, 1.0}
        np.testing.assert_array_equal(one[index][1], x_batch)
        np.testing.assert_array_equal(one[index][0], x_batch)  # read again: the same draw
        np.testing.assert_array_equal(np.concatenate([half[index][0] for half in halves]), x_batch)
        # each pixel is 1 with its grey level's probability: the digits of the same order
        assert abs(float(x_batch.mean()) - float(grey[index][0].mean())) < 0.05
    for dataset in (one, *halves, grey):
        dataset.on_epoch_end()
    assert not np.array_equal(one[0][0], first_epoch[0]), "new pixels and a new order every epoch"
    np.testing.assert_array_equal(np.concatenate([half[0][0] for half in halves]), one[0][0])


@pytest.mark.skipif(ON_JAX, reason="checks the error on the backends without keras.distribution")
def test_other_backends_get_a_clear_error():
    for request in (distributed.data_parallel, distributed.model_parallel):
        with pytest.raises(ValueError, match="Invalid value received for argument `KERAS_BACKEND`.*runs on the JAX backend only"):
            request()


# --- several devices in one process ----------------------------------------------


@needs_jax
@pytest.mark.multi_device
def test_two_devices_give_the_one_device_losses_with_replicated_or_sharded_variables(tmp_path):
    """Also: a batch that does not split evenly across the devices is refused."""
    result = run_python(
        f"""
        import json
        import jax, numpy as np
        import dataclasses, keras
        from vae_lessons import distributed, training
        config = training.TrainingConfig(**{CONFIG.__dict__!r})
        one_device = distributed.data_parallel(keras.distribution.list_devices()[:1])
        one_vae, one = training.train(config, distribution=one_device)
        two_vae, two = training.train(config, distribution=distributed.data_parallel())
        split_vae, split = training.train(config, distribution=distributed.model_parallel(model_axis_size=2))
        # the conv VAE on binarized digits with a KL warm-up: the same loop honours every setting
        conv = dataclasses.replace(config, architecture="conv", filters=(4, 8), binarized=True, kl_warmup_epochs=2)
        _, conv_one = training.train(conv, distribution=distributed.data_parallel(keras.distribution.list_devices()[:1]))
        conv_vae, conv_two = training.train(conv, distribution=distributed.data_parallel())
        try:
            training.train(training.TrainingConfig(batch_size=33, epochs=1), distribution=distributed.data_parallel())
            odd_batch = "accepted"
        except ValueError as error:
            odd_batch = str(error)
        def layout(vae):
            return {{v.path: [list(v.value.sharding.spec), len(v.value.sharding.device_set)] for v in vae.weights}}
        def largest_difference(vae):
            return max(float(np.max(np.abs(a - b))) for a, b in zip(one_vae.get_weights(), vae.get_weights()))
        print(json.dumps({{
            "devices": jax.device_count(), "one": one, "two": two, "split": split,
            "two_layout": layout(two_vae), "split_layout": layout(split_vae),
            "two_difference": largest_difference(two_vae), "split_difference": largest_difference(split_vae),
            "odd_batch": odd_batch, "conv_one": conv_one, "conv_two": conv_two,
            "conv_layers": [type(layer).__name__ for layer in conv_vae.encoder.layers],
        }}))
        """,
        tmp_path, "two_devices", XLA_FLAGS="--xla_force_host_platform_device_count=2",
    )
    assert result["devices"] == 2
    for name, reference in (("two", "one"), ("split", "one"), ("conv_two", "conv_one")):
        assert result[name].keys() == result[reference].keys()
        for metric, values in result[reference].items():
            np.testing.assert_allclose(result[name][metric], values, rtol=RTOL_LOSS, err_msg=f"{name}: {metric}")
    for name in ("two", "split"):
        assert result[f"{name}_difference"] < ATOL_WEIGHTS
    assert "Conv2D" in result["conv_layers"]
    assert result["conv_two"]["kl"][0] == 0.0 < result["conv_two"]["kl"][1]  # the warm-up's first epoch: no KL
    # DataParallel: every variable replicated (an empty partition spec) on both devices.
    for path, (spec, devices) in result["two_layout"].items():
        assert set(spec) <= {None} and devices == 2, path
    # ModelParallel: the hidden layers split by their units along "model", the rest replicated.
    split = result["split_layout"]
    assert split["encoder_hidden/kernel"][0] == split["decoder_hidden/kernel"][0] == [None, "model"]
    assert split["encoder_hidden/bias"][0] == split["decoder_hidden/bias"][0] == ["model"]
    assert set(split["z_mean/kernel"][0]) == set(split["x_reconstructed/kernel"][0]) == {None}
    assert result["odd_batch"] == (
        "Invalid value received for argument `batch_size`. Expected a multiple of the 2 devices "
        "each batch is split across. Received: batch_size=33"
    )


# --- several processes -------------------------------------------------------------


def free_port():
    """A TCP port nobody listens on now (the OS picks it; the tiny race is acceptable in a test)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A worker runs as on a machine without TensorFlow (an optional extra): Keras's
# distribution.initialize seeds every process alike through keras.utils.set_random_seed,
# which imports TensorFlow whenever it is installed (seconds per process) only to seed
# tf.data, which nothing here uses. Keras asks with an import, which None in sys.modules fails.
WORKER = """
import sys
sys.modules["tensorflow"] = None
import jax
import numpy as np
from vae_lessons import distributed, training

jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU collectives between processes
process_id, port, output = int(sys.argv[1]), sys.argv[2], sys.argv[3]
distributed.initialize(f"127.0.0.1:{{port}}", num_processes=2, process_id=process_id)
config = training.TrainingConfig(**{config!r})
distribution = distributed.data_parallel()
vae, history = training.train(config, distribution=distribution)
np.savez(output, *vae.get_weights(), devices=jax.device_count(), processes=distribution.num_processes)
print("done", history["loss"])
"""


# Two batches per epoch: the check (identical weights, equal to one process's) does not
# depend on the data's size, and every step waits for the other process's gradients.
TWO_PROCESS_CONFIG = dataclasses.replace(CONFIG, train_size=128)


@needs_jax
@pytest.mark.multi_device
def test_two_processes_end_with_identical_weights_equal_to_one_process(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(config=TWO_PROCESS_CONFIG.__dict__))
    port = free_port()
    outputs = [tmp_path / f"weights_{process_id}.npz" for process_id in (0, 1)]
    workers = []
    try:
        for process_id in (0, 1):
            workers.append(
                subprocess.Popen(
                    [sys.executable, str(script), str(process_id), str(port), str(outputs[process_id])],
                    env=child_environment(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                )
            )
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=TIMEOUT)
            assert worker.returncode == 0, stderr[-3000:]
    finally:
        for worker in workers:  # always clean up, even after a timeout or a failure
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    first, second = (np.load(output) for output in outputs)
    assert int(first["devices"]) == 2 and int(first["processes"]) == 2
    names = [name for name in first.files if name.startswith("arr_")]
    for name in names:
        np.testing.assert_array_equal(first[name], second[name])
    # One process, one device, the same global batches (the same seed draws the same shuffle).
    one_device = distributed.data_parallel(keras.distribution.list_devices()[:1])
    reference, _ = training.train(TWO_PROCESS_CONFIG, distribution=one_device)
    for index, weights in enumerate(reference.get_weights()):
        np.testing.assert_allclose(first[f"arr_{index}"], weights, atol=ATOL_WEIGHTS, rtol=0)


# --- the command line ----------------------------------------------------------------


@pytest.fixture
def idx_folder(tmp_path, write_idx):
    """A folder of the four IDX .gz files: 300 training and 50 test digits of the sample."""
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    folder = tmp_path / "mnist"
    folder.mkdir()
    arrays = {"x_train": x_train[:300], "y_train": y_train[:300], "x_test": x_test[:50], "y_test": y_test[:50]}
    for key, array in arrays.items():
        write_idx(folder / data.IDX_FILES[key], array)
    return folder


def cli_arguments(source, output, *extra):
    return ["--source", str(source), "--epochs", "1", "--hidden-units", "16", "--batch-size", "50",
            "--validation-size", "100", "--output", str(output), *extra]


def test_command_line_trains_and_saves_then_refuses_to_overwrite(idx_folder, tmp_path, capsys):
    output = tmp_path / "vae.keras"
    extra = ["--distribute"] if ON_JAX else []
    result = subprocess.run(
        [sys.executable, "-m", "vae_lessons.train", *cli_arguments(idx_folder, output, *extra)],
        env={**child_environment(), "KERAS_BACKEND": keras.backend.backend()},
        capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "4/4" in result.stdout  # Keras's progress bar reached the last of 200 / 50 steps
    assert result.stdout.strip().endswith(f"saved {output}")
    assert ("data-parallel over 1 devices in 1 process(es)" in result.stdout) == ON_JAX
    vae = saving.load_vae(output)
    assert vae.latent_dim == 2 and vae.encoder.get_layer("encoder_hidden").units == 16
    before = output.read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        train.main(cli_arguments(idx_folder, output))
    assert exit_info.value.code == 2
    assert f"{output}: file exists; choose a new name or delete it first" in capsys.readouterr().err
    assert output.read_bytes() == before


def test_command_line_rejects_bad_arguments_with_clear_messages(idx_folder, tmp_path, capsys, monkeypatch, check_each):
    rows = [
        (["--epochs", "0"], "epochs"),
        (["--epochs", "two"], "argument --epochs: invalid int value: 'two'"),
        (["--output", "vae.h5"], "vae.h5: the file name must end in .keras"),
        (["--output", "missing/vae.keras"], "missing: folder not found"),
        (["--source", "no-such-folder"], ("argument `source`. Expected 'sample', 'keras'", "Received: source='no-such-folder'")),
        (["--batch-size", "64", "--train-size", "5000"], "train_size"),
        (["--coordinator", "127.0.0.1:1234"], "need --distribute"),
    ]

    def check(row):
        change, fragments = row
        fragments = (fragments,) if isinstance(fragments, str) else fragments
        capsys.readouterr()  # what an earlier case printed
        monkeypatch.chdir(tmp_path)
        arguments = cli_arguments(idx_folder, tmp_path / "vae.keras") + change
        with pytest.raises(SystemExit) as exit_info:
            train.main(arguments)
        assert exit_info.value.code == 2
        error = capsys.readouterr().err
        assert error.startswith("usage: python -m vae_lessons.train")
        assert all(fragment in error for fragment in fragments), error
        assert not (tmp_path / "vae.keras").exists()

    check_each(rows=rows, check=check)


@pytest.mark.skipif(ON_JAX, reason="checks the error on the backends without keras.distribution")
def test_command_line_distribute_needs_jax(idx_folder, tmp_path, capsys):
    with pytest.raises(SystemExit):
        train.main(cli_arguments(idx_folder, tmp_path / "vae.keras", "--distribute"))
    assert "runs on the JAX backend only" in capsys.readouterr().err


@needs_jax
def test_training_with_no_validation_digits(tmp_path, monkeypatch):
    """``validation_size=0`` trains with no validation data (the scaling benchmark does)."""
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(tmp_path))
    config = dataclasses.replace(CONFIG, validation_size=0, epochs=1)
    vae, history = training.train(config, distribution=distributed.data_parallel())
    assert set(history) >= {"loss", "reconstruction", "kl"} and "val_loss" not in history
