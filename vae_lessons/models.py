"""Lesson 4: the encoder, the decoder and the VAE model.

The default architecture is the original notebook's multilayer perceptron:

    x (784) -> Dense(512, relu) -> z_mean (latent_dim), z_log_var (latent_dim)
            -> Sampling -> z (latent_dim) -> Dense(512, relu) -> Dense(784, sigmoid)

The VAE trains with a plain ``model.fit(x, x)`` on JAX, TensorFlow and PyTorch: the
``Sampling`` layer adds the KL term, ``VAE.compute_loss`` adds the reconstruction term.
``VAE.encode(x)`` and ``VAE.decode(z)`` (NumPy in, NumPy out, batched) are the one way
the package and the lessons encode and decode. Models save to and load from the
``.keras`` format with ``safe_mode=True``.

Variants grow by overriding or passing one small piece, never by copying a class:

* the noise: a :class:`~vae_lessons.sampling.Sampling` subclass overriding
  ``noise_shape``, passed as ``build_encoder(..., sampling_class=...)`` /
  ``build_vae(..., sampling_class=...)`` (the original notebook's shared epsilon);
* the likelihood: a :class:`VAE` subclass overriding
  :meth:`VAE.reconstruction_loss` (the original notebook's swapped cross-entropy),
  passed as ``build_vae(..., vae_class=...)``;
* the networks: any encoder ``x (batch, 784) -> [z_mean, z_log_var, z]`` and decoder
  ``z (batch, latent_dim) -> x_reconstructed (batch, 784)`` go into ``VAE(encoder,
  decoder)`` (a convolutional pair reshapes to (batch, 28, 28, 1) inside);
* extra inputs (a conditional, label-aware model): a subclass sets
  :attr:`VAE.condition_dim` (the extra input columns :func:`build_vae` gives the
  encoder and the decoder) and overrides :meth:`VAE.call`,
  :meth:`VAE.encoder_inputs` and :meth:`VAE.decoder_inputs` (the arrays given to
  ``predict``), so ``encode``/``decode`` keep their validation and batching:
  :class:`ConditionalVAE`.

The conditional VAE (:class:`ConditionalVAE`) sees the digit's label, one-hot. Its
label travels with the data, so ``fit`` still takes plain arrays: the model's input is
:func:`with_labels` ``(x, labels)``, shape (batch, 794) = each digit's 784 pixels
followed by its one-hot label (10 columns); the target may be that array or the
digits alone. Encoder: (batch, 794) -> Dense(512, relu) -> z_mean, z_log_var;
decoder: ``concat([z, one_hot(label)])`` (batch, latent_dim + 10) -> Dense(512, relu)
-> Dense(784, sigmoid): the MLP decoder with 10 more input rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import zipfile
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from vae_lessons import losses, validation
from vae_lessons.data import NUM_CLASSES, NUM_PIXELS
from vae_lessons.sampling import Sampling

DEFAULT_BATCH_SIZE = 1000  # rows per predict step of encode / decode


def build_encoder(
    latent_dim=2,
    hidden_units=512,
    kl_weight=1.0,
    seed=None,
    sampling_class=Sampling,
    condition_dim=0,
):
    """The encoder q(z|x): x -> (z_mean, z_log_var, z).

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512
    kl_weight : float, default 1.0
        Weight of the KL loss added by the sampling layer.
    seed : int >= 0 or None
        Seed of the sampling noise; None is fresh randomness (see ``sampling.Sampling``).
    sampling_class : type, default sampling.Sampling
        The hook for the noise: a ``Sampling`` subclass (e.g. one overriding
        ``noise_shape``), built as ``sampling_class(kl_weight=..., seed=..., name="z")``.
    condition_dim : int, default 0
        Extra input columns after the 784 pixels (10 for a one-hot label: q(z|x, y)).

    Returns
    -------
    encoder : keras.Model
        Input (batch, 784 + condition_dim); outputs ``[z_mean, z_log_var, z]``, each
        (batch, latent_dim).
    """
    latent_dim = validation.check_integer(
        "latent_dim", latent_dim, minimum=1
    )
    hidden_units = validation.check_integer(
        "hidden_units", hidden_units, minimum=1
    )
    condition_dim = validation.check_integer(
        "condition_dim", condition_dim, minimum=0
    )
    if not (
        isinstance(sampling_class, type)
        and issubclass(sampling_class, Sampling)
    ):
        raise TypeError(
            validation.message(
                "sampling_class",
                "a subclass of sampling.Sampling",
                sampling_class,
            )
        )
    x = keras.Input(shape=(NUM_PIXELS + condition_dim,), name="x")
    hidden = layers.Dense(
        hidden_units, activation="relu", name="encoder_hidden"
    )(x)  # (batch, 784 + condition_dim) -> (batch, 512)
    z_mean = layers.Dense(latent_dim, name="z_mean")(
        hidden
    )  # (batch, 512) -> (batch, latent_dim)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(
        hidden
    )  # (batch, 512) -> (batch, latent_dim)
    z = sampling_class(kl_weight=kl_weight, seed=seed, name="z")(
        [z_mean, z_log_var]
    )
    return keras.Model(x, [z_mean, z_log_var, z], name="encoder")


def build_decoder(latent_dim=2, hidden_units=512, condition_dim=0):
    """The decoder p(x|z): z -> Bernoulli means of the 784 pixels.

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512
    condition_dim : int, default 0
        Extra input columns after z (10 for a one-hot label: p(x|z, y)).

    Returns
    -------
    decoder : keras.Model
        Input (batch, latent_dim + condition_dim); output (batch, 784) in [0, 1].
    """
    latent_dim = validation.check_integer(
        "latent_dim", latent_dim, minimum=1
    )
    hidden_units = validation.check_integer(
        "hidden_units", hidden_units, minimum=1
    )
    condition_dim = validation.check_integer(
        "condition_dim", condition_dim, minimum=0
    )
    z = keras.Input(shape=(latent_dim + condition_dim,), name="z")
    hidden = layers.Dense(
        hidden_units, activation="relu", name="decoder_hidden"
    )(z)  # (batch, latent_dim + condition_dim) -> (batch, 512)
    x_reconstructed = layers.Dense(
        NUM_PIXELS, activation="sigmoid", name="x_reconstructed"
    )(hidden)  # -> (batch, 784)
    return keras.Model(z, x_reconstructed, name="decoder")


@keras.saving.register_keras_serializable(package="vae_lessons")
class VAE(keras.Model):
    """A variational autoencoder made of an encoder and a decoder.

    ``vae(x)`` returns the reconstruction, shape (batch, 784), decoded from a sampled
    z. Training minimizes the negative ELBO: ``compute_loss`` adds the batch mean of
    :meth:`reconstruction_loss` (the hook a variant overrides) to the KL loss the
    ``Sampling`` layer added. The history reports ``loss``, ``reconstruction`` and
    ``kl`` (means per digit, in nats; ``kl`` already multiplied by ``kl_weight``).
    :meth:`encode` and :meth:`decode` map NumPy digits to codes and back.

    Parameters
    ----------
    encoder : keras.Model
        From :func:`build_encoder`.
    decoder : keras.Model
        From :func:`build_decoder`.
    """

    condition_dim = 0
    """Extra input columns of encoder and decoder (the hook :func:`build_vae` reads)."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_tracker = keras.metrics.Mean(
            name="reconstruction"
        )
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @property
    def latent_dim(self):
        return int(self.decoder.inputs[0].shape[-1]) - self.condition_dim

    def call(self, x, training=False):
        _z_mean, _z_log_var, z = self.encoder(x, training=training)
        return self.decoder(z, training=training)

    def reconstruction_loss(self, x, x_reconstructed):
        """The hook for the likelihood: ``-log p(x|z)`` per digit, what training minimizes.

        The Bernoulli negative log-likelihood, :func:`vae_lessons.losses.reconstruction_loss`.
        A variant with another likelihood (or the original notebook's swapped
        arguments) overrides this method only; :meth:`compute_loss` keeps the
        trackers and adds the KL term.

        Parameters
        ----------
        x, x_reconstructed : tensor, shape (batch, 784)

        Returns
        -------
        loss : tensor, shape (batch,)
        """
        return losses.reconstruction_loss(x, x_reconstructed)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        target = x if y is None else y
        reconstruction = ops.mean(self.reconstruction_loss(target, y_pred))
        kl = ops.sum(
            ops.stack(self.losses)
        )  # the Sampling layer's kl_weight * mean KL
        batch_size = ops.shape(y_pred)[0]
        self.reconstruction_tracker.update_state(
            reconstruction, sample_weight=batch_size
        )
        self.kl_tracker.update_state(kl, sample_weight=batch_size)
        return reconstruction + kl

    def encoder_inputs(self, x, labels=None):
        """The hook for extra encoder inputs: what ``encode`` feeds ``encoder.predict``.

        Parameters
        ----------
        x : numpy.ndarray, float32, shape (n, 784)
            Checked digits.
        labels : None
            Only a conditional model takes labels.

        Returns
        -------
        inputs : numpy.ndarray or list of numpy.ndarray
            ``x`` itself here; :class:`ConditionalVAE` returns ``with_labels(x, labels)``.
        """
        _refuse_labels(labels)
        return x

    def decoder_inputs(self, z, labels=None):
        """The hook for extra decoder inputs: what ``decode`` feeds ``decoder.predict``.

        Parameters
        ----------
        z : numpy.ndarray, float32, shape (n, latent_dim)
        labels : None
            Only a conditional model takes labels.

        Returns
        -------
        inputs : numpy.ndarray or list of numpy.ndarray
            ``z`` itself here; :class:`ConditionalVAE` returns ``with_labels(z, labels)``.
        """
        _refuse_labels(labels)
        return z

    def encode(self, x, labels=None, *, batch_size=DEFAULT_BATCH_SIZE):
        """Encode digits into the parameters of q(z|x): the one way to encode.

        Parameters
        ----------
        x : array_like, shape (n, 784)
            Digits as :func:`vae_lessons.data.flatten_and_scale` returns them: finite
            values in [0, 1], n >= 1.
        batch_size : int, default 1000
            Digits per ``predict`` step (memory, not results).
        labels : None
            Only :class:`ConditionalVAE` takes labels (its ``encode(x, labels)``).

        Returns
        -------
        z_mean, z_log_var : numpy.ndarray, float32, shape (n, latent_dim)
            ``z_log_var`` is the log of the variance.

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not numeric, has another shape, or values outside [0, 1],
            or if ``labels`` do not suit the model.
        """
        x = validation.check_array(
            "x", x, shape=(None, NUM_PIXELS), minimum=0.0, maximum=1.0
        )
        batch_size = validation.check_integer(
            "batch_size", batch_size, minimum=1
        )
        inputs = self.encoder_inputs(x, labels)
        z_mean, z_log_var, _ = self.encoder.predict(
            inputs, batch_size=batch_size, verbose=0
        )
        return np.asarray(z_mean, np.float32), np.asarray(
            z_log_var, np.float32
        )

    def decode(self, z, labels=None, *, batch_size=DEFAULT_BATCH_SIZE):
        """Decode latent points into Bernoulli means of the pixels: the one way to decode.

        Parameters
        ----------
        z : array_like, shape (n, latent_dim)
            Finite latent points, n >= 1.
        batch_size : int, default 1000
            Points per ``predict`` step (memory, not results).
        labels : None
            Only :class:`ConditionalVAE` takes labels (its ``decode(z, labels)``).

        Returns
        -------
        x_reconstructed : numpy.ndarray, float32, shape (n, 784)
            Values in [0, 1].

        Raises
        ------
        TypeError, ValueError
            If ``z`` is not numeric, not (n, latent_dim), or not finite, or if
            ``labels`` do not suit the model.
        """
        z = validation.check_array("z", z, shape=(None, self.latent_dim))
        batch_size = validation.check_integer(
            "batch_size", batch_size, minimum=1
        )
        inputs = self.decoder_inputs(z, labels)
        return np.asarray(
            self.decoder.predict(inputs, batch_size=batch_size, verbose=0),
            np.float32,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(
            config.pop("encoder")
        )
        decoder = keras.saving.deserialize_keras_object(
            config.pop("decoder")
        )
        return cls(encoder, decoder, **config)


def _refuse_labels(labels):
    """Raise if labels reach a model that is not conditional."""
    if labels is not None:
        raise ValueError(
            validation.message(
                "labels",
                "None: this VAE is not conditional (use a models.ConditionalVAE)",
                type(labels).__name__,
            )
        )


def check_labels(labels, n):
    """Check digit labels for a conditional model; return them as int64.

    Parameters
    ----------
    labels : int or array_like of int, shape (n,)
        Classes 0..9; one integer stands for ``n`` copies of itself.
    n : int
        The number of digits or latent points they label.

    Returns
    -------
    labels : numpy.ndarray, int64, shape (n,)

    Raises
    ------
    TypeError, ValueError
        If ``labels`` is None, not integers, of another length, or outside 0..9.
    """
    expected = f"integer labels between 0 and {NUM_CLASSES - 1}, one per row (shape ({n},)) or one for all"
    if labels is None:
        raise ValueError(
            validation.message(
                "labels",
                f"{expected}: a conditional VAE needs the labels",
                None,
            )
        )
    if validation._is_integer(labels):
        labels = np.full(
            n,
            validation.check_integer(
                "labels", labels, minimum=0, maximum=NUM_CLASSES - 1
            ),
        )
    array = np.asarray(labels)
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"Invalid value received for argument `labels`. Expected {expected}. Received: labels.dtype={array.dtype}"
        )
    if array.shape != (n,):
        raise ValueError(
            f"Invalid value received for argument `labels`. Expected {expected}. Received: labels.shape={array.shape}"
        )
    if array.min() < 0 or array.max() >= NUM_CLASSES:
        raise ValueError(
            f"Invalid value received for argument `labels`. Expected {expected}. "
            f"Received: labels with values in [{array.min()}, {array.max()}]"
        )
    return array.astype(np.int64)


