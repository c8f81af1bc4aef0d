"""Going further (lesson 4): the same training on many devices and many machines.

Nothing here re-implements distribution: Keras's own distribution API does the work
(``keras.distribution``: ``DataParallel``, ``ModelParallel``, ``DeviceMesh``,
``LayoutMap`` and ``initialize``). This module picks its settings for the VAE and
splits the digits between processes; training itself is the package's one training
loop, ``training.train(config, distribution=...)`` (:mod:`vae_lessons.training`):

- :func:`data_parallel` copies the model onto every device (all local CPUs, GPUs or
  TPUs, and, after :func:`initialize`, those of every process) and splits each batch
  between them; the gradients are averaged over the whole batch, so the result is
  the one-device result up to floating-point rounding.
- :func:`model_parallel` also splits the two large hidden layers (784 x 512 and
  512 x 784 weights) across a ``"model"`` axis of devices, for models too big for one
  device. The default VAE is small; this is here to show the mechanism.
- :func:`initialize` joins several processes (one per machine, or per GPU) into one
  cluster before anything else runs.
- :class:`GlobalBatches` and :func:`batch_layout` say which digits each process feeds.

Backends: Keras implements its distribution API on **JAX** only (its TensorFlow
trainer ignores a distribution, and PyTorch has none); on TensorFlow or PyTorch the
functions here that need it raise a ``ValueError`` saying so, and training without a
distribution runs on one device as usual.

Every process loads the same digits and draws the same shuffled order of them each
epoch (seeded by ``config.seed``); each process then feeds only its own slice of every
global batch (:class:`GlobalBatches`), so one process and many see the same global
batches.
"""

from __future__ import annotations

import keras
import numpy as np

from vae_lessons import architectures, validation

SUPPORTED_BACKENDS = ("jax",)


def check_backend() -> None:
    """Raise a ``ValueError`` unless the Keras backend implements ``keras.distribution``.

    Raises
    ------
    ValueError
        On TensorFlow and PyTorch, naming the backend and the one that works.
    """
    backend = keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(
            validation.message(
                "KERAS_BACKEND",
                "'jax': Keras's distribution API (keras.distribution) runs on the JAX "
                "backend only; set KERAS_BACKEND=jax before starting Python, or train "
                "on one device without a distribution",
                backend,
            )
        )


def initialize(
    coordinator_address: str, num_processes: int, process_id: int
) -> None:
    """Join this process to a cluster of ``num_processes``: ``keras.distribution.initialize``.

    Call it in every process, first thing (before any computation), with the same
    ``coordinator_address`` (process 0's host and a free port) and each process's own
    ``process_id``. Afterwards ``keras.distribution.list_devices()`` lists the devices
    of every process, and :func:`data_parallel` spans them all. On CPUs, JAX exchanges
    gradients between processes with its Gloo collectives.

    Parameters
    ----------
    coordinator_address : str
        ``"host:port"`` of process 0, e.g. ``"10.0.0.1:1234"``.
    num_processes : int
        Processes in the cluster, >= 1.
    process_id : int
        This process's number, 0 .. num_processes - 1 (0 is the coordinator).
    """
    check_backend()
    host, _, port = str(coordinator_address).rpartition(":")
    if (
        not isinstance(coordinator_address, str)
        or not host
        or not port.isdigit()
    ):
        raise ValueError(
            validation.message(
                "coordinator_address",
                "a 'host:port' string",
                coordinator_address,
            )
        )
    num_processes = validation.check_integer(
        "num_processes", num_processes, minimum=1
    )
    process_id = validation.check_integer(
        "process_id", process_id, minimum=0, maximum=num_processes - 1
    )
    keras.distribution.initialize(
        coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
    )


def data_parallel(devices=None) -> keras.distribution.DataParallel:
    """Data parallelism over ``devices`` (default: every device of every process).

    Variables are replicated on each device; each batch is split along its first axis.

    Parameters
    ----------
    devices : list of str or None
        e.g. ``["gpu:0", "gpu:1"]``; None for ``keras.distribution.list_devices()``.

    Returns
    -------
    distribution : keras.distribution.DataParallel
        With ``auto_shard_dataset=False``: ``training.fit`` gives each process its own
        slice of the data itself.
    """
    check_backend()
    return keras.distribution.DataParallel(
        devices=devices, auto_shard_dataset=False
    )


