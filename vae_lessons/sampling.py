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
    named = {"z_mean": z_mean, "z_log_var": z_log_var, "epsilon": epsilon}
    z_mean, z_log_var, epsilon = losses.float32_tensors(**named)
    validation.check_broadcastable(
        z_mean=z_mean.shape,
        z_log_var=z_log_var.shape,
        epsilon=epsilon.shape,
    )
    z = z_mean + ops.exp(0.5 * z_log_var) * epsilon
    return validation.check_finite_result(z, **named)


@keras.saving.register_keras_serializable(package="vae_lessons")
class Sampling(keras.layers.Layer):
    """Draw ``z`` with the reparameterization trick and add the KL term as a loss.

    Each example gets its own ``epsilon`` (the original notebook drew a single
    ``epsilon`` of shape (1, latent_dim) shared by the whole batch). The layer adds
    ``kl_weight * mean_over_batch(KL(q(z|x) || N(0, I)))`` to the model's losses,
    a scalar.

    The weight is a non-trainable ``keras.Variable`` (``layer.kl_weight``), not a
    Python float: a compiled training step (JAX's jit, TensorFlow's tf.function)
    reads a Python attribute once, when it is traced, and keeps that value for
    good, while it reads a variable at every step. So
    ``layer.kl_weight.assign(0.5)`` changes the training that follows, which is
    what :class:`vae_lessons.architectures.KLWarmUp` does. ``get_config`` stores
    its current value as a float.

    Parameters
    ----------
    kl_weight : float, default 1.0
        Weight ``beta`` of the KL term (1.0 is the plain VAE).
    seed : int >= 0 or None, default None
        Seed of the layer's noise (``keras.random.SeedGenerator``). None means fresh
        randomness: Keras draws the seed from its global generator, which
        :func:`vae_lessons.training.set_seed` seeds (so a seeded training run is
        still reproducible).

    Call arguments
    --------------
    inputs : list of two tensors ``[z_mean, z_log_var]``, each (batch, latent_dim)

    Returns
    -------
    z : tensor, shape (batch, latent_dim)
    """

    def __init__(self, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        kl_weight = validation.check_number(
            "kl_weight", kl_weight, minimum=0
        )
        self.kl_weight = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(kl_weight),
            trainable=False,
            name="kl_weight",
        )
        self.seed = validation.check_seed("seed", seed, allow_none=True)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise TypeError(
                validation.message(
                    "inputs",
                    "a list of two tensors [z_mean, z_log_var]",
                    type(inputs).__name__,
                )
            )
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(
            self.noise_shape(z_mean), seed=self.seed_generator
        )
        kl = losses.kl_divergence(z_mean, z_log_var)  # (batch,)
        self.add_loss(self.kl_weight * ops.mean(kl))
        return reparameterize(z_mean, z_log_var, epsilon)

    def noise_shape(self, z_mean):
        """Shape of ``epsilon``: (batch, latent_dim), one independent draw per example."""
        return ops.shape(z_mean)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        kl_weight = float(ops.convert_to_numpy(self.kl_weight))
        return {
            **super().get_config(),
            "kl_weight": kl_weight,
            "seed": self.seed,
        }


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
    return ops.mean(
        monte_carlo_kl_samples(z_mean, z_log_var, num_samples, seed), axis=0
    )


def monte_carlo_kl_samples(z_mean, z_log_var, num_samples, seed):
    """Single-draw estimates ``log q(z|x) - log p(z)`` of KL(q(z|x) || p(z)).

    Their mean over draws is ``monte_carlo_kl`` with the same ``seed``; their
    spread gives the estimate's standard error
    (``monte_carlo_standard_error``).

    Parameters
    ----------
    z_mean, z_log_var : tensor, shape (batch, latent_dim)
    num_samples : int
        Draws per example, at least 1.
    seed : int
        Seed of the draws.

    Returns
    -------
    kl_samples : tensor, shape (num_samples, batch)
    """
    num_samples = validation.check_integer(
        "num_samples", num_samples, minimum=1
    )
    seed = validation.check_seed("seed", seed)
    z_mean, z_log_var = losses.float32_tensors(
        z_mean=z_mean, z_log_var=z_log_var
    )
    validation.check_same_shape(
        z_mean=z_mean.shape, z_log_var=z_log_var.shape
    )
    shape = (num_samples,) + tuple(ops.shape(z_mean))
    # (num_samples, batch, latent_dim)
    epsilon = keras.random.normal(shape, seed=seed)
    # broadcast: (num_samples, batch, latent_dim)
    z = reparameterize(z_mean, z_log_var, epsilon)
    log_q = losses.log_normal_density(
        z, z_mean, z_log_var
    )  # (num_samples, batch)
    log_p = losses.log_normal_density(
        z, ops.zeros_like(z), ops.zeros_like(z)
    )
    return log_q - log_p