def one_hot(labels):
    """One-hot rows of digit labels.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Classes 0..9.

    Returns
    -------
    one_hot : numpy.ndarray, float32, shape (n, 10)
    """
    labels = np.asarray(labels)
    return np.eye(NUM_CLASSES, dtype=np.float32)[
        check_labels(labels, len(labels))
    ]


def with_labels(rows, labels):
    """Rows followed by their one-hot labels: a conditional VAE's input convention.

    ``with_labels(x, labels)`` is what :class:`ConditionalVAE` trains on
    (``vae.fit(with_labels(x, labels), x)``) and what its encoder reads;
    ``with_labels(z, labels)`` is what its decoder reads.

    Parameters
    ----------
    rows : array_like, shape (n, columns)
        Digits (columns 784) or latent points (columns latent_dim).
    labels : int or array_like of int, shape (n,)
        Classes 0..9 (see :func:`check_labels`).

    Returns
    -------
    rows_and_labels : numpy.ndarray, float32, shape (n, columns + 10)
    """
    rows = np.asarray(rows, dtype=np.float32)
    labels = check_labels(labels, len(rows))
    return np.concatenate(
        [rows, np.eye(NUM_CLASSES, dtype=np.float32)[labels]], axis=1
    )  # (n, columns) -> (n, columns + 10)