def model_parallel(
    model_axis_size: int = 2, devices=None
) -> keras.distribution.ModelParallel:
    """Data and model parallelism: the hidden layers are split across ``model_axis_size`` devices.

    The devices form a ``DeviceMesh`` of shape (len(devices) / model_axis_size,
    model_axis_size) with axes ``("batch", "model")``. A ``LayoutMap`` splits the
    hidden layers' kernels, (784, hidden_units) and (latent_dim, hidden_units), by
    their hidden units, and their biases likewise; every other variable is
    replicated. Batches are split along the ``"batch"`` axis.

    Parameters
    ----------
    model_axis_size : int, default 2
        Devices each hidden layer is split across; must divide the number of devices
        and the model's ``hidden_units``.
    devices : list of str or None
        None for ``keras.distribution.list_devices()``.

    Returns
    -------
    distribution : keras.distribution.ModelParallel
    """
    check_backend()
    devices = (
        list(devices)
        if devices is not None
        else keras.distribution.list_devices()
    )
    model_axis_size = validation.check_integer(
        "model_axis_size", model_axis_size, minimum=1
    )
    if len(devices) % model_axis_size:
        raise ValueError(
            validation.message(
                "model_axis_size",
                f"a divisor of the {len(devices)} devices",
                model_axis_size,
            )
        )
    mesh = keras.distribution.DeviceMesh(
        shape=(len(devices) // model_axis_size, model_axis_size),
        axis_names=("batch", "model"),
        devices=devices,
    )
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[r".*_hidden/kernel"] = (
        None,
        "model",
    )  # (inputs, hidden_units): split the hidden units
    layout_map[r".*_hidden/bias"] = ("model",)  # (hidden_units,)
    return keras.distribution.ModelParallel(
        layout_map=layout_map,
        batch_dim_name="batch",
        auto_shard_dataset=False,
    )


class GlobalBatches(keras.utils.PyDataset):
    """The global batches of an epoch, as the slice of each that this process feeds.

    Every process builds this from the same digits and seed, so all draw the same
    shuffled order; global batch ``i`` is rows ``order[i*batch_size:(i+1)*batch_size]``
    and process ``shard`` of ``num_shards`` feeds the ``shard``-th equal part of it
    (Keras joins the parts into one global batch). Each global batch is trimmed to a
    multiple of ``multiple`` (the number of devices it is split across); only the last
    one can lose digits, at most ``multiple - 1``, different ones each epoch when
    shuffled. With ``binarized=True`` every pixel is drawn afresh each epoch as a
    Bernoulli sample of its grey level (dynamic binarization, as
    :class:`vae_lessons.architectures.DynamicBinarization`), from draws made for the
    whole global batch, so every process binarizes its slice as one process would.

    Hand-written rather than ``tf.data`` plus Keras's auto-sharding because that
    needs TensorFlow, which the JAX install does not have; arrays alone cannot do it
    because each process must see the global shuffle, not its own.

    Parameters
    ----------
    x : numpy.ndarray, float32, shape (n, 784)
    batch_size : int
        Digits per global batch (all processes together).
    seed : int >= 0 or None
        Seed of the per-epoch shuffle; None keeps the given order (no randomness).
    num_shards, shard : int, default 1, 0
        Processes feeding each batch, and which one this is.
    multiple : int, default 1
        Each global batch is trimmed to a multiple of this.
    binarized : bool, default False
        Binarize the digits afresh every epoch; needs a ``seed`` and values in [0, 1].

    Yields
    ------
    (x_batch, x_batch) : pair of numpy.ndarray, shape (rows, 784)
        ``rows = global rows / num_shards``; the VAE reconstructs its input.
    """

    def __init__(
        self,
        x,
        batch_size,
        seed=None,
        num_shards=1,
        shard=0,
        multiple=1,
        binarized=False,
    ):
        super().__init__()
        if not isinstance(binarized, (bool, np.bool_)):
            raise TypeError(
                validation.message("binarized", "True or False", binarized)
            )
        self.binarized = bool(binarized)
        pixel_range = (
            {"minimum": 0.0, "maximum": 1.0} if self.binarized else {}
        )
        self.x = validation.check_array(
            "x", x, shape=(None, None), **pixel_range
        )
        self.batch_size = validation.check_integer(
            "batch_size", batch_size, minimum=1
        )
        self.num_shards = validation.check_integer(
            "num_shards", num_shards, minimum=1
        )
        self.shard = validation.check_integer(
            "shard", shard, minimum=0, maximum=self.num_shards - 1
        )
        self.multiple = validation.check_integer(
            "multiple", multiple, minimum=1
        )
        if seed is None and self.binarized:
            raise ValueError(
                validation.message(
                    "seed",
                    "an integer >= 0 with binarized=True (the pixels' draws need it)",
                    seed,
                )
            )
        self.seed = (
            None if seed is None else validation.check_seed("seed", seed)
        )
        self._rng = (
            None if self.seed is None else np.random.default_rng(self.seed)
        )
        self.epoch = 0
        self._order = self._next_order()

    def _next_order(self):
        return (
            np.arange(len(self.x))
            if self._rng is None
            else self._rng.permutation(len(self.x))
        )

    def __len__(self):
        full, rest = divmod(len(self.x), self.batch_size)
        return full + (
            rest >= self.multiple
        )  # a last batch trimmed to nothing is dropped

    def __getitem__(self, index):
        rows = self._order[
            index * self.batch_size : (index + 1) * self.batch_size
        ]
        rows = rows[
            : len(rows) - len(rows) % self.multiple
        ]  # the global batch
        per_shard = len(rows) // self.num_shards
        part = slice(self.shard * per_shard, (self.shard + 1) * per_shard)
        if self.binarized:  # drawn for the whole global batch (rows, 784); this process's part
            x_batch = architectures.draw_binary(
                self.x[rows], [self.seed, self.epoch, index]
            )[part]
        else:
            x_batch = self.x[rows[part]]  # (rows / num_shards, 784)
        return x_batch, x_batch  # twice: input and target

    def on_epoch_end(self):
        self.epoch += 1
        self._order = self._next_order()


def batch_layout(distribution):
    """How a distribution splits each global batch: ``(num_shards, shard, multiple)``.

    Parameters
    ----------
    distribution : keras.distribution.Distribution or None

    Returns
    -------
    num_shards : int
        Processes that each feed part of a batch.
    shard : int
        This process's part.
    multiple : int
        Devices a batch is split across (``num_model_replicas``).
    """
    if distribution is None:
        return 1, 0, 1
    check_backend()
    replicas, processes = (
        distribution.num_model_replicas,
        distribution.num_processes,
    )
    if replicas % processes:
        raise ValueError(
            validation.message(
                "distribution",
                f"a batch axis of devices that is a multiple of the {processes} processes",
                distribution,
            )
        )
    if processes > 1 and distribution.auto_shard_dataset:
        raise ValueError(
            validation.message(
                "distribution",
                "auto_shard_dataset=False (training.fit feeds each process its slice of every batch itself); "
                "make it with distributed.data_parallel()",
                distribution,
            )
        )
    return processes, distribution.data_shard_id, replicas
