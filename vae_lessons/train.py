"""Train a VAE from the command line, on one device, all local devices, or many processes.

Examples
--------
On this machine's devices (all GPUs if there are any, else the CPU)::

    python -m vae_lessons.train --source keras --latent-dim 2 --epochs 30 \\
        --distribute --output vae.keras

On two machines (or two processes), the same command in each with its own
``--process-id``; process 0 saves the model::

    python -m vae_lessons.train --source /data/mnist --distribute \\
        --coordinator 10.0.0.1:1234 --num-processes 2 --process-id 0 --output vae.keras

Installed, the same command is ``vae-lessons-train``. ``--distribute`` needs the JAX
backend (Keras's distribution API runs on JAX only); without it any backend works.

A shared hub, ready before class: train every model the lessons use into the cache
folder the students' kernels will read (``VAE_LESSONS_CACHE`` in their environment),
with a progress bar; a model already there is loaded, not trained again::

    vae-lessons-train --all-lesson-models --cache /srv/vae-lessons-cache

It goes through the model cache (:mod:`vae_lessons.cache`): one file lock per entry, so
a student's kernel asking for a model while it trains waits for it rather than training
it twice, and entries that follow the umask and the group of a set-group-ID folder. The
entries are keyed by backend and Keras version: run it with the backend and the Keras
version the students' kernels use.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import keras  # vae_lessons/__init__.py, imported first, has picked the backend

import vae_lessons
from vae_lessons import (
    cache,
    distributed,
    original,
    registry,
    saving,
    training,
)


def lesson_model_names() -> tuple:
    """The names of every model the lessons train or load: :data:`registry.MODELS`."""
    return tuple(registry.MODELS)


def cache_folder(name: str) -> Path:
    """The model cache's entry folder of the named model, on the current backend."""
    spec = registry.spec(name)
    if spec.variant == registry.CORRECTED:
        return cache.cache_entry(training.cache_metadata(spec.config))
    return cache.cache_entry(
        original.original_cache_metadata(
            spec.config, swapped_bce=spec.variant == registry.AS_WRITTEN
        )
    )


def progress_line(done, total, name, status, seconds, width=20):
    """One line of the progress bar: ``[#####...] 3/26 latent_dim=20: trained in 7.1 s``."""
    filled = round(width * done / total)
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total} "
        f"{name}: {status} in {seconds:.1f} s"
    )


def train_lesson_models(names=None, stream=None):
    """Train every model the lessons use into the model cache; load those already there.

    Goes through :func:`registry.trained`, so through the cache's locks, checks and
    permissions (:mod:`vae_lessons.cache`), into ``cache.cache_dir()``.

    Parameters
    ----------
    names : sequence of str or None
        Names of :data:`registry.MODELS`; None for all of them (:func:`lesson_model_names`).
    stream : file or None
        Where the progress bar goes, one line per model (None: ``sys.stdout``; the
        ``--quiet`` command line passes a stream that discards it).

    Returns
    -------
    ready : list of (str, keras.Model, float, bool)
        For each model in order: its name, the model, the seconds it took to train or
        load, and whether it was already in the cache.
    """
    names = lesson_model_names() if names is None else tuple(names)
    # an unknown name is refused before anything trains
    for name in names:
        registry.spec(name)
    stream = sys.stdout if stream is None else stream
    ready = []
    for done, name in enumerate(names, start=1):
        was_cached = (cache_folder(name) / "model.keras").is_file()
        start = time.perf_counter()
        vae, _ = registry.trained(name)
        seconds = time.perf_counter() - start
        status = "in the cache, loaded" if was_cached else "trained"
        print(
            progress_line(done, len(names), name, status, seconds),
            file=stream,
            flush=True,
        )
        ready.append((name, vae, seconds, was_cached))
    return ready


def use_cache(folder: Path) -> Path:
    """Make ``folder`` the model cache of this process (and its JAX compilation cache's
    parent, unless the user chose another); creates it if missing (with the umask)."""
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["VAE_LESSONS_CACHE"] = str(folder)
    vae_lessons._use_jax_compilation_cache()  # the compiled programs go beside the models
    return cache.cache_dir()


