"""Design study for lesson 9: which convolutional VAE trains fast and beats the MLP?

Usage::

    python -m benchmarks.conv_design [--quick] [--only NAME ...] [--time-only NAME ...]
        [--mnist-test FOLDER] [--output benchmarks/results/conv_design.json]
    python -m benchmarks.conv_design --lesson-models [--mnist-test FOLDER] [--output ...]
    python -m benchmarks.conv_design --curves NAME ... [--curve-epochs 80] [--curve-every 10]
        [--mnist-test FOLDER] [--output ...]

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

``--curves`` asks "why not train longer?": each named candidate trains once for
``--curve-epochs`` epochs and is scored on the real test set every ``--curve-every``
epochs (:func:`epoch_curve`), so one run shows where more epochs stop paying.

``--lesson-models`` trains nothing: it scores lessons 9 and 10's models from the registry
(:data:`LESSON_MODELS`) on the real test set, the importance-weighted estimate included
(too slow for the lessons' time budget; the lessons compute only what they show).

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
    shifted_copies : int
        Data augmentation: train on the digits plus this many copies of them, each digit
        shifted by up to ``max_shift`` pixels in each direction (see :func:`shifted_copies`).
    max_shift : int
    cosine_decay : bool
        Decay the learning rate to 0 along a cosine over the whole run
        (``keras.optimizers.schedules.CosineDecay``) instead of keeping it constant.
    weight_decay : float
        AdamW's decoupled weight decay (0: plain Adam).
    kl_warmup_epochs : int
        Ramp the KL weight from 0 to 1 over this many epochs (``architectures.KLWarmUp``).
    """

    name: str
    latent_dim: int = 2
    architecture: dict | None = None
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 1e-3
    steps_per_execution: int = 128  # the lessons' setting (training.STEPS_PER_EXECUTION); the first runs used 1
    shifted_copies: int = 0
    max_shift: int = 1
    cosine_decay: bool = False
    weight_decay: float = 0.0
    kl_warmup_epochs: int = 0


KERAS_IO = {"filters": (32, 64), "dense_units": 16, "final_convolution": True}
SMALL = {"filters": (16, 32)}
MEDIUM = {"filters": (32, 64)}

CANDIDATES = [  # ordered so that an interrupted run still has the main comparisons
    Candidate("mlp"),
    Candidate("mlp-z20", latent_dim=20),
    Candidate("conv16-32", architecture=SMALL),
    Candidate("conv16-32-z20", latent_dim=20, architecture=SMALL),
    # settings tried to reach 158 / 105 nats within the same time (each changes one thing)
    Candidate("conv16-32-shifted", architecture=SMALL, shifted_copies=1, epochs=15),
    Candidate("conv16-32-batch64-lr2e-3-cosine", architecture=SMALL, batch_size=64, learning_rate=2e-3, cosine_decay=True),
    Candidate("conv16-32-z20-shifted", latent_dim=20, architecture=SMALL, shifted_copies=1, epochs=15),
    Candidate("conv16-32-z20-adamw", latent_dim=20, architecture=SMALL, weight_decay=1e-2),
    Candidate("conv16-32-z20-cosine", latent_dim=20, architecture=SMALL, cosine_decay=True),
    Candidate("conv16-32-z20-warmup10", latent_dim=20, architecture=SMALL, kl_warmup_epochs=10),
    Candidate("conv16-32-z20-batch128-lr3e-3-60", latent_dim=20, architecture=SMALL, batch_size=128, learning_rate=3e-3, epochs=60),
    Candidate("conv32-64-z20", latent_dim=20, architecture=MEDIUM),
    # the first study's other designs (steps_per_execution 1 then)
    Candidate("conv32-64", architecture=MEDIUM),
    Candidate("conv32-64-final", architecture={**MEDIUM, "final_convolution": True}),
    Candidate("keras-io", architecture=KERAS_IO),
]


