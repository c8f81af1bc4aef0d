"""Lesson 10: the conditional VAE, which sees each digit's label.

The conditional VAE (:class:`ConditionalVAE`) sees the digit's label, one-hot. Its
label travels with the data, so ``fit`` still takes plain arrays: the model's input is
:func:`with_labels` ``(x, labels)``, shape (batch, 794) = each digit's 784 pixels
followed by its one-hot label (10 columns); the target may be that array or the
digits alone. Encoder: (batch, 794) -> Dense(512, relu) -> z_mean, z_log_var;
decoder: ``concat([z, one_hot(label)])`` (batch, latent_dim + 10) -> Dense(512, relu)
-> Dense(784, sigmoid): the MLP decoder with 10 more input rows.

Build one with ``models.build_vae(..., vae_class=conditional.ConditionalVAE)``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from vae_lessons import validation
from vae_lessons.data import NUM_CLASSES, NUM_PIXELS
from vae_lessons.models import DEFAULT_BATCH_SIZE, VAE


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
    labels = check_labels(labels, np.size(labels))
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]  # (n,) -> (n, 10)


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
    rows = validation.check_array("rows", rows, shape=(None, None))
    return np.concatenate(
        [rows, one_hot(check_labels(labels, len(rows)))], axis=1
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
    missing label. Build one with ``models.build_vae(..., vae_class=ConditionalVAE)``.
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
