"""Lesson 2: the reparameterization trick.

Sampling ``z ~ N(z_mean, exp(z_log_var))`` directly is not differentiable with respect
to ``z_mean`` and ``z_log_var``. Writing the sample as

    z = z_mean + exp(z_log_var / 2) * epsilon,    epsilon ~ N(0, I)

moves the randomness into ``epsilon``, so gradients flow through ``z_mean`` and
``z_log_var``. ``z_log_var`` is the log of the *variance* sigma^2 (the original notebook
called it ``log_sigma``, which misleads); ``exp(z_log_var / 2)`` is sigma.
"""

from __future__ import annotations

import keras
from keras import ops

from vae_lessons import losses


def reparameterize(z_mean, z_log_var, epsilon):
    """Turn standard-normal noise into a sample of N(z_mean, exp(z_log_var)).

    Parameters
    ----------
    z_mean : tensor, shape (batch, latent_dim)
    z_log_var : tensor, shape (batch, latent_dim)
        Log of the variance.
    epsilon : tensor, shape (batch, latent_dim)
        Standard-normal noise, one independent draw per example and dimension.

    Returns
    -------
    z : tensor, shape (batch, latent_dim)
        ``z_mean + exp(z_log_var / 2) * epsilon``.
    """
    z_mean, z_log_var, epsilon = (ops.convert_to_tensor(t, dtype="float32") for t in (z_mean, z_log_var, epsilon))
    return z_mean + ops.exp(0.5 * z_log_var) * epsilon


@keras.saving.register_keras_serializable(package="vae_lessons")
class Sampling(keras.layers.Layer):
    """Draw ``z`` with the reparameterization trick and add the KL term as a loss.

    Each example gets its own ``epsilon`` (the original notebook drew a single
    ``epsilon`` of shape (1, latent_dim) shared by the whole batch). The layer adds
    ``kl_weight * mean_over_batch(KL(q(z|x) || N(0, I)))`` to the model's losses,
    a scalar.

    Parameters
    ----------
    kl_weight : float, default 1.0
        Weight ``beta`` of the KL term (1.0 is the plain VAE).
    seed : int or None, default None
        Seed of the layer's noise (``keras.random.SeedGenerator``).

    Call arguments
    --------------
    inputs : list of two tensors ``[z_mean, z_log_var]``, each (batch, latent_dim)

    Returns
    -------
    z : tensor, shape (batch, latent_dim)
    """

    def __init__(self, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(kl_weight, bool) or not isinstance(kl_weight, (int, float)) or kl_weight < 0:
            raise ValueError(f"kl_weight must be a number >= 0, got {kl_weight!r}")
        self.kl_weight = float(kl_weight)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(self.noise_shape(z_mean), seed=self.seed_generator)
        kl = losses.kl_divergence(z_mean, z_log_var)  # (batch,)
        self.add_loss(self.kl_weight * ops.mean(kl))
        return reparameterize(z_mean, z_log_var, epsilon)

    def noise_shape(self, z_mean):
        """Shape of ``epsilon``: (batch, latent_dim), one independent draw per example."""
        return ops.shape(z_mean)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}