@keras.saving.register_keras_serializable(package="vae_lessons")
class ConditionalVAE(VAE):
    """A conditional VAE: encoder q(z|x, y) and decoder p(x|z, y) see the label y.

    Its input is ``with_labels(x, labels)``, shape (batch, 794): the 784 pixels and the
    one-hot label, so ``fit`` takes plain arrays: ``vae.fit(with_labels(x, labels), x)``
    (the target may also be the same (batch, 794) array; only its pixels are scored).
    ``vae(inputs)`` decodes ``concat([z, one_hot(label)])`` (batch, latent_dim + 10).
    ``encode(x, labels)`` and ``decode(z, labels)`` take the labels as their second
    argument (integers 0..9, one per row, or one integer for all rows) and refuse a
    missing label. Build one with ``build_vae(..., vae_class=ConditionalVAE)``.
    """

    condition_dim = NUM_CLASSES

    def call(self, inputs, training=False):
        _z_mean, _z_log_var, z = self.encoder(
            inputs, training=training
        )  # (batch, 794) -> 3 x (batch, latent_dim)
        label_one_hot = inputs[
            :, NUM_PIXELS:
        ]  # (batch, 794) -> (batch, 10)
        return self.decoder(
            ops.concatenate([z, label_one_hot], axis=-1), training=training
        )  # (batch, latent_dim + 10) -> (batch, 784)

    def reconstruction_loss(self, x, x_reconstructed):
        """The Bernoulli loss of the pixels: a (batch, 794) target's label columns are dropped."""
        return super().reconstruction_loss(
            x[:, :NUM_PIXELS], x_reconstructed
        )

    def encoder_inputs(self, x, labels=None):
        return with_labels(
            x, labels
        )  # (n, 784) -> (n, 794); refuses missing labels

    def decoder_inputs(self, z, labels=None):
        return with_labels(
            z, labels
        )  # (n, latent_dim) -> (n, latent_dim + 10)

    def encode(self, x, labels=None, *, batch_size=DEFAULT_BATCH_SIZE):
        """Encode labelled digits: ``(z_mean, z_log_var)`` of q(z|x, y), each (n, latent_dim).

        Parameters
        ----------
        x : array_like, shape (n, 784)
        labels : int or array_like of int, shape (n,)
            Classes 0..9; required.
        batch_size : int, default 1000
        """
        return super().encode(x, batch_size=batch_size, labels=labels)

    def decode(self, z, labels=None, *, batch_size=DEFAULT_BATCH_SIZE):
        """Decode latent points as digits of the given classes: (n, 784) in [0, 1].

        Parameters
        ----------
        z : array_like, shape (n, latent_dim)
        labels : int or array_like of int, shape (n,)
            Classes 0..9; required (``decode(z, 7)`` draws 7s).
        batch_size : int, default 1000
        """
        return super().decode(z, batch_size=batch_size, labels=labels)