def shifted_copies(x, copies, max_shift, seed=0):
    """The digits followed by ``copies`` randomly shifted copies: data augmentation.

    Each copy moves every digit by whole pixels, ``-max_shift .. max_shift`` down and
    right (independently per digit). ``numpy.roll`` wraps around, which for MNIST's
    digits (centred, with an empty border of about 4 pixels) is the same as a shift
    for ``max_shift`` of 1 or 2; it is one vectorised call per offset, so no
    image library is needed.

    Parameters
    ----------
    x : numpy.ndarray, shape (n, 784)
    copies, max_shift : int

    Returns
    -------
    x_augmented : numpy.ndarray, shape ((copies + 1) n, 784)
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    images = x.reshape(-1, 28, 28)  # (n, 784) -> (n, 28, 28)
    result = [x]
    for _ in range(copies):
        offsets = rng.integers(-max_shift, max_shift + 1, size=(len(x), 2))  # (n, 2): rows, columns
        shifted = np.empty_like(images)
        for offset in {tuple(pair) for pair in offsets.tolist()}:
            rows = np.all(offsets == offset, axis=1)
            shifted[rows] = np.roll(images[rows], offset, axis=(1, 2))
        result.append(shifted.reshape(len(x), -1))
    return np.concatenate(result)  # ((copies + 1) n, 784)


def compile_candidate(vae, candidate: Candidate, num_digits: int) -> None:
    """Compile ``vae`` with the candidate's optimizer, schedule and steps per call."""
    import math

    import keras

    learning_rate = candidate.learning_rate
    if candidate.cosine_decay:
        steps = math.ceil(num_digits / candidate.batch_size) * candidate.epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(candidate.learning_rate, decay_steps=steps)
    if candidate.weight_decay:
        optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=candidate.weight_decay)
    else:
        optimizer = keras.optimizers.Adam(learning_rate)
    vae.compile(optimizer=optimizer, steps_per_execution=candidate.steps_per_execution)


def training_digits(candidate: Candidate, x_train):
    """The digits a candidate trains on: ``x_train``, augmented if it asks for it."""
    if candidate.shifted_copies:
        return shifted_copies(x_train, candidate.shifted_copies, candidate.max_shift)
    return x_train


def callbacks(candidate: Candidate):
    """The candidate's Keras callbacks (the KL warm-up)."""
    from vae_lessons import architectures

    return [architectures.KLWarmUp(candidate.kl_warmup_epochs)] if candidate.kl_warmup_epochs else []


def build(candidate: Candidate):
    """A fresh, built VAE for ``candidate`` (seed first)."""
    from vae_lessons import architectures, models

    if candidate.architecture is None:
        return models.build_vae(candidate.latent_dim)
    design = dict(candidate.architecture)
    final_convolution = design.pop("final_convolution", False)
    encoder = architectures.build_conv_encoder(candidate.latent_dim, **design)
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


def fit_candidate(candidate: Candidate, x_train, extra_callbacks=()):
    """Build ``candidate`` from seed 0 and train it on ``x_train`` (augmented if it asks).

    Returns
    -------
    vae : models.VAE
    history : dict
        Keras's ``History.history``.
    seconds : float
        Wall-clock seconds of the ``fit`` call, compilation included.
    """
    from vae_lessons import training

    training.set_seed(0)
    vae = build(candidate)
    x_fit = training_digits(candidate, x_train)
    compile_candidate(vae, candidate, len(x_fit))
    start = time.perf_counter()
    history = vae.fit(
        x_fit, x_fit, epochs=candidate.epochs, batch_size=candidate.batch_size,
        shuffle=True, callbacks=[*extra_callbacks, *callbacks(candidate)], verbose=0,
    ).history
    return vae, history, time.perf_counter() - start


def train_and_score(candidate: Candidate, x_train, x_test) -> dict:
    """Train one candidate from its seed and score it; a JSON-ready dict."""
    from vae_lessons import evaluation, training

    timer = EpochTimer.make()
    vae, history, seconds = fit_candidate(candidate, x_train, [timer])
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

    from vae_lessons import training

    models_by_name = {}
    for candidate in candidates:
        training.set_seed(0)
        vae = build(candidate)
        compile_candidate(vae, candidate, len(training_digits(candidate, x_train)))
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


def study_digits(mnist_test: Path | None = None):
    """The lessons' 3,600 training digits and the real MNIST test set (exits without it).

    Returns
    -------
    x_train : numpy.ndarray, shape (3600, 784)
    x_test : numpy.ndarray, shape (10000, 784)
    """
    from benchmarks import quality
    from vae_lessons import training

    x_train, _ = training.training_data(training.TrainingConfig())
    mnist_test = quality.MNIST_TEST if mnist_test is None else mnist_test
    x_test = quality.verified_mnist_test(mnist_test)
    if x_test is None:
        raise SystemExit(f"{mnist_test}: the real MNIST test set is needed for this study")
    return x_train, x_test


