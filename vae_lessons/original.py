"""Lesson 8: the original 2018 notebook's model, re-created *with its bugs*, to measure them.

This module is a clearly labelled re-creation for one purpose: to put a number on what
the original notebook's defects cost, by training it on the *same digits* as the
corrected model and scoring both with the same held-out evaluation
(:mod:`vae_lessons.evaluation`). Do not use it as a template.

What it keeps from the 2018 notebook ("as written"):

* **one epsilon for the whole batch**: ``sample_z`` drew ``epsilon`` of shape
  (1, latent_dim), so every digit in a batch got the same noise
  (:class:`SharedEpsilonSampling`);
* **the swapped cross-entropy arguments**: ``K.binary_crossentropy(y_pred, y_true)``.
  Keras 2's signature is ``binary_crossentropy(target, output)`` (Keras 1's was
  ``(output, target)``), so the *decoder output* became the target and the *data* the
  prediction. This is not symmetric: see :func:`keras2_binary_crossentropy`;
* its training settings: 1,000 digits, 50 epochs, batch 128, Adam with Keras 2's
  default step size 1e-3 (:data:`ORIGINAL_CONFIG`).

What it does not keep: the validation set drawn from the training array and the
``randint`` sampling with replacement change which digits are used, not how the model
learns; lesson 8 explains them in prose. Its training and validation digits come from
:func:`vae_lessons.training.training_data`, exactly as for the corrected model.

Trained models are cached like :func:`vae_lessons.training.trained_vae`'s, in the
same folder, under their own keys.
"""

from __future__ import annotations

import keras
from keras import ops

from vae_lessons import (
    cache,
    losses,
    models,
    sampling,
    training,
    validation,
)

ORIGINAL_CONFIG = training.TrainingConfig(
    epochs=50, batch_size=128, train_size=1000
)
"""The 2018 notebook's training settings: 1,000 digits, 50 epochs, batch 128, Adam 1e-3.

``training.trained_vae(ORIGINAL_CONFIG)`` is the *corrected* model trained on exactly
the same digits with the same settings; ``trained_original_vae(ORIGINAL_CONFIG)`` is
the original one.
"""

ORIGINAL_MODEL_FORMAT = 2  # bump when the meaning of a cached original model changes (2: built by models.build_vae)


@keras.saving.register_keras_serializable(package="vae_lessons")
class SharedEpsilonSampling(sampling.Sampling):
    """The 2018 notebook's sampling bug: one ``epsilon`` shared by the whole batch.

    Like :class:`vae_lessons.sampling.Sampling` (same KL loss, same ``kl_weight`` and
    ``seed``), except that it draws ``epsilon`` of shape (1, latent_dim) and
    broadcasts it over the batch, as the original ``sample_z`` did. Every digit in a
    batch is then moved by the same random step, so the noise the decoder sees is
    perfectly correlated across the batch. Called like ``Sampling``.
    """

    def noise_shape(self, z_mean):
        return (
            1,
            ops.shape(z_mean)[-1],
        )  # (1, latent_dim): the bug, broadcast over the batch


def keras2_binary_crossentropy(target, output):
    """Keras 2's ``K.binary_crossentropy(target, output)`` (TensorFlow backend), per pixel.

    The Keras 2 TensorFlow backend clipped ``output`` to [1e-7, 1 - 1e-7], turned it
    into logits ``log(output / (1 - output))`` and returned
    ``tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=...)``, i.e.

        -target * log(clip(output)) - (1 - target) * log(1 - clip(output)),

    which is exactly :func:`vae_lessons.losses.reconstruction_loss` for one pixel (same
    clipping), so that is what this calls. Called the right way round,
    ``(x, x_reconstructed)``, it is the Bernoulli negative log-likelihood. The 2018
    notebook called it as ``(y_pred, y_true)``, i.e. ``(x_reconstructed, x)``: the
    loss is then *linear* in the decoder output ``p``,
    ``-p * logit(clip(x)) - log(1 - clip(x))``, whose gradient ``-logit(clip(x))``
    does not depend on ``p``: it pushes every output towards 1 where ``x > 0.5`` and
    towards 0 where ``x < 0.5``, with a force of up to 16.1 nats per pixel.

    Parameters
    ----------
    target, output : tensor, shape (batch, 784)
        Values in [0, 1].

    Returns
    -------
    loss : tensor, shape (batch, 784)
        One value per pixel, in nats.
    """
    target = ops.expand_dims(
        ops.convert_to_tensor(target, dtype="float32"), -1
    )  # (batch, 784, 1)
    output = ops.expand_dims(
        ops.convert_to_tensor(output, dtype="float32"), -1
    )
    return losses.reconstruction_loss(
        target, output
    )  # summed over the last axis, one pixel: (batch, 784)