def parser() -> argparse.ArgumentParser:
    """The command line's arguments (defaults from :class:`training.TrainingConfig`)."""
    defaults = training.TrainingConfig()
    parse = argparse.ArgumentParser(
        prog="python -m vae_lessons.train",
        description="Train a variational autoencoder on MNIST and save it as a .keras file; "
        "or, with --all-lesson-models, every model the lessons use into the model cache.",
    )
    task = parse.add_mutually_exclusive_group(required=True)
    task.add_argument(
        "--output",
        type=Path,
        help="the .keras file to write (must not exist)",
    )
    task.add_argument(
        "--all-lesson-models",
        action="store_true",
        help="train every model the lessons use into the model cache (a model already "
        "there is loaded), with a progress bar: a shared hub's cache, ready before class; "
        "the lessons' own configurations, so no training option applies",
    )
    parse.add_argument(
        "--cache",
        type=Path,
        help="with --all-lesson-models: the model cache folder to fill, created if missing "
        "(default: $VAE_LESSONS_CACHE, else ~/.cache/vae-lessons)",
    )
    parse.add_argument(
        "--source",
        default=defaults.source,
        help="'sample' (shipped, offline), 'keras' (the full 60,000; downloads once) or the path "
        "of an mnist.npz or of a folder of the four IDX .gz files (default: %(default)s)",
    )
    for name, kind, text in (
        ("latent_dim", int, "size of z"),
        ("hidden_units", int, "units of the hidden layers"),
        ("kl_weight", float, "beta, the weight of the KL term"),
        ("epochs", int, "passes over the training digits"),
        ("batch_size", int, "digits per (global) batch"),
        ("learning_rate", float, "Adam's step size"),
        ("validation_size", int, "training digits held out for validation"),
        (
            "train_size",
            int,
            "train on a stratified subset of this many digits",
        ),
        (
            "seed",
            int,
            "seeds the split, the weights, the noise and the shuffle",
        ),
    ):
        flag = "--" + name.replace("_", "-")
        parse.add_argument(
            flag,
            type=kind,
            default=getattr(defaults, name),
            help=f"{text} (default: %(default)s)",
        )
    parse.add_argument(
        "--distribute",
        action="store_true",
        help="train data-parallel over every device (of every process) with keras.distribution (JAX only)",
    )
    cluster = parse.add_argument_group(
        "several processes (with --distribute)"
    )
    cluster.add_argument("--coordinator", help="host:port of process 0")
    cluster.add_argument(
        "--num-processes", type=int, help="processes in the cluster"
    )
    cluster.add_argument(
        "--process-id",
        type=int,
        help="this process's number, 0 .. num-processes - 1",
    )
    parse.add_argument(
        "--quiet", action="store_true", help="no progress bar"
    )
    return parse


def check_output(path: Path) -> None:
    """Refuse, before training, an output that :func:`saving.save_vae` would refuse after it."""
    if path.suffix != ".keras":
        raise ValueError(f"{path}: the file name must end in .keras")
    if path.exists():
        raise ValueError(
            f"{path}: file exists; choose a new name or delete it first"
        )
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: folder not found")


def main(argv=None) -> int:
    """Run the command line; returns the exit status (argument errors exit with status 2).

    Parameters
    ----------
    argv : list of str or None
        The arguments; None for ``sys.argv[1:]``.
    """
    parse = parser()
    arguments = parse.parse_args(argv)
    if arguments.all_lesson_models:
        return all_lesson_models(parse, arguments)
    if arguments.cache is not None:
        parse.error(
            "--cache goes with --all-lesson-models (--output writes a .keras file, not a cache entry)"
        )
    cluster = (
        arguments.coordinator,
        arguments.num_processes,
        arguments.process_id,
    )
    multi_process = any(value is not None for value in cluster)
    try:
        check_output(arguments.output)
        fields = {
            field.name
            for field in dataclasses.fields(training.TrainingConfig)
        }
        config = training.TrainingConfig(
            **{
                name: value
                for name, value in vars(arguments).items()
                if name in fields
            }
        )
        if multi_process and not arguments.distribute:
            raise ValueError(
                "--coordinator, --num-processes and --process-id need --distribute"
            )
        if multi_process and None in cluster:
            raise ValueError(
                "several processes need all three of --coordinator, --num-processes and --process-id"
            )
        if multi_process:
            distributed.initialize(*cluster)
        distribution = (
            distributed.data_parallel() if arguments.distribute else None
        )
        if distribution is not None:
            print(
                f"data-parallel over {distribution.num_model_replicas} devices in {distribution.num_processes} process(es)"
            )
        vae, history = training.train(
            config,
            distribution=distribution,
            verbose=0 if arguments.quiet else 1,
        )
    except (TypeError, ValueError) as error:
        parse.error(str(error))
    except FloatingPointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if (
        distribution is None or distribution.data_shard_id == 0
    ):  # one process writes the file
        saving.save_vae(vae, arguments.output)
        summary = training.format_epoch(
            config.epochs,
            config.epochs,
            {name: values[-1] for name, values in history.items()},
        )
        print(f"{summary}\nsaved {arguments.output}")
    return 0


def all_lesson_models(parse, arguments) -> int:
    """``--all-lesson-models``: refuse training options, then fill the cache."""
    defaults = vars(parse.parse_args(["--all-lesson-models"]))
    given = [
        "--" + name.replace("_", "-")
        for name, value in vars(arguments).items()
        if name not in ("all_lesson_models", "cache", "quiet")
        and value != defaults[name]
    ]
    if given:
        parse.error(
            f"--all-lesson-models trains the lessons' own configurations; leave out {', '.join(given)}"
        )
    try:
        folder = (
            use_cache(arguments.cache)
            if arguments.cache is not None
            else cache.cache_dir()
        )
    except (
        OSError
    ) as error:  # a folder that cannot be made: say which and why
        parse.error(f"--cache {arguments.cache}: {error.strerror}")
    names = lesson_model_names()
    print(
        f"{len(names)} models into {folder} "
        f"(backend {keras.backend.backend()}, Keras {keras.version()})",
        flush=True,
    )
    start = time.perf_counter()
    with open(os.devnull, "w") as discard:
        try:
            ready = train_lesson_models(
                names, stream=discard if arguments.quiet else None
            )
        except FloatingPointError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    trained = sum(not was_cached for *_, was_cached in ready)
    print(
        f"done in {time.perf_counter() - start:.1f} s: {trained} trained, "
        f"{len(ready) - trained} already in the cache"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