def run(candidates=CANDIDATES, quick: bool = False, mnist_test: Path | None = None, timed_only=()) -> dict:
    """Train and score ``candidates``; the MLP of the same latent size is the yardstick.

    ``timed_only`` candidates are not trained to the end, only timed (interleaved epochs).
    """
    import keras

    x_train, x_test = study_digits(mnist_test)
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


def epoch_curve(candidate: Candidate, x_train, x_test, epochs: int, every: int) -> dict:
    """Train ``candidate`` for ``epochs`` epochs, scoring it on ``x_test`` every ``every``.

    The training is ``train_and_score``'s (:func:`fit_candidate`) for another number
    of epochs. Each score is taken on a second model given the current weights, with
    the backend's global random state kept (:func:`_global_random_state_kept`), so
    scoring draws nothing the training draws from: the weights at epoch e are the same
    as those of a run stopped at epoch e.

    Returns
    -------
    curve : dict
        The candidate's settings with ``epochs`` replaced, its ``parameters``, and
        ``points``: one ``{"epoch", "negative_elbo", "training_loss", "train_seconds"}``
        per score, ``train_seconds`` counting training only (compilation included,
        scoring left out).
    """
    import keras

    from vae_lessons import evaluation

    candidate = dataclasses.replace(candidate, epochs=epochs)
    scorer = build(candidate)  # built before fit_candidate sets the seed: its training is train_and_score's
    points, scoring_seconds = [], [0.0]

    class Score(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % every and epoch + 1 != epochs:
                return
            scoring_start = time.perf_counter()
            scorer.set_weights(self.model.get_weights())
            with _global_random_state_kept():
                score = evaluation.held_out_score(scorer, x_test, seed=0)
            points.append({
                "epoch": epoch + 1,
                "negative_elbo": round(score.negative_elbo, 2),
                "training_loss": round(float(logs["loss"]), 2),
                "train_seconds": round(scoring_start - self.start - scoring_seconds[0], 1),
            })
            scoring_seconds[0] += time.perf_counter() - scoring_start

    vae, _, _ = fit_candidate(candidate, x_train, [Score()])
    return {**dataclasses.asdict(candidate), "parameters": int(vae.count_params()), "points": points}


def _global_random_state_kept():
    """A context that restores the backend's global random state when it ends.

    On PyTorch every ``predict`` builds a DataLoader, which draws a seed from torch's
    global generator, the one the next epoch's shuffle draws from; ``torch.random.fork_rng``
    puts it back. JAX and TensorFlow's Keras draw nothing global there.
    """
    import contextlib

    import keras

    if keras.backend.backend() == "torch":
        import torch

        return torch.random.fork_rng(devices=[])
    return contextlib.nullcontext()


def run_curves(candidates, epochs: int, every: int, mnist_test: Path | None = None) -> dict:
    """:func:`epoch_curve` of each candidate on the real MNIST test set; a JSON-ready run."""
    import keras

    x_train, x_test = study_digits(mnist_test)
    curves = []
    for candidate in candidates:
        before = load_average()
        curve = epoch_curve(candidate, x_train, x_test, epochs, every)
        curve["load_average_before_after"] = [before, load_average()]
        print(json.dumps(curve), flush=True)
        curves.append(curve)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "test_set": f"real MNIST test set, {len(x_test):,} digits",
        "training_set": f"{len(x_train):,} digits: training.training_data(TrainingConfig())",
        "backend": keras.backend.backend(),
        "note": f"each design trained once for {epochs} epochs (seed 0) and scored every {every} epochs: "
        "negative ELBO in nats per digit, one seeded z per digit (evaluation.held_out_score); "
        "train_seconds is the training so far, compilation included and scoring left out, "
        "on a shared 2-core machine",
        "curves": curves,
    }


