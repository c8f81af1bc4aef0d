"""Benchmark training speed: samples per second for one epoch of the default model.

Usage::

    python -m benchmarks.training_speed          # every installed backend; prints JSON

Each backend (JAX, TensorFlow, PyTorch: those installed) runs in its own subprocess
with ``KERAS_BACKEND`` set: it builds the default VAE (784-512-2), trains one warm-up
epoch on the default 3,600 training digits with batch 32 (compilation happens here),
then times ``repeats`` more epochs and reports the median. The same run measures this
machine's float32 matrix-multiply peak with NumPy, at the model's own shapes (batch 32)
and at a large square size, so the speed can be read as a fraction of what the CPU can
do. ``--architecture conv`` times lesson 9's convolutional VAE (filters 16 and 32,
z of size 2) the same way instead. FLOPs of a training step are counted as 3x the forward pass's multiply-adds
(forward, and two matrix products per layer backward), elementwise work ignored.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BACKENDS = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}  # backend -> module
BATCH_SIZE = 32
INPUT, HIDDEN, LATENT = 784, 512, 2
# (rows of the left operand are the batch) -> the dense layers of the default model
LAYER_SHAPES = [(INPUT, HIDDEN), (HIDDEN, LATENT), (HIDDEN, LATENT), (LATENT, HIDDEN), (HIDDEN, INPUT)]


def forward_flops_per_sample() -> int:
    """Multiply-add FLOPs (2 per multiply-add) of one forward pass of one digit."""
    return sum(2 * fan_in * fan_out for fan_in, fan_out in LAYER_SHAPES)


def conv_forward_flops_per_sample(latent_dim: int = LATENT, filters=(16, 32)) -> int:
    """Multiply-add FLOPs of one forward pass of the conv VAE (3 x 3 kernels, stride 2).

    A stride-2 convolution from ``c_in`` to ``c_out`` channels producing an h x w map
    costs ``h * w * 9 * c_in * c_out`` multiply-adds; its transposed mirror costs the
    same for the same pair of maps. Dense layers: fan_in x fan_out.
    """
    sizes = [28 // 2 ** (index + 1) for index in range(len(filters))]  # 14, 7
    channels = [1, *filters]
    convolutions = sum(
        size * size * 9 * channels[index] * channels[index + 1] for index, size in enumerate(sizes)
    )
    features = sizes[-1] ** 2 * filters[-1]  # 7 * 7 * 32 = 1568
    dense = 2 * features * latent_dim + latent_dim * features  # z_mean, z_log_var; decoder dense
    return 2 * (2 * convolutions + dense)  # encoder and decoder convolutions; 2 FLOPs each


def training_flops_per_sample(architecture: str = "mlp") -> int:
    """About 3x the forward pass: the forward products plus two products per layer backward."""
    forward = forward_flops_per_sample() if architecture == "mlp" else conv_forward_flops_per_sample()
    return 3 * forward


def _best_seconds(a, b, seconds):
    """The fastest of many timed ``a @ b`` calls (in seconds)."""
    import numpy as np

    best, deadline = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        np.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return best


def _peak_worker() -> dict:
    """NumPy float32 matmul GFLOP/s with this process's BLAS threads (run in a subprocess).

    Each product is timed on its own and its fastest call kept, so a moment when another
    process held the CPU does not count; the model-shape peak is the total FLOPs of one
    training step's products divided by the sum of their fastest times.
    """
    import numpy as np

    rng = np.random.default_rng(0)

    def random(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    products = []
    for fan_in, fan_out in LAYER_SHAPES:
        products.append((random(BATCH_SIZE, fan_in), random(fan_in, fan_out)))  # forward
        products.append((random(BATCH_SIZE, fan_out), random(fan_out, fan_in)))  # gradient of the input
        products.append((random(fan_in, BATCH_SIZE), random(BATCH_SIZE, fan_out)))  # gradient of the kernel
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in products)
    model_seconds = sum(_best_seconds(a, b, seconds=0.5) for a, b in products)
    square = random(2048, 2048)
    square_seconds = _best_seconds(square, square, seconds=3.0)
    return {
        "model_shapes_gflops": round(flops / model_seconds / 1e9, 2),
        "square_2048_gflops": round(2 * 2048**3 / square_seconds / 1e9, 2),
    }


def matmul_peak() -> dict:
    """This machine's NumPy float32 matmul peak: the best of 1 thread and all cores.

    Each thread count runs in a subprocess (``OPENBLAS_NUM_THREADS`` and friends are read
    at start-up), at the model's training shapes (batch 32) and at 2048 x 2048.
    """
    import numpy as np

    by_threads = {}
    for threads in sorted({1, os.cpu_count() or 1}):
        env = {**os.environ, **{name: str(threads) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}}
        process = subprocess.run(
            [sys.executable, "-m", "benchmarks.training_speed", "--peak-worker"],
            capture_output=True, text=True, env=env, check=True, cwd=REPO,
        )
        by_threads[str(threads)] = json.loads(process.stdout.strip().splitlines()[-1])
    return {
        "model_shapes_gflops": max(value["model_shapes_gflops"] for value in by_threads.values()),
        "square_2048_gflops": max(value["square_2048_gflops"] for value in by_threads.values()),
        "by_blas_threads": by_threads,
        "numpy": np.__version__,
    }


def worker(repeats: int, architecture: str = "mlp") -> dict:
    """Time the default (or conv) model's epochs on the backend named by KERAS_BACKEND (run in a subprocess)."""
    import keras

    from vae_lessons import training

    config = training.TrainingConfig(architecture=architecture)
    training.set_seed(config.seed)
    x_train, _ = training.training_data(config)
    vae = training.build(config)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate))
    start = time.perf_counter()
    vae.fit(x_train, x_train, epochs=1, batch_size=BATCH_SIZE, shuffle=True, verbose=0)
    first_epoch = time.perf_counter() - start
    epochs = []
    for _ in range(repeats):
        start = time.perf_counter()
        vae.fit(x_train, x_train, epochs=1, batch_size=BATCH_SIZE, shuffle=True, verbose=0)
        epochs.append(time.perf_counter() - start)
    seconds = statistics.median(epochs)
    threads = None
    if keras.backend.backend() == "torch":
        import torch

        threads = torch.get_num_threads()
    return {
        "torch_threads": threads,
        "backend": keras.backend.backend(),
        "version": _version(BACKENDS[keras.backend.backend()]),
        "samples": len(x_train),
        "batch_size": BATCH_SIZE,
        "first_epoch_seconds": round(first_epoch, 2),
        "epoch_seconds": [round(value, 2) for value in epochs],
        "median_epoch_seconds": round(seconds, 3),
        "samples_per_second": round(len(x_train) / seconds),
    }


