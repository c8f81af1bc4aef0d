"""Design study for lesson 8: which convolutional VAE trains fast and beats the MLP?

Usage::

    python -m benchmarks.conv_design [--quick] [--only NAME ...] [--time-only NAME ...]
        [--mnist-test FOLDER] [--output benchmarks/results/conv_design.json]

Trains a handful of candidate designs (``CANDIDATES``) on the lessons' 3,600 training
digits (``training.training_data(TrainingConfig())``), Keras on the current backend
(JAX by default), and scores each on the real MNIST test set with
``evaluation.held_out_score`` (loaded and verified by ``benchmarks.quality``). For each
candidate it records the parameters, the wall-clock seconds of the whole ``fit``
(compilation included), the median seconds of an epoch after the first, and the test
negative ELBO in nats. The machine is shared, so the same run also trains the MLP of
lessons 4-7 as the yardstick; every time is reported as a ratio to the MLP's too.

A last phase times one epoch of every model in turn (see
:func:`interleaved_epoch_seconds`), the fairest speed comparison on a loaded machine;
``--time-only`` adds designs that are timed there but not trained to the end. With
``--output`` each run is appended to the file's ``runs``, each with its own yardstick.

The study is run by hand, never by the tests; its results are committed in
``benchmarks/results/conv_design.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

REPO = Path(__file__).resolve().parents[1]
MNIST_DEFAULT = "../shared/data/mnist-test relative to the repository"
OUTPUT = REPO / "benchmarks" / "results" / "conv_design.json"


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One design and its training settings.

    Attributes
    ----------
    name : str
    latent_dim : int
    architecture : dict or None
        Keyword arguments of the convolutional builders (``filters``, ``dense_units``,
        ``final_convolution``); None for the MLP of ``models.build_vae``.
    epochs, batch_size : int
    learning_rate : float
    steps_per_execution : int
        Training steps per compiled call (``Model.compile``'s argument).
    """

    name: str
    latent_dim: int = 2
    architecture: dict | None = None
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 1e-3
    steps_per_execution: int = 1


KERAS_IO = {"filters": (32, 64), "dense_units": 16, "final_convolution": True}
SMALL = {"filters": (16, 32)}
MEDIUM = {"filters": (32, 64)}

CANDIDATES = [  # ordered so that an interrupted run still has the main comparisons
    Candidate("mlp"),
    Candidate("mlp-z20", latent_dim=20),
    Candidate("conv16-32", architecture=SMALL),
    Candidate("conv16-32-z20", latent_dim=20, architecture=SMALL),
    Candidate("conv32-64", architecture=MEDIUM),
    Candidate("conv32-64-z20", latent_dim=20, architecture=MEDIUM),
    Candidate("conv32-64-final", architecture={**MEDIUM, "final_convolution": True}),
    Candidate("conv16-32-batch64-lr2e-3", architecture=SMALL, batch_size=64, learning_rate=2e-3),
    Candidate("keras-io", architecture=KERAS_IO),
]


def build(candidate: Candidate):
    """A fresh, built VAE for ``candidate`` (seed first)."""
    from vae_lessons import architectures, models, sampling

    if candidate.architecture is None:
        return models.build_vae(candidate.latent_dim)
    design = dict(candidate.architecture)
    final_convolution = design.pop("final_convolution", False)
    encoder = architectures.build_conv_encoder(candidate.latent_dim, sampling=sampling.Sampling(name="z"), **design)
    decoder = architectures.build_conv_decoder(
        candidate.latent_dim, design["filters"], final_convolution=final_convolution
    )
    vae = models.VAE(encoder, decoder, name="vae")
    vae.build((None, encoder.inputs[0].shape[-1]))
    return vae


class EpochTimer:
    """Wall-clock seconds of each epoch (a Keras callback, made lazily to import Keras late)."""

    @staticmethod
    def make():
        import keras

        class _Timer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.seconds = []

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self._start)

        return _Timer()