LESSON_MODELS = {
    "MLP, z = 2": "default",
    "conv, z = 2": "conv",
    "MLP, z = 20": "latent_dim=20",
    "conv, z = 20": "conv latent_dim=20",
    "conv, z = 20, binarized": "conv latent_dim=20 binarized",
    "MLP, z = 20, KL warm-up 10 epochs": "latent_dim=20 kl_warmup_epochs=10",
    "conditional MLP, z = 2, label given": "conditional",
}
"""The models lessons 9 and 10 show: its label -> name in ``vae_lessons.registry.MODELS``."""


def score_lesson_models(mnist_test: Path | None = None, importance_samples: int = 20) -> dict:
    """Lessons 9 and 10's models (from the registry and its cache) on the real MNIST test set.

    The lessons score them live on their 1,000 sample digits with the negative ELBO; the
    importance-weighted estimate (``importance_samples`` decoder passes per digit) is
    too slow for their time budget, so this run reports it.
    """
    import keras

    from benchmarks import quality
    from vae_lessons import architectures

    folder = quality.MNIST_TEST if mnist_test is None else mnist_test
    loaded = quality.verified_mnist_test(folder, labels=True)
    if loaded is None:
        raise SystemExit(f"{folder}: the real MNIST test set is needed for this study")
    x_test, labels = loaded
    x_binary = architectures.binarize(x_test, seed=0)
    results = []
    for label, name in LESSON_MODELS.items():
        entry = quality.score_entry(label, name, x_test, x_binary, labels, (importance_samples,))
        print(json.dumps(entry), flush=True)
        results.append(entry)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "test_set": f"real MNIST test set, {len(x_test):,} digits",
        "backend": keras.backend.backend(),
        "note": "lesson 9's models from the registry: negative ELBO with one seeded z per digit "
        f"and the importance-weighted estimate with k = {importance_samples}, nats per digit "
        "(benchmarks.quality.score_entry); the binarized model on one fixed binarization "
        "(seed 0); the conditional model with each digit's label given",
        "lesson_models": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs and 500 test digits (a smoke test)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="candidates to train and score (with the MLP of each latent size)")
    parser.add_argument("--time-only", nargs="+", default=[], metavar="NAME", help="candidates only timed, not trained to the end")
    parser.add_argument("--mnist-test", type=Path, default=None, help=f"folder of the real MNIST test set (default {MNIST_DEFAULT})")
    parser.add_argument("--output", type=Path, help="write the JSON here as well as printing it")
    parser.add_argument("--from-log", type=Path, help="rebuild the run of an interrupted study from its printed lines")
    parser.add_argument("--lesson-models", action="store_true", help="score lesson 9's registry models instead (no training)")
    parser.add_argument("--curves", nargs="+", metavar="NAME", help="train these candidates longer, scoring them as they go")
    parser.add_argument("--curve-epochs", type=int, default=80, help="epochs of each --curves run (default 80)")
    parser.add_argument("--curve-every", type=int, default=10, help="score every this many epochs (default 10)")
    args = parser.parse_args(argv)
    if args.lesson_models or args.from_log:  # no study run: score the lesson's models, or rebuild a run
        result = score_lesson_models(args.mnist_test) if args.lesson_models else run_from_log(args.from_log)
        print(json.dumps(result, indent=1))
        if args.output:
            append_run(args.output, result)
        return 0
    names = {c.name for c in CANDIDATES}
    unknown = (set(args.only or []) | set(args.time_only) | set(args.curves or [])) - names
    if unknown:
        parser.error(f"unknown candidates {sorted(unknown)}; choose from {sorted(names)}")
    if args.curves:
        if args.curve_epochs < 1 or args.curve_every < 1:
            parser.error(f"--curve-epochs and --curve-every must be at least 1, got {args.curve_epochs} and {args.curve_every}")
        chosen = [c for c in CANDIDATES if c.name in args.curves]
        result = run_curves(chosen, args.curve_epochs, args.curve_every, args.mnist_test)
        print(json.dumps(result, indent=1))
        if args.output:
            append_run(args.output, result)
        return 0
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
        append_run(args.output, result)
    return 0


def append_run(output: Path, result: dict) -> None:
    """Add ``result`` to the ``runs`` of the JSON file ``output`` (read again now: runs may overlap)."""
    runs = json.loads(output.read_text())["runs"] if output.exists() else []
    output.write_text(json.dumps({"runs": [*runs, result]}, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