@keras.saving.register_keras_serializable(package="vae_lessons")
class OriginalVAE(models.VAE):
    """A :class:`vae_lessons.models.VAE` that can train with the swapped cross-entropy.

    Overrides only the likelihood hook, :meth:`reconstruction_loss`.

    Parameters
    ----------
    encoder, decoder : keras.Model
    swapped_bce : bool, default True
        Train on ``sum_pixels keras2_binary_crossentropy(x_reconstructed, x)`` (the
        2018 notebook's argument order) instead of the Bernoulli negative
        log-likelihood. Evaluation never uses it: lesson 8 scores every model with
        the correct likelihood.
    """

    def __init__(self, encoder, decoder, swapped_bce=True, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.swapped_bce = validation.check_choice(
            "swapped_bce", swapped_bce, (True, False)
        )

    def reconstruction_loss(self, x, x_reconstructed):
        """The training loss per digit: with ``swapped_bce``, the 2018 argument order.

        ``K.binary_crossentropy(y_pred, y_true)`` summed over pixels is the Bernoulli
        negative log-likelihood with its arguments swapped: the decoder output as
        the target, the data as the (clipped) prediction.

        Parameters
        ----------
        x, x_reconstructed : tensor, shape (batch, 784)

        Returns
        -------
        loss : tensor, shape (batch,)
        """
        if self.swapped_bce:
            return losses.reconstruction_loss(
                x_reconstructed, x
            )  # arguments swapped, as written in 2018
        return super().reconstruction_loss(x, x_reconstructed)

    def get_config(self):
        return {**super().get_config(), "swapped_bce": self.swapped_bce}


def build_original_vae(
    latent_dim=2, hidden_units=512, swapped_bce=True, seed=None
):
    """Build the 2018 notebook's VAE: shared epsilon, optionally the swapped loss.

    Built by :func:`vae_lessons.models.build_vae` with the two hooks: the sampling
    layer :class:`SharedEpsilonSampling` and the model class :class:`OriginalVAE`.
    Same layers, layer names and initial weights as the corrected model for the
    same seed (784-512-2 by default).

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : int, default 512
    swapped_bce : bool, default True
        Train with the swapped cross-entropy arguments, as the notebook did.
    seed : int >= 0 or None
        Seed of the (shared) sampling noise; None is fresh randomness (see ``sampling.Sampling``).

    Returns
    -------
    vae : OriginalVAE
        Built and uncompiled; trains with ``vae.fit(x, x)``.
    """
    return models.build_vae(
        latent_dim,
        hidden_units,
        seed=seed,
        sampling_class=SharedEpsilonSampling,
        vae_class=OriginalVAE,
        name="original_vae",
        swapped_bce=swapped_bce,
    )


def train_original(
    config: training.TrainingConfig = ORIGINAL_CONFIG,
    swapped_bce: bool = True,
):
    """Train the original model on ``training.training_data(config)``, seeded.

    The same digits, seed, optimizer and NaN guard as
    :func:`vae_lessons.training.train`; only the model differs. ``config.kl_weight``
    must be 1 (the original had no beta).

    Parameters
    ----------
    config : TrainingConfig, default ORIGINAL_CONFIG
    swapped_bce : bool, default True

    Returns
    -------
    vae : OriginalVAE
    history : dict of str to list of float
    """
    if not isinstance(config, training.TrainingConfig):
        raise TypeError(
            validation.message(
                "config", "a training.TrainingConfig", config
            )
        )
    if config.kl_weight != 1.0:
        raise ValueError(
            validation.message(
                "config.kl_weight",
                "1 (the original model has no KL weight)",
                config.kl_weight,
            )
        )
    training.set_seed(config.seed)
    vae = build_original_vae(
        config.latent_dim, config.hidden_units, swapped_bce=swapped_bce
    )
    return training.fit(vae, config)


def original_cache_metadata(
    config: training.TrainingConfig, swapped_bce: bool
) -> dict:
    """What a cached original model must match: the corrected model's metadata plus the variant."""
    return {
        **training.cache_metadata(config),
        "model": "original-2018",
        "model_format": ORIGINAL_MODEL_FORMAT,
        "swapped_bce": bool(swapped_bce),
    }


def trained_original_vae(
    config: training.TrainingConfig = ORIGINAL_CONFIG,
    swapped_bce: bool = True,
):
    """The original model for ``config``: loaded from the cache, or trained once and cached.

    Parameters
    ----------
    config : TrainingConfig, default ORIGINAL_CONFIG
    swapped_bce : bool, default True
        True: the notebook as written (shared epsilon and swapped cross-entropy).
        False: only the shared-epsilon bug.

    Returns
    -------
    vae : OriginalVAE
    history : dict of str to list of float
    """
    validation.check_choice("swapped_bce", swapped_bce, (True, False))
    return cache.cached(
        original_cache_metadata(config, swapped_bce),
        lambda: train_original(config, swapped_bce=swapped_bce),
        model_type=OriginalVAE,
        check_model=cache.architecture_check(
            config.latent_dim, config.hidden_units
        ),
    )


__all__ = [
    "ORIGINAL_CONFIG",
    "OriginalVAE",
    "SharedEpsilonSampling",
    "build_original_vae",
    "keras2_binary_crossentropy",
    "train_original",
    "trained_original_vae",
]
