"""Benchmark training speed: digits per second for one epoch of the default model.

Usage::

    python -m benchmarks.training_speed                      # every installed backend; prints JSON
    python -m benchmarks.training_speed --architecture conv  # lesson 9's conv VAE instead

Each backend (JAX, TensorFlow, PyTorch: those installed) runs in its own subprocess
with ``KERAS_BACKEND`` set. There it builds the model once per setting compared
(:func:`keras_settings`: Keras's default of one step per execution, and the package's
``training.STEPS_PER_EXECUTION``, a whole epoch per execution), compiles each as
``training.fit`` does (Adam, the NaN guard callback), trains one warm-up epoch on the
default 3,600 training digits at batch 32 (compilation happens here), then times
``repeats`` samples of each setting in turn, round-robin, so a moment of load on the
shared machine hits every setting alike; a timed sample is ``EPOCHS_PER_FIT`` epochs in
one ``fit`` call (as ``training.fit`` trains all its epochs in one call), and the median
and the fastest sample's seconds per epoch are reported (on a busy machine the fastest
compare the settings best).

On JAX the same run measures the reference: the same training step written by hand in
JAX (same layers and initialisers, Adam with Keras's constants, the same loss) with one
epoch fused into one XLA program by ``jax.lax.scan``; each Keras setting is reported as a
fraction of it. The run also measures this machine's float32 matrix-multiply peak with
NumPy, at the model's own shapes (batch 32) and at a large square size. FLOPs of a
training step are counted as 3x the forward pass's multiply-adds (forward, and two matrix
products per layer backward), elementwise work ignored.
"""

from __future__ import annotations

import argparse
import functools
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
# Epochs per timed fit: training.fit runs all its epochs in one Keras fit, so Keras's
# per-call costs (data adapter, callbacks, variable sync) come once per training, not once
# per epoch; a timed sample is this many epochs in one fit, divided by this number.
EPOCHS_PER_FIT = 5
INPUT, HIDDEN, LATENT = 784, 512, 2
# (rows of the left operand are the batch) -> the dense layers of the default model
LAYER_SHAPES = [(INPUT, HIDDEN), (HIDDEN, LATENT), (HIDDEN, LATENT), (LATENT, HIDDEN), (HIDDEN, INPUT)]


def forward_flops_per_sample() -> int:
    """Multiply-add FLOPs (2 per multiply-add) of one forward pass of one digit."""
    return sum(2 * fan_in * fan_out for fan_in, fan_out in LAYER_SHAPES)