def train_and_score(candidate: Candidate, x_train, x_test) -> dict:
    """Train one candidate from its seed and score it; a JSON-ready dict."""
    import keras

    from vae_lessons import evaluation, training

    training.set_seed(0)
    vae = build(candidate)
    vae.compile(
        optimizer=keras.optimizers.Adam(learning_rate=candidate.learning_rate),
        steps_per_execution=candidate.steps_per_execution,
    )
    timer = EpochTimer.make()
    start = time.perf_counter()
    history = vae.fit(
        x_train, x_train, epochs=candidate.epochs, batch_size=candidate.batch_size,
        shuffle=True, callbacks=[timer], verbose=0,
    ).history
    seconds = time.perf_counter() - start
    training.check_finite({name: [float(v) for v in values] for name, values in history.items()})
    score = evaluation.held_out_score(vae, x_test, seed=0)
    return {
        **dataclasses.asdict(candidate),
        "parameters": int(vae.count_params()),
        "train_seconds": round(seconds, 1),
        "epoch_seconds_median": round(statistics.median(timer.seconds[1:] or timer.seconds), 3),
        "final_training_loss": round(float(history["loss"][-1]), 2),
        "negative_elbo": round(score.negative_elbo, 2),
        "reconstruction": round(score.reconstruction, 2),
        "kl": round(score.kl, 2),
        "standard_error": round(score.standard_error, 2),
    }


def interleaved_epoch_seconds(candidates, x_train, rounds=3) -> dict:
    """Median seconds of one training epoch per candidate, the candidates taking turns.

    On a shared machine the load changes from minute to minute; timing one epoch of
    each candidate in turn, ``rounds`` times, exposes them all to the same load, so
    their ratios are fairer than those of whole runs made minutes apart. Each model
    first trains one untimed epoch (compilation).

    Returns
    -------
    seconds : dict of str to float
        ``{candidate name: median epoch seconds}``.
    """
    import keras

    from vae_lessons import training

    models_by_name = {}
    for candidate in candidates:
        training.set_seed(0)
        vae = build(candidate)
        vae.compile(
            optimizer=keras.optimizers.Adam(learning_rate=candidate.learning_rate),
            steps_per_execution=candidate.steps_per_execution,
        )
        vae.fit(x_train, x_train, epochs=1, batch_size=candidate.batch_size, verbose=0)  # compile
        models_by_name[candidate.name] = (candidate, vae)
    times = {name: [] for name in models_by_name}
    for _ in range(rounds):
        for name, (candidate, vae) in models_by_name.items():
            start = time.perf_counter()
            vae.fit(x_train, x_train, epochs=1, batch_size=candidate.batch_size, verbose=0)
            times[name].append(time.perf_counter() - start)
    return {name: round(statistics.median(values), 3) for name, values in times.items()}


def add_comparisons(results) -> None:
    """Add each entry's ratios and differences to the MLP of the same latent size, in place."""
    yardsticks = {r["latent_dim"]: r for r in results if r["architecture"] is None}
    for entry in results:
        mlp = yardsticks.get(entry["latent_dim"])
        if mlp is None:
            continue
        for key, ratio in [("train_seconds", "time_ratio_to_mlp"), ("epoch_seconds_median", "epoch_ratio_to_mlp"),
                           ("interleaved_epoch_seconds", "interleaved_epoch_ratio_to_mlp")]:
            if key in entry and key in mlp:
                entry[ratio] = round(entry[key] / mlp[key], 2)
        if "negative_elbo" in entry:
            entry["negative_elbo_minus_mlp"] = round(entry["negative_elbo"] - mlp["negative_elbo"], 2)


