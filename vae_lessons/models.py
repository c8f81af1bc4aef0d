"""Lesson 4: the encoder, the decoder and the VAE model.

The default architecture is the original notebook's multilayer perceptron:

    x (784) -> Dense(512, relu) -> z_mean (latent_dim), z_log_var (latent_dim)
            -> Sampling -> z (latent_dim) -> Dense(512, relu) -> Dense(784, sigmoid)

The VAE trains with a plain ``model.fit(x, x)`` on JAX, TensorFlow and PyTorch: the
``Sampling`` layer adds the KL term, ``VAE.compute_loss`` adds the reconstruction term.
``VAE.encode(x)`` and ``VAE.decode(z)`` (NumPy in, NumPy out, batched) are the one way
the package and the lessons encode and decode. Saving and loading live in
:mod:`vae_lessons.saving`; the conditional model in :mod:`vae_lessons.conditional`.

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
  :class:`vae_lessons.conditional.ConditionalVAE`.

"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from vae_lessons import losses, validation
from vae_lessons.data import NUM_PIXELS, check_digits
from vae_lessons.sampling import Sampling

DEFAULT_BATCH_SIZE = 1000  # rows per predict step of encode / decode
MAX_LATENT_DIM = NUM_PIXELS
"""The largest latent_dim: a code longer than the digit's 784 pixels compresses nothing
(and 10**9 dimensions would abort XLA on first use instead of failing clearly)."""
MAX_UNITS = 16384
"""The largest layer width (hidden_units, dense_units): 32 times the lessons' 512."""

# The MLP's layer names: the explorer (vae_lessons.widgets) reads the decoder's weights
# by these names.
ENCODER_HIDDEN = "encoder_hidden"
DECODER_HIDDEN = "decoder_hidden"
DECODER_OUTPUT = "x_reconstructed"


def _check_sizes(latent_dim, hidden_units, condition_dim):
    """The MLP's sizes, checked: ``(latent_dim, hidden_units, condition_dim)``."""
    return (
        validation.check_integer(
            "latent_dim", latent_dim, minimum=1, maximum=MAX_LATENT_DIM
        ),
        validation.check_integer(
            "hidden_units", hidden_units, minimum=1, maximum=MAX_UNITS
        ),
        validation.check_integer(
            "condition_dim", condition_dim, minimum=0, maximum=NUM_PIXELS
        ),
    )


def check_sampling_class(sampling_class):
    """Refuse a noise hook that is not a :class:`~vae_lessons.sampling.Sampling` subclass."""
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
    return sampling_class


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
    latent_dim, hidden_units, condition_dim = _check_sizes(
        latent_dim, hidden_units, condition_dim
    )
    check_sampling_class(sampling_class)
    x = keras.Input(shape=(NUM_PIXELS + condition_dim,), name="x")
    hidden = layers.Dense(
        hidden_units, activation="relu", name=ENCODER_HIDDEN
    )(x)  # (batch, 784 + condition_dim) -> (batch, 512)
    z_mean = layers.Dense(latent_dim, name="z_mean")(
        hidden
    )  # (batch, 512) -> (batch, latent_dim)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(
        hidden
    )  # (batch, 512) -> (batch, latent_dim)
    kl_weight = validation.check_number("kl_weight", kl_weight, minimum=0)
    seed = validation.check_seed("seed", seed, allow_none=True)
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
    latent_dim, hidden_units, condition_dim = _check_sizes(
        latent_dim, hidden_units, condition_dim
    )
    z = keras.Input(shape=(latent_dim + condition_dim,), name="z")
    hidden = layers.Dense(
        hidden_units, activation="relu", name=DECODER_HIDDEN
    )(z)  # (batch, latent_dim + condition_dim) -> (batch, 512)
    x_reconstructed = layers.Dense(
        NUM_PIXELS, activation="sigmoid", name=DECODER_OUTPUT
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
        self._check_parts(encoder, decoder)
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_tracker = keras.metrics.Mean(
            name="reconstruction"
        )
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @classmethod
    def _check_parts(cls, encoder, decoder):
        """Refuse an encoder or decoder that is not a model of the right shape."""
        for name, part, outputs in (
            ("encoder", encoder, "[z_mean, z_log_var, z]"),
            ("decoder", decoder, "x_reconstructed"),
        ):
            if not isinstance(part, keras.Model):
                raise TypeError(
                    validation.message(
                        name,
                        f"a keras.Model with outputs {outputs} (see build_{name})",
                        type(part).__name__,
                    )
                )
        inputs = NUM_PIXELS + cls.condition_dim
        expected = (
            f"a keras.Model from inputs (batch, {inputs}) to three outputs "
            "[z_mean, z_log_var, z] of one shape (batch, latent_dim)"
        )
        shapes = [tuple(output.shape) for output in encoder.outputs]
        if (
            len(encoder.inputs) != 1
            or tuple(encoder.inputs[0].shape)[1:] != (inputs,)
            or len(shapes) != 3
            or len(set(shapes)) != 1
            or len(shapes[0]) != 2
        ):
            received = "outputs " + ", ".join(map(str, shapes))
            raise ValueError(
                validation.message("encoder", expected, received)
            )
        latent_dim = shapes[0][-1]
        decoder_shapes = [tuple(output.shape) for output in decoder.outputs]
        if (
            len(decoder.inputs) != 1
            or tuple(decoder.inputs[0].shape)[1:]
            != (latent_dim + cls.condition_dim,)
            or decoder_shapes != [(None, NUM_PIXELS)]
        ):
            raise ValueError(
                validation.message(
                    "decoder",
                    f"a keras.Model from inputs (batch, {latent_dim + cls.condition_dim}) "
                    f"(the encoder's latent_dim {latent_dim}"
                    + (
                        f" + {cls.condition_dim} label columns"
                        if cls.condition_dim
                        else ""
                    )
                    + f") to one output (batch, {NUM_PIXELS})",
                    f"inputs {[tuple(i.shape) for i in decoder.inputs]}, "
                    f"outputs {decoder_shapes}",
                )
            )

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
        x = check_digits(x)
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
                "None: this VAE is not conditional (use a conditional.ConditionalVAE)",
                type(labels).__name__,
            )
        )


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
        :meth:`VAE.reconstruction_loss`, or :class:`~vae_lessons.conditional.ConditionalVAE` (its
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