def build_vae(
    latent_dim=2,
    hidden_units=512,
    kl_weight=1.0,
    seed=None,
    sampling_class=Sampling,
    vae_class=None,
    name="vae",
    **options,
):
    """Build an (uncompiled) VAE with the original notebook's architecture by default.

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512
    kl_weight : float, default 1.0
        ``beta`` of a beta-VAE; 1.0 is the plain VAE.
    seed : int >= 0 or None
        Seed of the sampling noise; None is fresh randomness (see ``sampling.Sampling``).
    sampling_class : type, default sampling.Sampling
        The noise hook, passed to :func:`build_encoder`.
    vae_class : type, default VAE
        The model hook: a :class:`VAE` subclass, e.g. one overriding
        :meth:`VAE.reconstruction_loss`, or :class:`ConditionalVAE` (its
        ``condition_dim`` extra input columns go to the encoder and the decoder).
    name : str, default "vae"
    **options
        Further arguments of ``vae_class`` (e.g. ``swapped_bce`` of the original's).

    Returns
    -------
    vae : vae_class
        Already built: ``vae.encoder``, ``vae.decoder``, ``vae(x)`` all ready.
    """
    vae_class = VAE if vae_class is None else vae_class
    if not (isinstance(vae_class, type) and issubclass(vae_class, VAE)):
        raise TypeError(
            validation.message(
                "vae_class", "a subclass of models.VAE", vae_class
            )
        )
    condition_dim = vae_class.condition_dim
    encoder = build_encoder(
        latent_dim,
        hidden_units,
        kl_weight=kl_weight,
        seed=seed,
        sampling_class=sampling_class,
        condition_dim=condition_dim,
    )
    decoder = build_decoder(
        latent_dim, hidden_units, condition_dim=condition_dim
    )
    vae = vae_class(encoder, decoder, name=name, **options)
    vae.build((None, NUM_PIXELS + condition_dim))
    return vae


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            validation.message(
                "path",
                "a file path (str or pathlib.Path) ending in .keras",
                path,
            )
        )
    return path