def run_from_log(log: Path) -> dict:
    """A run entry rebuilt from the per-candidate lines an interrupted run printed.

    Each finished candidate prints one JSON line; a run stopped before its timing
    phase (long runs on a loaded machine) keeps those results this way.
    """
    results = [json.loads(line) for line in log.read_text().splitlines() if line.startswith('{"name"')]
    add_comparisons(results)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(log.stat().st_mtime)),
        "test_set": "real MNIST test set, 10,000 digits",
        "backend": os.environ["KERAS_BACKEND"],
        "interrupted": f"stopped after {len(results)} candidates, before the interleaved timing phase",
        "note": "nats per digit, one seeded z per digit (evaluation.held_out_score); train_seconds and "
        "epoch_seconds_median measured on a shared 2-core machine under the load averages recorded "
        "(other jobs running), so the time ratios to the MLP are inflated when the load rose",
        "candidates": results,
    }


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def run(candidates=CANDIDATES, quick: bool = False, mnist_test: Path | None = None, timed_only=()) -> dict:
    """Train and score ``candidates``; the MLP of the same latent size is the yardstick.

    ``timed_only`` candidates are not trained to the end, only timed (interleaved epochs).
    """
    import keras

    from benchmarks import quality
    from vae_lessons import training

    x_train, _ = training.training_data(training.TrainingConfig())
    mnist_test = quality.MNIST_TEST if mnist_test is None else mnist_test
    x_test = quality.verified_mnist_test(mnist_test)
    if x_test is None:
        raise SystemExit(f"{mnist_test}: the real MNIST test set is needed for this study")
    if quick:
        x_test = x_test[:500]
        candidates = [dataclasses.replace(c, epochs=2) for c in candidates]
    results = []
    for candidate in candidates:
        before = load_average()
        entry = train_and_score(candidate, x_train, x_test)
        entry["load_average_before_after"] = [before, load_average()]
        print(json.dumps(entry), flush=True)
        results.append(entry)
    epoch_seconds = interleaved_epoch_seconds([*candidates, *timed_only], x_train, rounds=1 if quick else 3)
    results += [
        {**dataclasses.asdict(c), "parameters": int(build(c).count_params()), "quality": "not measured (timed only)"}
        for c in timed_only
    ]
    for entry in results:
        entry["interleaved_epoch_seconds"] = epoch_seconds[entry["name"]]
    add_comparisons(results)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "test_set": f"real MNIST test set, first {len(x_test):,} digits" if quick else "real MNIST test set, 10,000 digits",
        "training_set": f"{len(x_train):,} digits: training.training_data(TrainingConfig())",
        "backend": keras.backend.backend(),
        "quick": quick,
        "note": "nats per digit, one seeded z per digit (evaluation.held_out_score); "
        "train_seconds is the whole fit, compilation included, on a shared 2-core machine "
        "(other jobs running), so compare ratios to the MLP rather than absolute seconds; "
        "interleaved_epoch_seconds times one epoch of each model in turn (3 rounds, median), "
        "so every model sees the same load: its ratio to the MLP is the fairest speed measure",
        "candidates": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs and 500 test digits (a smoke test)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="candidates to train and score (with the MLP of each latent size)")
    parser.add_argument("--time-only", nargs="+", default=[], metavar="NAME", help="candidates only timed, not trained to the end")
    parser.add_argument("--mnist-test", type=Path, default=None, help=f"folder of the real MNIST test set (default {MNIST_DEFAULT})")
    parser.add_argument("--output", type=Path, help="write the JSON here as well as printing it")
    parser.add_argument("--from-log", type=Path, help="rebuild the run of an interrupted study from its printed lines")
    args = parser.parse_args(argv)
    if args.from_log:
        result = run_from_log(args.from_log)
        print(json.dumps(result, indent=1))
        if args.output:
            runs = json.loads(args.output.read_text())["runs"] if args.output.exists() else []
            args.output.write_text(json.dumps({"runs": [*runs, result]}, indent=1) + "\n")
        return 0
    names = {c.name for c in CANDIDATES}
    unknown = (set(args.only or []) | set(args.time_only)) - names
    if unknown:
        parser.error(f"unknown candidates {sorted(unknown)}; choose from {sorted(names)}")
    candidates = CANDIDATES
    if args.only:
        latent_dims = {c.latent_dim for c in CANDIDATES if c.name in args.only}
        candidates = [
            c for c in CANDIDATES
            if c.name in args.only or (c.architecture is None and c.latent_dim in latent_dims)
        ]
    timed_only = [c for c in CANDIDATES if c.name in args.time_only]
    if timed_only and not args.only:  # timing only: the MLP of each latent size is the yardstick
        latent_dims = {c.latent_dim for c in timed_only}
        mlps = [c for c in CANDIDATES if c.architecture is None and c.latent_dim in latent_dims]
        candidates, timed_only = [], [*mlps, *(c for c in timed_only if c not in mlps)]
    result = run(candidates, quick=args.quick, mnist_test=args.mnist_test, timed_only=timed_only)
    print(json.dumps(result, indent=1))
    if args.output:  # one file, one entry per run: each run has its own MLP yardstick
        runs = json.loads(args.output.read_text())["runs"] if args.output.exists() else []
        args.output.write_text(json.dumps({"runs": [*runs, result]}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
