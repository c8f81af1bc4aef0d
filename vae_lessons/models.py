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
* extra inputs (a conditional, label-aware model): a subclass whose encoder and
  decoder take ``[x, labels]`` and ``[z, labels]`` overrides :meth:`VAE.call`,
  :meth:`VAE.encoder_inputs` and :meth:`VAE.decoder_inputs` (the arrays given to
  ``predict``), so ``encode``/``decode`` keep their validation and batching.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from vae_lessons import losses, validation
from vae_lessons.data import NUM_PIXELS
from vae_lessons.sampling import Sampling

DEFAULT_BATCH_SIZE = 1000  # rows per predict step of encode / decode


def build_encoder(latent_dim=2, hidden_units=512, kl_weight=1.0, seed=None, sampling_class=Sampling):
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

    Returns
    -------
    encoder : keras.Model
        Input (batch, 784); outputs ``[z_mean, z_log_var, z]``, each
        (batch, latent_dim).
    """
    latent_dim = validation.check_integer("latent_dim", latent_dim, minimum=1)
    hidden_units = validation.check_integer("hidden_units", hidden_units, minimum=1)
    if not (isinstance(sampling_class, type) and issubclass(sampling_class, Sampling)):
        raise TypeError(validation.message("sampling_class", "a subclass of sampling.Sampling", sampling_class))
    x = keras.Input(shape=(NUM_PIXELS,), name="x")
    hidden = layers.Dense(hidden_units, activation="relu", name="encoder_hidden")(x)  # (batch, 784) -> (batch, 512)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)  # (batch, 512) -> (batch, latent_dim)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)  # (batch, 512) -> (batch, latent_dim)
    z = sampling_class(kl_weight=kl_weight, seed=seed, name="z")([z_mean, z_log_var])
    return keras.Model(x, [z_mean, z_log_var, z], name="encoder")


def build_decoder(latent_dim=2, hidden_units=512):
    """The decoder p(x|z): z -> Bernoulli means of the 784 pixels.

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512

    Returns
    -------
    decoder : keras.Model
        Input (batch, latent_dim); output (batch, 784) in [0, 1].
    """
    latent_dim = validation.check_integer("latent_dim", latent_dim, minimum=1)
    hidden_units = validation.check_integer("hidden_units", hidden_units, minimum=1)
    z = keras.Input(shape=(latent_dim,), name="z")
    hidden = layers.Dense(hidden_units, activation="relu", name="decoder_hidden")(z)  # (batch, latent_dim) -> (batch, 512)
    x_reconstructed = layers.Dense(NUM_PIXELS, activation="sigmoid", name="x_reconstructed")(hidden)  # -> (batch, 784)
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

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @property
    def latent_dim(self):
        return int(self.decoder.inputs[0].shape[-1])

    def call(self, x, training=False):
        z_mean, z_log_var, z = self.encoder(x, training=training)
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

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        target = x if y is None else y
        reconstruction = ops.mean(self.reconstruction_loss(target, y_pred))
        kl = ops.sum(ops.stack(self.losses))  # the Sampling layer's kl_weight * mean KL
        batch_size = ops.shape(y_pred)[0]
        self.reconstruction_tracker.update_state(reconstruction, sample_weight=batch_size)
        self.kl_tracker.update_state(kl, sample_weight=batch_size)
        return reconstruction + kl

    def encoder_inputs(self, x):
        """The hook for extra encoder inputs: what ``encode`` feeds ``encoder.predict``.

        Parameters
        ----------
        x : numpy.ndarray, float32, shape (n, 784)
            Checked digits.

        Returns
        -------
        inputs : numpy.ndarray or list of numpy.ndarray
            ``x`` itself here; a conditional model returns ``[x, labels]``.
        """
        return x

    def decoder_inputs(self, z):
        """The hook for extra decoder inputs: what ``decode`` feeds ``decoder.predict``.

        Parameters
        ----------
        z : numpy.ndarray, float32, shape (n, latent_dim)

        Returns
        -------
        inputs : numpy.ndarray or list of numpy.ndarray
            ``z`` itself here; a conditional model returns ``[z, labels]``.
        """
        return z

    def encode(self, x, batch_size=DEFAULT_BATCH_SIZE):
        """Encode digits into the parameters of q(z|x): the one way to encode.

        Parameters
        ----------
        x : array_like, shape (n, 784)
            Digits as :func:`vae_lessons.data.flatten_and_scale` returns them: finite
            values in [0, 1], n >= 1.
        batch_size : int, default 1000
            Digits per ``predict`` step (memory, not results).

        Returns
        -------
        z_mean, z_log_var : numpy.ndarray, float32, shape (n, latent_dim)
            ``z_log_var`` is the log of the variance.

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not numeric, has another shape, or values outside [0, 1].
        """
        x = validation.check_array("x", x, shape=(None, NUM_PIXELS), minimum=0.0, maximum=1.0)
        batch_size = validation.check_integer("batch_size", batch_size, minimum=1)
        z_mean, z_log_var, _ = self.encoder.predict(self.encoder_inputs(x), batch_size=batch_size, verbose=0)
        return np.asarray(z_mean, np.float32), np.asarray(z_log_var, np.float32)

    def decode(self, z, batch_size=DEFAULT_BATCH_SIZE):
        """Decode latent points into Bernoulli means of the pixels: the one way to decode.

        Parameters
        ----------
        z : array_like, shape (n, latent_dim)
            Finite latent points, n >= 1.
        batch_size : int, default 1000
            Points per ``predict`` step (memory, not results).

        Returns
        -------
        x_reconstructed : numpy.ndarray, float32, shape (n, 784)
            Values in [0, 1].

        Raises
        ------
        TypeError, ValueError
            If ``z`` is not numeric, not (n, latent_dim), or not finite.
        """
        z = validation.check_array("z", z, shape=(None, self.latent_dim))
        batch_size = validation.check_integer("batch_size", batch_size, minimum=1)
        return np.asarray(self.decoder.predict(self.decoder_inputs(z), batch_size=batch_size, verbose=0), np.float32)

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def build_vae(
    latent_dim=2, hidden_units=512, kl_weight=1.0, seed=None, sampling_class=Sampling, vae_class=None, name="vae", **options
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
        :meth:`VAE.reconstruction_loss`.
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
        raise TypeError(validation.message("vae_class", "a subclass of models.VAE", vae_class))
    encoder = build_encoder(latent_dim, hidden_units, kl_weight=kl_weight, seed=seed, sampling_class=sampling_class)
    decoder = build_decoder(latent_dim, hidden_units)
    vae = vae_class(encoder, decoder, name=name, **options)
    vae.build((None, NUM_PIXELS))
    return vae


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(validation.message("path", "a file path (str or pathlib.Path) ending in .keras", path))
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
        raise TypeError(validation.message("vae", "a vae_lessons models.VAE", type(vae).__name__))
    if path.suffix != ".keras":
        raise ValueError(f"{path}: the file name must end in .keras")
    if path.exists():
        raise ValueError(f"{path}: file exists; choose a new name or delete it first")
    vae.save(path)


# Layers that run code or read files named in a config: a VAE of this package holds
# none of them, so an archive naming one is refused before Keras reads it, whatever the
# Keras version (Keras's safe_mode refuses them too since 3.12: defence in depth).
_REFUSED_CLASSES = frozenset(
    {"Lambda", "StringLookup", "IntegerLookup", "TextVectorization", "TFSMLayer",
     "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "__lambda__",
     # Keras functions that earlier bypasses called from a config (CVE-2025-8747, -9906).
     "enable_unsafe_deserialization", "get_file"}
)


def _refuse_unsafe_config(path, config):
    """Raise ValueError if a .keras config names a class outside Keras and vae_lessons, or a refused one."""
    stack = [config]
    while stack:  # every nested object of the config (iterative: no recursion limit)
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            module, class_name = node.get("module"), node.get("class_name")
            if isinstance(class_name, str) and class_name in _REFUSED_CLASSES:
                raise ValueError(f"{path}: refused: the model config holds a {class_name} (code or file access on loading)")
            if module is not None and not (
                isinstance(module, str) and module.split(".")[0] in ("keras", "vae_lessons")
            ):
                raise ValueError(f"{path}: refused: the model config names {module!r}, outside Keras and vae_lessons")
            stack.extend(node.values())


def _read_config(path):
    """The ``config.json`` of a ``.keras`` archive, read without extracting anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > _MAX_CONFIG_BYTES:
                raise ValueError(f"{path}: config.json of {info.file_size} bytes is too large for a VAE")
            return json.loads(archive.read(info))
    except ValueError:
        raise
    except Exception as error:  # zipfile.BadZipFile, KeyError (no config.json), OSError, ...
        raise ValueError(f"{path}: not a loadable vae_lessons model ({type(error).__name__}: {error})") from None


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
    except Exception as error:
        raise ValueError(
            f"{path}: not a loadable vae_lessons model ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(model, VAE):
        raise ValueError(
            f"{path}: holds a {type(model).__name__}, not a vae_lessons VAE"
        )
    return model