def score_function_gradient(f_values, z, z_mean, z_log_var):
    """Score-function (REINFORCE) estimates of the gradient of ``E_q[f(z)]``.

    A single draw ``z ~ q = N(z_mean, exp(z_log_var))`` has no derivative with
    respect to ``z_mean``, but the expectation has, and it can be written as an
    expectation again (the log-derivative trick):

        d E_q[f(z)] / d theta = E_q[f(z) * d log q(z) / d theta],

    where, per latent dimension, with ``sigma**2 = exp(z_log_var)``,

        d log q(z) / d z_mean    = (z - z_mean) / sigma**2
        d log q(z) / d z_log_var = ((z - z_mean)**2 / sigma**2 - 1) / 2.

    It needs only the values of ``f``, not its derivative, but its variance is
    large; compare ``reparameterized_gradient``.

    Parameters
    ----------
    f_values : tensor, shape (...)
        ``f(z)`` for each draw.
    z : tensor, shape (..., latent_dim)
        Draws from ``q``.
    z_mean, z_log_var : tensor, broadcastable to shape (..., latent_dim)
        The parameters of ``q``; ``z_log_var`` is the log of the variance.

    Returns
    -------
    gradient_z_mean, gradient_z_log_var : tensor, shape (..., latent_dim)
        One unbiased estimate per draw; their mean over draws estimates the
        gradient of the expectation.
    """
    named = {
        "f_values": f_values,
        "z": z,
        "z_mean": z_mean,
        "z_log_var": z_log_var,
    }
    f_values, z, z_mean, z_log_var = losses.float32_tensors(**named)
    validation.check_broadcastable(
        **{"f_values[..., None]": tuple(f_values.shape) + (1,)},
        z=z.shape,
        z_mean=z_mean.shape,
        z_log_var=z_log_var.shape,
    )
    f_values = ops.expand_dims(f_values, -1)  # (...) -> (..., 1)
    # (z - z_mean) / sigma: (..., latent_dim)
    standardized = (z - z_mean) * ops.exp(-0.5 * z_log_var)
    score_z_mean = standardized * ops.exp(-0.5 * z_log_var)
    score_z_log_var = 0.5 * (ops.square(standardized) - 1.0)
    return (
        validation.check_finite_result(f_values * score_z_mean, **named),
        validation.check_finite_result(f_values * score_z_log_var, **named),
    )


def reparameterized_gradient(f_gradient, epsilon, z_log_var):
    """Reparameterized estimates of the gradient of ``E_q[f(z)]``.

    With ``z = z_mean + sigma * epsilon`` (``sigma = exp(z_log_var / 2)``) and
    ``epsilon`` held fixed, the chain rule gives, per latent dimension,

        d f(z) / d z_mean    = f'(z)
        d f(z) / d z_log_var = f'(z) * sigma * epsilon / 2,

    whose expectation over ``epsilon`` is the gradient of ``E_q[f(z)]``. It
    needs the derivative ``f'`` (the decoder is differentiable) and has a far
    smaller variance than ``score_function_gradient``.

    Parameters
    ----------
    f_gradient : tensor, shape (..., latent_dim)
        ``f'(z)`` at each draw, ``z = reparameterize(z_mean, z_log_var,
        epsilon)``.
    epsilon : tensor, shape (..., latent_dim)
        The standard-normal noise of each draw.
    z_log_var : tensor, broadcastable to shape (..., latent_dim)
        Log of the variance.

    Returns
    -------
    gradient_z_mean, gradient_z_log_var : tensor, shape (..., latent_dim)
        One unbiased estimate per draw.
    """
    named = {
        "f_gradient": f_gradient,
        "epsilon": epsilon,
        "z_log_var": z_log_var,
    }
    f_gradient, epsilon, z_log_var = losses.float32_tensors(**named)
    validation.check_broadcastable(
        f_gradient=f_gradient.shape,
        epsilon=epsilon.shape,
        z_log_var=z_log_var.shape,
    )
    sigma = ops.exp(0.5 * z_log_var)
    return f_gradient, validation.check_finite_result(
        f_gradient * 0.5 * sigma * epsilon, **named
    )
