"""Benchmark scaling: training throughput on 1 vs 2 CPU devices and 1 vs 2 processes.

Usage::

    python -m benchmarks.scaling            # writes benchmarks/results/scaling.json
    python -m benchmarks.scaling --repeats 5 --batch-sizes 32 1024

Every setting trains the default VAE (784-512-2) with ``training.train`` on the
4,000 sample training digits (no validation split, so an epoch is pure training), in
fresh processes:

* ``1 device``: one process, one CPU device, no distribution;
* ``2 devices``: one process whose CPU is split into two JAX devices
  (``XLA_FLAGS=--xla_force_host_platform_device_count=2``), ``DataParallel``;
* ``2 processes``: two processes on 127.0.0.1, one CPU device each, joined by
  ``keras.distribution.initialize`` (Gloo collectives), ``DataParallel``.

The first epoch (compilation) is reported apart; throughput is training digits per
second over the median of the later epochs, at the lessons' global batch of 32 and at
256 (fewer, larger steps: less overhead per digit). On one machine none of this can be faster
than one device: the "devices" share the same cores, and two processes add gradient
exchanges through the network stack. The figures measure that overhead, not a
speed-up; real speed-ups need real GPUs or machines. The paper estimate of a full
MNIST epoch (60,000 digits less the 400 held out for validation) divides that digit
count by the one-device throughput.

The machine is shared: the load average is recorded before and after, and timings
taken while other jobs run are inflated; compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "scaling.json"
FULL_MNIST_TRAINING_DIGITS = 60_000 - 400  # the full training split less the default validation digits
TIMEOUT = 1800  # seconds for one setting; a loaded 2-core machine is slow


def worker(devices: int, repeats: int, batch_size: int, cluster: list[str]) -> dict:
    """Train and time epochs in this process (run by :func:`measure` in a fresh process)."""
    import keras

    from vae_lessons import distributed, training

    if cluster:
        coordinator, num_processes, process_id = cluster[0], int(cluster[1]), int(cluster[2])
        distributed.initialize(coordinator, num_processes, process_id)
    config = training.TrainingConfig(validation_size=0, epochs=1 + repeats, batch_size=batch_size)
    distribution = distributed.data_parallel() if devices > 1 or cluster else None

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    seconds: list[float] = []
    x_train, _ = training.training_data(config)
    training.train(config, distribution=distribution, callbacks=[EpochTimer()])
    median = statistics.median(seconds[1:])
    return {
        "devices": keras.distribution.get_device_count() if distribution is not None else 1,
        "processes": distribution.num_processes if distribution is not None else 1,
        "training_digits": len(x_train),
        "batch_size": batch_size,
        "first_epoch_seconds": round(seconds[0], 2),
        "epoch_seconds": [round(value, 3) for value in seconds[1:]],
        "median_epoch_seconds": round(median, 3),
        "digits_per_second": round(len(x_train) / median),
    }


def _command(devices, repeats, batch_size, cluster=()):
    return [sys.executable, "-m", "benchmarks.scaling", "--worker", "--devices", str(devices),
            "--repeats", str(repeats), "--batch-size", str(batch_size), "--cluster", *cluster]


def _environment(devices):
    environment = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    environment.pop("XLA_FLAGS", None)
    if devices > 1:
        environment["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    return environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(devices: int = 1, processes: int = 1, repeats: int = 3, batch_size: int = 32) -> dict:
    """One setting, in fresh processes (always cleaned up); process 0's timings."""
    if processes == 1:
        commands = [_command(devices, repeats, batch_size)]
    else:
        coordinator = f"127.0.0.1:{_free_port()}"
        commands = [_command(devices, repeats, batch_size, (coordinator, str(processes), str(index)))
                    for index in range(processes)]
    children = []
    try:
        for command in commands:
            children.append(subprocess.Popen(command, env=_environment(devices), cwd=REPO,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = [child.communicate(timeout=TIMEOUT) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child, (_, stderr) in zip(children, outputs):
        if child.returncode != 0:
            raise RuntimeError(f"a scaling worker failed:\n{stderr[-2000:]}")
    return json.loads(outputs[0][0].strip().splitlines()[-1])


def run(repeats: int = 3, batch_sizes=(32, 256)) -> dict:
    """All three settings per batch size, throughput relative to one device, and the full-MNIST estimate."""
    load_before = os.getloadavg()
    runs = {}
    for batch_size in batch_sizes:
        settings = {
            "1 device": measure(1, 1, repeats, batch_size),
            "2 devices": measure(2, 1, repeats, batch_size),
            "2 processes": measure(1, 2, repeats, batch_size),
        }
        one = settings["1 device"]["digits_per_second"]
        for entry in settings.values():
            entry["throughput_relative_to_1_device"] = round(entry["digits_per_second"] / one, 2)
        runs[f"global batch {batch_size}"] = settings
    load_after = os.getloadavg()
    first = runs[f"global batch {batch_sizes[0]}"]["1 device"]["digits_per_second"]
    return {
        "model": "default VAE 784-512-2, Adam, 4,000 sample digits per epoch, no validation",
        "note": "2 devices share the same CPU cores and 2 processes talk over 127.0.0.1, so no speed-up is possible "
        "here: the relative throughput measures the overhead of distribution. Timings on a shared machine are "
        "inflated by other jobs (see the load averages); compare ratios from the same run.",
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        "runs": runs,
        "full_mnist_epoch_estimate": {
            "training_digits": FULL_MNIST_TRAINING_DIGITS,
            "batch_size": batch_sizes[0],
            "seconds_on_1_device": round(FULL_MNIST_TRAINING_DIGITS / first, 1),
            "basis": f"training digits / the 1-device throughput at global batch {batch_sizes[0]} above (a paper "
            "estimate, not a measurement); validating 400 digits adds well under 1%",
        },
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs after the first (median reported)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256],
                        help="global batch sizes to measure; the first one gives the full-MNIST estimate (default: 32 256)")
    parser.add_argument("--batch-size", type=int, default=32, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON (default: %(default)s)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--devices", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--cluster", nargs="*", default=[], help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        print(json.dumps(worker(arguments.devices, arguments.repeats, arguments.batch_size, arguments.cluster)))
        return 0
    result = run(arguments.repeats, arguments.batch_sizes)
    arguments.output.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
