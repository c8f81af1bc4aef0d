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

from vae_lessons import losses, validation


def reparameterize(z_mean, z_log_var, epsilon):
    """Turn standard-normal noise into a sample of N(z_mean, exp(z_log_var)).

    Parameters
    ----------
    z_mean : tensor, shape (batch, latent_dim)
    z_log_var : tensor, shape (batch, latent_dim)
        Log of the variance.
    epsilon : tensor, shape (batch, latent_dim)
        Standard-normal noise, one independent draw per example and dimension. Any
        shapes that broadcast work, e.g. epsilon (num_samples, batch, latent_dim)
        for several draws per example.

    Returns
    -------
    z : tensor, shape (batch, latent_dim) (the broadcast shape)
        ``z_mean + exp(z_log_var / 2) * epsilon``, float32.
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
        self.kl_weight = validation.check_number("kl_weight", kl_weight, minimum=0)
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


def monte_carlo_kl(z_mean, z_log_var, num_samples, seed):
    """Monte-Carlo estimate of KL(q(z|x) || N(0, I)), to check the closed form.

    Averages ``log q(z|x) - log p(z)`` over ``num_samples`` draws of z from q, each
    drawn with :func:`reparameterize` and scored with
    :func:`vae_lessons.losses.log_normal_density`. It lives here, not in ``losses``,
    because it samples: ``losses`` comes before ``sampling`` in the package's
    dependency order.

    Parameters
    ----------
    z_mean, z_log_var : tensor, shape (batch, latent_dim)
    num_samples : int
        Draws per example; the error shrinks like 1 / sqrt(num_samples).
    seed : int
        Seed of the draws.

    Returns
    -------
    kl : tensor, shape (batch,)
    """
    num_samples = validation.check_integer("num_samples", num_samples, minimum=1)
    z_mean = ops.convert_to_tensor(z_mean, dtype="float32")
    z_log_var = ops.convert_to_tensor(z_log_var, dtype="float32")
    shape = (num_samples,) + tuple(ops.shape(z_mean))
    epsilon = keras.random.normal(shape, seed=seed)  # (num_samples, batch, latent_dim)
    z = reparameterize(z_mean, z_log_var, epsilon)  # broadcast: (num_samples, batch, latent_dim)
    log_q = losses.log_normal_density(z, z_mean, z_log_var)  # (num_samples, batch)
    log_p = losses.log_normal_density(z, ops.zeros_like(z), ops.zeros_like(z))
    return ops.mean(log_q - log_p, axis=0)