def _version(module: str) -> str:
    import importlib.metadata

    name = {"tensorflow": "tensorflow-cpu", "jax": "jax", "torch": "torch"}[module]
    for candidate in (name, module):
        try:
            return importlib.metadata.version(candidate)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def installed_backends() -> list[str]:
    return [backend for backend, module in BACKENDS.items() if importlib.util.find_spec(module) is not None]


MODEL_NAMES = {
    "mlp": "default VAE 784-512-2, batch 32, Adam, 3,600 digits per epoch",
    "conv": "lesson 9's conv VAE (filters 16, 32; z of size 2), batch 32, Adam, 3,600 digits per epoch",
}


def run(repeats: int = 3, architecture: str = "mlp") -> dict:
    """Every installed backend in its own subprocess, plus the matmul peak; JSON-ready."""
    peak = matmul_peak()
    flops = training_flops_per_sample(architecture)
    results = []
    for backend in installed_backends():
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        process = subprocess.run(
            [
                sys.executable, "-m", "benchmarks.training_speed", "--worker",
                "--repeats", str(repeats), "--architecture", architecture,
            ],
            capture_output=True, text=True, env=env, cwd=REPO,
        )
        if process.returncode != 0:
            results.append({"backend": backend, "error": process.stderr.strip().splitlines()[-1:]})
            continue
        entry = json.loads(process.stdout.strip().splitlines()[-1])
        achieved = entry["samples_per_second"] * flops
        entry["achieved_gflops"] = round(achieved / 1e9, 2)
        entry["fraction_of_model_shape_peak"] = round(achieved / (peak["model_shapes_gflops"] * 1e9), 3)
        entry["fraction_of_square_peak"] = round(achieved / (peak["square_2048_gflops"] * 1e9), 3)
        results.append(entry)
        print(f"  {backend}: {entry['samples_per_second']} samples/s", file=sys.stderr, flush=True)
    return {
        "model": MODEL_NAMES[architecture],
        "training_flops_per_sample": flops,
        "flops_note": "3 x forward multiply-add FLOPs (2 per multiply-add); elementwise work ignored",
        "matmul_peak": peak,
        "backends": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peak-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per backend (median reported)")
    parser.add_argument("--architecture", choices=tuple(MODEL_NAMES), default="mlp", help="the model to time")
    args = parser.parse_args(argv)
    if args.peak_worker:
        print(json.dumps(_peak_worker()))
        return 0
    if args.worker:
        print(json.dumps(worker(args.repeats, args.architecture)))
        return 0
    print(json.dumps(run(args.repeats, args.architecture), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