def conv_forward_flops_per_sample(latent_dim: int, filters) -> int:
    """Multiply-add FLOPs (2 per multiply-add) of one forward pass of the conv VAE.

    A 3 x 3, stride-2 convolution from ``c_in`` to ``c_out`` channels producing an
    h x w map costs ``h * w * 9 * c_in * c_out`` multiply-adds; its transposed mirror in
    the decoder costs the same. Dense layers: fan_in x fan_out (z_mean, z_log_var, and
    the decoder's first layer). Counted from the layer sizes in
    :mod:`vae_lessons.architectures`.
    """
    sizes = [28 // 2 ** (index + 1) for index in range(len(filters))]  # 14, 7 for two convolutions
    channels = [1, *filters]
    convolutions = sum(size * size * 9 * channels[index] * channels[index + 1] for index, size in enumerate(sizes))
    features = sizes[-1] ** 2 * filters[-1]
    dense = 2 * features * latent_dim + latent_dim * features
    return 2 * (2 * convolutions + dense)


def training_flops_per_sample(architecture: str = "mlp") -> int:
    """About 3x the forward pass: the forward products plus two products per layer backward."""
    if architecture == "mlp":
        return 3 * forward_flops_per_sample()
    from vae_lessons import training

    config = training.TrainingConfig(architecture=architecture)
    return 3 * conv_forward_flops_per_sample(config.latent_dim, config.filters)


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


def keras_settings() -> dict:
    """The Keras settings compared: name -> ``steps_per_execution``.

    One step per execution is Keras's default; the package's choice, marked
    ``(package)``, is ``training.STEPS_PER_EXECUTION``, a whole epoch per execution.
    PyTorch allows only one step per execution.
    """
    from vae_lessons import training

    package = training.STEPS_PER_EXECUTION
    if package == 1:
        return {"steps_per_execution=1 (package)": 1}
    return {"steps_per_execution=1": 1, f"steps_per_execution={package} (package)": package}


def worker(repeats: int, architecture: str = "mlp") -> dict:
    """Time the model's epochs on the backend named by KERAS_BACKEND (run in a subprocess).

    One model per Keras setting (and, on JAX with the MLP, the hand-written reference),
    each warmed up by one epoch, then timed ``EPOCHS_PER_FIT`` epochs at a time in turn;
    medians reported.
    """
    import keras

    from vae_lessons import training

    config = training.TrainingConfig(architecture=architecture)
    x_train, _ = training.training_data(config)
    epochs = {}  # name -> function training one epoch, blocking until it is done
    first_epoch_seconds = {}
    for name, steps in keras_settings().items():
        training.set_seed(config.seed)
        vae = training.build(config)
        vae.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate), steps_per_execution=steps)

        def epoch(vae=vae, count=1):
            vae.fit(
                x_train, x_train, epochs=count, batch_size=BATCH_SIZE, shuffle=True, verbose=0,
                callbacks=[keras.callbacks.TerminateOnNaN()],  # as training.fit
            )

        epochs[name] = epoch
    if keras.backend.backend() == "jax" and architecture == "mlp":
        epochs["jax reference (lax.scan epoch)"] = jax_reference_epoch(x_train, config)
    for name, epoch in epochs.items():
        start = time.perf_counter()
        epoch()
        first_epoch_seconds[name] = round(time.perf_counter() - start, 2)
    seconds = {name: [] for name in epochs}
    for _ in range(repeats):
        for name, epoch in epochs.items():
            start = time.perf_counter()
            epoch(count=EPOCHS_PER_FIT)
            seconds[name].append((time.perf_counter() - start) / EPOCHS_PER_FIT)
    reference_samples = (len(x_train) // BATCH_SIZE) * BATCH_SIZE  # the reference drops the partial batch
    settings = {}
    for name, values in seconds.items():
        samples = reference_samples if name.startswith("jax reference") else len(x_train)
        settings[name] = {
            "first_epoch_seconds": first_epoch_seconds[name],
            "epoch_seconds": [round(value, 3) for value in values],
            "samples_per_second": round(samples / statistics.median(values)),
            # the fastest epoch: what the setting does when no other process holds the CPU
            "best_samples_per_second": round(samples / min(values)),
        }
    threads = None
    if keras.backend.backend() == "torch":
        import torch

        threads = torch.get_num_threads()
    result = {
        "backend": keras.backend.backend(),
        "version": _version(BACKENDS[keras.backend.backend()]),
        "torch_threads": threads,
        "samples": len(x_train),
        "batch_size": BATCH_SIZE,
        "settings": settings,
    }
    reference = settings.get("jax reference (lax.scan epoch)")
    if reference:
        result["fraction_of_jax_reference"] = {
            name: round(value["samples_per_second"] / reference["samples_per_second"], 3)
            for name, value in settings.items()
            if not name.startswith("jax reference")
        }
        result["fraction_of_jax_reference_best_epochs"] = {
            name: round(value["best_samples_per_second"] / reference["best_samples_per_second"], 3)
            for name, value in settings.items()
            if not name.startswith("jax reference")
        }
    package = next(value for name, value in settings.items() if name.endswith("(package)"))
    result["samples_per_second"] = package["samples_per_second"]  # what training.fit achieves
    return result


def jax_reference_epoch(x_train, config):
    """The reference: one epoch of the same training, by hand in JAX, as one XLA program.

    Same layers (784-512-2 encoder, 2-512-784 decoder, Glorot-uniform kernels, zero
    biases), the same loss (summed Bernoulli negative log-likelihood with Keras's clipping
    plus ``kl_weight`` times the KL, both averaged over the batch), Adam with Keras's
    constants and update order, a new shuffle each epoch; the whole epoch is one
    ``jax.lax.scan`` over the batches, compiled once. Hand-written because it is the
    yardstick: what the step costs without any framework around it. The partial last
    batch (3,600 = 112 x 32 + 16) is dropped, so every scanned batch has one shape.

    Returns
    -------
    epoch : callable
        Trains one epoch (updating the reference's own state) and blocks until done.
    """
    import jax
    import jax.numpy as jnp

    epsilon, beta_1, beta_2, adam_epsilon = 1e-7, 0.9, 0.999, 1e-7
    sizes = [("encoder_hidden", INPUT, config.hidden_units), ("z_mean", config.hidden_units, config.latent_dim),
             ("z_log_var", config.hidden_units, config.latent_dim), ("decoder_hidden", config.latent_dim, config.hidden_units),
             ("x_reconstructed", config.hidden_units, INPUT)]
    key = jax.random.key(config.seed)
    params = {}
    for name, fan_in, fan_out in sizes:
        key, subkey = jax.random.split(key)
        limit = (6.0 / (fan_in + fan_out)) ** 0.5
        params[name] = (jax.random.uniform(subkey, (fan_in, fan_out), jnp.float32, -limit, limit), jnp.zeros(fan_out, jnp.float32))

    def loss_function(params, x, noise_key):
        dense = lambda name, inputs: inputs @ params[name][0] + params[name][1]  # noqa: E731
        hidden = jax.nn.relu(dense("encoder_hidden", x))  # (batch, 784) -> (batch, 512)
        z_mean, z_log_var = dense("z_mean", hidden), dense("z_log_var", hidden)  # (batch, 2) each
        z = z_mean + jnp.exp(0.5 * z_log_var) * jax.random.normal(noise_key, z_mean.shape)
        probabilities = jnp.clip(jax.nn.sigmoid(dense("x_reconstructed", jax.nn.relu(dense("decoder_hidden", z)))), epsilon, 1 - epsilon)
        reconstruction = -jnp.sum(x * jnp.log(probabilities) + (1 - x) * jnp.log(1 - probabilities), axis=-1)  # (batch,)
        kl = 0.5 * jnp.sum(jnp.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=-1)  # (batch,)
        return jnp.mean(reconstruction) + config.kl_weight * jnp.mean(kl)

    def step(state, batch):
        params, momentums, velocities, iteration, key = state
        key, noise_key = jax.random.split(key)
        loss, gradients = jax.value_and_grad(loss_function)(params, batch, noise_key)
        iteration = iteration + 1
        alpha = config.learning_rate * jnp.sqrt(1 - beta_2**iteration) / (1 - beta_1**iteration)
        momentums = jax.tree.map(lambda m, g: m + (g - m) * (1 - beta_1), momentums, gradients)
        velocities = jax.tree.map(lambda v, g: v + (g * g - v) * (1 - beta_2), velocities, gradients)
        params = jax.tree.map(lambda p, m, v: p - m * alpha / (jnp.sqrt(v) + adam_epsilon), params, momentums, velocities)
        return (params, momentums, velocities, iteration, key), loss

    @functools.partial(jax.jit, donate_argnums=0)  # the state's buffers are reused, as Keras's train step does
    def epoch(state, x):
        params, momentums, velocities, iteration, key = state
        key, shuffle_key = jax.random.split(key)
        batches = len(x) // BATCH_SIZE
        order = jax.random.permutation(shuffle_key, len(x))[: batches * BATCH_SIZE]
        x_batches = x[order].reshape(batches, BATCH_SIZE, x.shape[-1])  # (batches, 32, 784)
        state, losses = jax.lax.scan(step, (params, momentums, velocities, iteration, key), x_batches)
        return state, jnp.mean(losses)

    momentums, velocities = (jax.tree.map(jnp.zeros_like, params) for _ in range(2))  # two sets of buffers: both are donated
    state = [(params, momentums, velocities, jnp.float32(0), key)]
    x = jnp.asarray(x_train)

    def run_epoch(count=1):
        for _ in range(count):
            run_one_epoch()

    def run_one_epoch():
        state[0], loss = epoch(state[0], x)
        if not bool(jnp.isfinite(loss)):  # the NaN guard, once per epoch; also waits for the result
            raise FloatingPointError("the reference's loss became NaN")

    return run_epoch


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
    "mlp": "default VAE 784-512-2, batch 32, Adam, 3,600 digits per epoch (the JAX reference: 3,584)",
    "conv": "lesson 9's conv VAE (TrainingConfig(architecture='conv')), batch 32, Adam, 3,600 digits per epoch",
}


