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
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from vae_lessons import distributed, saving, training


def parser() -> argparse.ArgumentParser:
    """The command line's arguments (defaults from :class:`training.TrainingConfig`)."""
    defaults = training.TrainingConfig()
    parse = argparse.ArgumentParser(
        prog="python -m vae_lessons.train",
        description="Train a variational autoencoder on MNIST and save it as a .keras file.",
    )
    parse.add_argument(
        "--output",
        required=True,
        type=Path,
        help="the .keras file to write (must not exist)",
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


if __name__ == "__main__":
    sys.exit(main())
