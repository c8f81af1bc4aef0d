"""Lesson 3: the VAE loss, the negative evidence lower bound (ELBO).

For one digit x with encoder q(z|x) = N(z_mean, diag(exp(z_log_var))) and decoder
p(x|z) = Bernoulli(x_reconstructed):

    ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))
    loss(x) = -ELBO(x) = reconstruction + kl

Every function here works on any Keras backend's tensors and on numpy arrays, and
returns one value per example (shape (batch,)); averaging over the batch is left to
the caller, so the balance of the two terms stays visible. Values are in nats.

Every input is checked: its type and shapes always, and its values (NaN, infinity,
pixels outside [0, 1]) when they can be read: NumPy arrays, Python numbers, eager JAX
and TensorFlow arrays (``validation.is_concrete``). Inside a compiled training step
the tensors are symbolic, and PyTorch runs its steps eagerly, so there only types and
shapes are checked; ``training.fit``'s NaN guard reports a diverging loss.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from vae_lessons import validation


def float32_tensors(**named):
    """Each named array checked (numeric; finite where its values can be read) and
    converted to a float32 tensor, in the order given: the formulas' common first step.
    """
    return tuple(
        ops.convert_to_tensor(
            validation.check_numeric(name, value, finite=True),
            dtype="float32",
        )
        for name, value in named.items()
    )


LOG_2PI = math.log(2.0 * math.pi)


def reconstruction_loss(x, x_reconstructed):
    """Bernoulli negative log-likelihood ``-log p(x|z)``, summed over pixels.

    Parameters
    ----------
    x : tensor, shape (batch, 784)
        Target pixels in [0, 1].
    x_reconstructed : tensor, shape (batch, 784)
        Decoder output: Bernoulli means in [0, 1].

    Returns
    -------
    loss : tensor, shape (batch,)
        ``-sum_pixels [x log p + (1 - x) log(1 - p)]``. Outputs of exactly 0 or 1
        are clipped to [epsilon, 1 - epsilon] (Keras's ``epsilon()``, 1e-7), so the
        loss stays finite: at most about 16.1 nats per pixel.
    """
    epsilon = keras.config.epsilon()
    # Pixels outside [0, 1] would give a meaningless "loss" (255-scale digits:
    # about -42,000 nats).
    x = ops.convert_to_tensor(
        validation.check_numeric(
            "x", x, finite=True, minimum=0.0, maximum=1.0
        ),
        dtype="float32",
    )
    x_reconstructed = ops.convert_to_tensor(
        validation.check_numeric(
            "x_reconstructed",
            x_reconstructed,
            finite=True,
            minimum=0.0,
            maximum=1.0,
        ),
        dtype="float32",
    )
    validation.check_same_shape(
        x=x.shape, x_reconstructed=x_reconstructed.shape
    )
    probabilities = ops.clip(x_reconstructed, epsilon, 1.0 - epsilon)
    log_likelihood = x * ops.log(probabilities) + (1.0 - x) * ops.log(
        1.0 - probabilities
    )  # (batch, 784)
    return -ops.sum(log_likelihood, axis=-1)


def kl_divergence_per_dimension(z_mean, z_log_var):
    """Closed-form KL(N(z_mean, exp(z_log_var)) || N(0, 1)) for each latent dimension.

    Parameters
    ----------
    z_mean, z_log_var : tensor, shape (batch, latent_dim)

    Returns
    -------
    kl : tensor, shape (batch, latent_dim)
        ``0.5 * (exp(z_log_var) + z_mean**2 - 1 - z_log_var)``.
    """
    given = {"z_mean": z_mean, "z_log_var": z_log_var}
    z_mean, z_log_var = float32_tensors(z_mean=z_mean, z_log_var=z_log_var)
    validation.check_same_shape(
        z_mean=z_mean.shape, z_log_var=z_log_var.shape
    )
    kl = 0.5 * (ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var)
    return validation.check_finite_result(kl, **given)


def kl_divergence(z_mean, z_log_var):
    """Closed-form KL(q(z|x) || N(0, I)), summed over latent dimensions.

    Parameters
    ----------
    z_mean, z_log_var : tensor, shape (batch, latent_dim)

    Returns
    -------
    kl : tensor, shape (batch,)
    """
    kl = ops.sum(kl_divergence_per_dimension(z_mean, z_log_var), axis=-1)
    return validation.check_finite_result(
        kl, z_mean=z_mean, z_log_var=z_log_var
    )


def elbo(x, x_reconstructed, z_mean, z_log_var):
    """Evidence lower bound, one sample of z: ``-(reconstruction + kl)``.

    Parameters
    ----------
    x, x_reconstructed : tensor, shape (batch, 784)
    z_mean, z_log_var : tensor, shape (batch, latent_dim)

    Returns
    -------
    elbo : tensor, shape (batch,)
        A lower bound on log p(x), in nats (negative numbers; higher is better).
    """
    reconstruction = reconstruction_loss(x, x_reconstructed)  # (batch,)
    kl = kl_divergence(z_mean, z_log_var)  # (batch,)
    # One KL per digit: a (1, latent_dim) z_mean would broadcast one digit's KL
    # over the batch.
    digits, codes = tuple(reconstruction.shape), tuple(kl.shape)
    if None not in digits + codes and digits != codes:
        raise ValueError(
            "Invalid value received for argument `z_mean`. Expected one row per "
            f"digit of x: z_mean.shape[:-1] == {digits}. "
            f"Received: z_mean.shape={tuple(z_mean.shape)}"
        )
    return -(reconstruction + kl)


def log_normal_density(z, mean, log_var):
    """Log-density of a diagonal Gaussian, summed over the last axis.

    Parameters
    ----------
    z, mean, log_var : tensor, shape (..., latent_dim)

    Returns
    -------
    log_density : tensor, shape (...)
    """
    named = {"z": z, "mean": mean, "log_var": log_var}
    z, mean, log_var = float32_tensors(**named)
    validation.check_broadcastable(
        z=z.shape, mean=mean.shape, log_var=log_var.shape
    )
    log_density = -0.5 * ops.sum(
        LOG_2PI + log_var + ops.square(z - mean) * ops.exp(-log_var),
        axis=-1,
    )
    return validation.check_finite_result(log_density, **named)


def grey_level_floor(x):
    """The reconstruction loss a perfect decoder still pays on grey levels.

    A Bernoulli likelihood scores pixels that are 0 or 1. Fed grey levels
    ``x`` in [0, 1], its best output is ``p = x``, which still costs the
    Bernoulli entropy ``-sum_pixels [x log x + (1 - x) log(1 - x)]`` nats (with
    ``0 log 0 = 0``): a floor no model can go below. On binarized pixels the
    floor is 0. (Grey levels also make the "likelihood" no normalised density:
    ``p**x (1 - p)**(1 - x)`` does not integrate to 1 over x in [0, 1]; the
    continuous Bernoulli distribution adds the missing normaliser.)

    Parameters
    ----------
    x : tensor, shape (batch, 784)
        Pixels in [0, 1].

    Returns
    -------
    floor : tensor, shape (batch,)
        ``reconstruction_loss(x, x)``, in nats.
    """
    return reconstruction_loss(x, x)


def monte_carlo_standard_error(samples, axis=0):
    """Standard error of a Monte-Carlo mean: ``std(samples) / sqrt(n)``.

    The mean of n independent draws misses the expectation by about this much
    (in 95% of runs by less than about twice it); it shrinks like
    ``1 / sqrt(n)``. Uses the unbiased variance (divides by n - 1).

    Parameters
    ----------
    samples : tensor, shape (..., n, ...)
        Independent draws along ``axis``, at least 2 of them.
    axis : int, default 0
        The axis of the draws.

    Returns
    -------
    standard_error : tensor, the shape of ``samples`` without ``axis``
    """
    axis = validation.check_integer("axis", axis)
    given = samples
    (samples,) = float32_tensors(samples=samples)
    shape = tuple(ops.shape(samples))
    if not -len(shape) <= axis < len(shape) or shape[axis] < 2:
        raise ValueError(
            validation.message(
                "samples",
                f"at least 2 draws along axis {axis} (shape shown)",
                shape,
            )
        )
    num_draws = shape[axis]
    variance = ops.var(samples, axis=axis) * num_draws / (num_draws - 1)
    return validation.check_finite_result(
        ops.sqrt(variance / num_draws), samples=given
    )