def run(repeats: int = 3, architecture: str = "mlp") -> dict:
    """Every installed backend in its own subprocess, plus the matmul peak; JSON-ready."""
    peak = matmul_peak()
    flops = training_flops_per_sample(architecture)
    results = []
    for backend in installed_backends():
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        process = subprocess.run(
            [sys.executable, "-m", "benchmarks.training_speed", "--worker", "--repeats", str(repeats), "--architecture", architecture],
            capture_output=True, text=True, env=env, cwd=REPO,
        )
        if process.returncode != 0:
            results.append({"backend": backend, "error": process.stderr.strip().splitlines()[-1:]})
            continue
        entry = json.loads(process.stdout.strip().splitlines()[-1])
        achieved = entry["samples_per_second"] * flops  # at the package's setting
        entry["achieved_gflops"] = round(achieved / 1e9, 2)
        entry["fraction_of_model_shape_peak"] = round(achieved / (peak["model_shapes_gflops"] * 1e9), 3)
        entry["fraction_of_square_peak"] = round(achieved / (peak["square_2048_gflops"] * 1e9), 3)
        results.append(entry)
        speeds = ", ".join(f"{name}: {value['samples_per_second']}" for name, value in entry["settings"].items())
        print(f"  {backend}: samples/s {speeds}", file=sys.stderr, flush=True)
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
