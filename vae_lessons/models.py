"""Lesson 4: the encoder, the decoder and the VAE model.

The default architecture is the original notebook's multilayer perceptron:

    x (784) -> Dense(512, relu) -> z_mean (latent_dim), z_log_var (latent_dim)
            -> Sampling -> z (latent_dim) -> Dense(512, relu) -> Dense(784, sigmoid)

The VAE trains with a plain ``model.fit(x, x)`` on JAX, TensorFlow and PyTorch: the
``Sampling`` layer adds the KL term, ``VAE.compute_loss`` adds the reconstruction term.
Models save to and load from the ``.keras`` format with ``safe_mode=True``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
from keras import layers, ops

from vae_lessons import losses
from vae_lessons.data import NUM_PIXELS
from vae_lessons.sampling import Sampling


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")


def build_encoder(latent_dim=2, hidden_units=512, kl_weight=1.0, seed=None):
    """The encoder q(z|x): x -> (z_mean, z_log_var, z).

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512
    kl_weight : float, default 1.0
        Weight of the KL loss added by the ``Sampling`` layer.
    seed : int or None
        Seed of the sampling noise.

    Returns
    -------
    encoder : keras.Model
        Input (batch, 784); outputs ``[z_mean, z_log_var, z]``, each
        (batch, latent_dim).
    """
    _check_positive_int("latent_dim", latent_dim)
    _check_positive_int("hidden_units", hidden_units)
    x = keras.Input(shape=(NUM_PIXELS,), name="x")
    hidden = layers.Dense(hidden_units, activation="relu", name="encoder_hidden")(x)  # (batch, 784) -> (batch, 512)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)  # (batch, 512) -> (batch, latent_dim)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)  # (batch, 512) -> (batch, latent_dim)
    z = Sampling(kl_weight=kl_weight, seed=seed, name="z")([z_mean, z_log_var])
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
    _check_positive_int("latent_dim", latent_dim)
    _check_positive_int("hidden_units", hidden_units)
    z = keras.Input(shape=(latent_dim,), name="z")
    hidden = layers.Dense(hidden_units, activation="relu", name="decoder_hidden")(z)  # (batch, latent_dim) -> (batch, 512)
    x_reconstructed = layers.Dense(NUM_PIXELS, activation="sigmoid", name="x_reconstructed")(hidden)  # -> (batch, 784)
    return keras.Model(z, x_reconstructed, name="decoder")


@keras.saving.register_keras_serializable(package="vae_lessons")
class VAE(keras.Model):
    """A variational autoencoder made of an encoder and a decoder.

    ``vae(x)`` returns the reconstruction, shape (batch, 784), decoded from a sampled
    z. Training minimizes the negative ELBO: ``compute_loss`` adds the summed
    Bernoulli reconstruction loss to the KL loss the ``Sampling`` layer added.
    The history reports ``loss``, ``reconstruction`` and ``kl`` (means per digit,
    in nats; ``kl`` already multiplied by ``kl_weight``).

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

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        target = x if y is None else y
        reconstruction = ops.mean(losses.reconstruction_loss(target, y_pred))
        kl = ops.sum(ops.stack(self.losses))  # the Sampling layer's kl_weight * mean KL
        batch_size = ops.shape(y_pred)[0]
        self.reconstruction_tracker.update_state(reconstruction, sample_weight=batch_size)
        self.kl_tracker.update_state(kl, sample_weight=batch_size)
        return reconstruction + kl

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


def build_vae(latent_dim=2, hidden_units=512, kl_weight=1.0, seed=None):
    """Build an (uncompiled) VAE with the original notebook's architecture by default.

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512
    kl_weight : float, default 1.0
        ``beta`` of a beta-VAE; 1.0 is the plain VAE.
    seed : int or None
        Seed of the sampling noise.

    Returns
    -------
    vae : VAE
        Already built: ``vae.encoder``, ``vae.decoder``, ``vae(x)`` all ready.
    """
    encoder = build_encoder(latent_dim, hidden_units, kl_weight=kl_weight, seed=seed)
    decoder = build_decoder(latent_dim, hidden_units)
    vae = VAE(encoder, decoder, name="vae")
    vae.build((None, NUM_PIXELS))
    return vae


def save_vae(vae, path):
    """Save a VAE to a ``.keras`` file; never overwrites an existing file.

    Parameters
    ----------
    vae : VAE
    path : str or Path
        Must end in ``.keras`` and must not exist yet.
    """
    path = Path(path)
    if not isinstance(vae, VAE):
        raise TypeError(f"save_vae expects a vae_lessons VAE, got {type(vae).__name__}")
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
    path = Path(path)
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