def save_vae(vae, path):
    """Save a VAE to a ``.keras`` file; never overwrites an existing file.

    Parameters
    ----------
    vae : VAE
    path : str or Path
        Must end in ``.keras`` and must not exist yet.
    """
    path = Path(_check_path(path))
    if not isinstance(vae, VAE):
        raise TypeError(
            validation.message(
                "vae", "a vae_lessons models.VAE", type(vae).__name__
            )
        )
    if path.suffix != ".keras":
        raise ValueError(f"{path}: the file name must end in .keras")
    if path.exists():
        raise ValueError(
            f"{path}: file exists; choose a new name or delete it first"
        )
    with _no_tensorflow_probe():
        vae.save(path)


@contextlib.contextmanager
def _no_tensorflow_probe():
    """While saving on JAX or PyTorch, tell Keras's serializer TensorFlow is absent.

    Keras's serializer asks whether TensorFlow is installed (``tf.available`` in
    ``keras/src/saving/serialization_lib.py``) to test each value against TensorFlow's
    types, and asking imports TensorFlow: seconds in every process that saves a model
    (each lesson, kernel and test worker on a cache miss). When TensorFlow has not been
    imported, no value can be of its types, so the answer "absent" changes nothing
    saved (``tests/test_models.py`` compares the files). Hand-written because Keras
    offers no switch; it touches Keras's private lazy module only if it has the
    attribute read here, and restores it.
    """
    from keras.src.utils import module_utils

    probe = getattr(module_utils, "tensorflow", None)
    skip = (
        keras.backend.backend() != "tensorflow"
        and "tensorflow" not in sys.modules
        and probe is not None
        and getattr(probe, "_available", True) is None  # not asked yet
    )
    if not skip:
        yield
        return
    probe._available = False
    try:
        yield
    finally:
        probe._available = (
            None  # asked again, for real, the next time anyone asks
        )


# Layers that run code or read files named in a config: a VAE of this package holds
# none of them, so an archive naming one is refused before Keras reads it, whatever the
# Keras version (Keras's safe_mode refuses them too since 3.12: defence in depth).
_REFUSED_CLASSES = frozenset(
    {
        "Lambda",
        "StringLookup",
        "IntegerLookup",
        "TextVectorization",
        "TFSMLayer",
        "TorchModuleWrapper",
        "JaxLayer",
        "FlaxLayer",
        "__lambda__",
        # Keras functions that earlier bypasses called from a config (CVE-2025-8747, -9906).
        "enable_unsafe_deserialization",
        "get_file",
    }
)


def _refuse_unsafe_config(path, config):
    """Raise ValueError if a .keras config names a class outside Keras and vae_lessons, or a refused one."""
    stack = [config]
    while (
        stack
    ):  # every nested object of the config (iterative: no recursion limit)
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            module, class_name = node.get("module"), node.get("class_name")
            if (
                isinstance(class_name, str)
                and class_name in _REFUSED_CLASSES
            ):
                raise ValueError(
                    f"{path}: refused: the model config holds a {class_name} (code or file access on loading)"
                )
            if module is not None and not (
                isinstance(module, str)
                and module.split(".")[0] in ("keras", "vae_lessons")
            ):
                raise ValueError(
                    f"{path}: refused: the model config names {module!r}, outside Keras and vae_lessons"
                )
            stack.extend(node.values())


def _read_config(path):
    """The ``config.json`` of a ``.keras`` archive, read without extracting anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > _MAX_CONFIG_BYTES:
                raise ValueError(
                    f"{path}: config.json of {info.file_size} bytes is too large for a VAE"
                )
            return json.loads(archive.read(info))
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 -- zipfile.BadZipFile, KeyError (no config.json), OSError, ...
        raise ValueError(
            f"{path}: not a loadable vae_lessons model ({type(error).__name__}: {error})"
        ) from None


_MAX_CONFIG_BYTES = 1_000_000  # a VAE's config is about 10 kB


def load_vae(path):
    """Load a VAE saved by :func:`save_vae` (``safe_mode=True``: no arbitrary code).

    The archive's config is checked first: a class outside Keras and ``vae_lessons``,
    a ``Lambda`` layer or a layer that reads a file named in its config (``StringLookup``
    ...) is refused before Keras deserialises anything; then Keras loads it with
    ``safe_mode=True`` and ``compile=False``. Nothing is unpickled.

    Parameters
    ----------
    path : str or Path
        A ``.keras`` file.

    Returns
    -------
    vae : VAE

    Raises
    ------
    ValueError
        If the file is missing, unreadable, refused, or not a VAE of this package.
    """
    path = Path(_check_path(path))
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    if path.suffix != ".keras":
        raise ValueError(f"{path}: expected a .keras file")
    _refuse_unsafe_config(path, _read_config(path))
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # noqa: BLE001 (any failure becomes one clear error)
        raise ValueError(
            f"{path}: not a loadable vae_lessons model ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(model, VAE):
        raise ValueError(  # noqa: TRY004 (a damaged file is a bad value, not a bad type)
            f"{path}: holds a {type(model).__name__}, not a vae_lessons VAE"
        )
    return model
