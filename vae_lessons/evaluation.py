"""Lesson 7: how good is our VAE? Held-out ELBO, log-likelihood, active dimensions.

Every score is measured on digits the model never trained on, in nats per digit
(natural-log units; lower negative log-likelihood is better):

* :func:`held_out_score`: the test **negative ELBO**, split into its
  **reconstruction** term ``-log p(x|z)`` and its **KL** term. The KL term is exact
  (closed form); the reconstruction term uses **one seeded sample**
  ``z = z_mean + exp(z_log_var / 2) * epsilon`` per digit, the standard unbiased
  single-sample estimate. (Decoding ``z_mean`` instead is *not* the ELBO: it can
  come out lower or higher, and it is no bound on anything.)
* :func:`importance_weighted_log_likelihood`: the importance-weighted bound of Burda,
  Grosse and Salakhutdinov (2016) with ``num_samples = k`` draws,
  ``log (1/k) sum_k p(x|z_k) p(z_k) / q(z_k|x)``. With ``k = 1`` it is the ELBO (in
  expectation); it grows with ``k`` and tends to ``log p(x)``.
* :func:`active_dimensions`: Burda et al.'s count of latent dimensions that the
  encoder really uses: a dimension is active when the variance of ``z_mean`` across
  digits exceeds 0.01. :func:`mean_kl_per_dimension` gives the per-dimension KL.

All random draws come from NumPy generators seeded by ``(seed, digit index)``, so a
score depends on the seed and the digits only: not on the backend's random state, the
batch size or the chunk size.
"""

from __future__ import annotations

import dataclasses
import math
import weakref

import keras
import numpy as np

from vae_lessons import losses, models, sampling, validation
from vae_lessons.data import NUM_PIXELS, check_digits

DEFAULT_MAX_ROWS = (
    16_384  # decoded rows per chunk: about 50 MB of float32 pixels
)
ACTIVITY_THRESHOLD = (
    0.01  # Burda et al. (2016): active if Var_x(z_mean) > 0.01
)


@dataclasses.dataclass(frozen=True)
class HeldOutScore:
    """Mean held-out scores of a VAE, in nats per digit.

    Attributes
    ----------
    negative_elbo : float
        ``reconstruction + kl``: an upper bound on ``-log p(x)`` (lower is better).
    reconstruction : float
        Mean ``-log p(x|z)`` at one sampled z per digit (the distortion).
    kl : float
        Mean ``KL(q(z|x) || N(0, I))``, exact (the rate).
    standard_error : float
        Standard error of ``negative_elbo`` over the digits.
    num_digits : int
    """

    negative_elbo: float
    reconstruction: float
    kl: float
    standard_error: float
    num_digits: int


def check_model(vae):
    """Check that ``vae`` is an unconditional :class:`vae_lessons.models.VAE`; return it.

    The scores here encode digits without labels, so a conditional VAE (which needs
    them) is refused by name rather than failing on a missing ``labels``.
    """
    if not isinstance(vae, models.VAE):
        raise TypeError(
            validation.message(
                "vae", "a vae_lessons models.VAE", type(vae).__name__
            )
        )
    if vae.condition_dim:
        raise ValueError(
            validation.message(
                "vae",
                "an unconditional models.VAE (these scores encode digits without "
                "labels; a conditional VAE would need them)",
                type(vae).__name__,
            )
        )
    return vae


def noise(seed, first_digit, num_digits, num_samples, latent_dim):
    """Standard-normal ``epsilon`` for digits ``first_digit ...``, one stream per digit.

    Digit ``i`` always gets the stream of ``numpy.random.default_rng([seed, i])``, so
    its draws do not depend on how the digits are batched.

    Parameters
    ----------
    seed : int >= 0
    first_digit, num_digits : int
        Which digits (their indices in the evaluated array).
    num_samples : int
        Draws per digit.
    latent_dim : int

    Returns
    -------
    epsilon : numpy.ndarray, float64, shape (num_digits, num_samples, latent_dim)
    """
    validation.check_seed("seed", seed)
    first_digit = validation.check_integer(
        "first_digit", first_digit, minimum=0
    )
    num_digits = validation.check_integer(
        "num_digits", num_digits, minimum=1
    )
    num_samples = validation.check_integer(
        "num_samples", num_samples, minimum=1
    )
    latent_dim = validation.check_integer(
        "latent_dim", latent_dim, minimum=1
    )
    return np.stack(
        [
            np.random.default_rng([seed, first_digit + i]).standard_normal(
                (num_samples, latent_dim)
            )
            for i in range(num_digits)
        ]
    )


class _BernoulliLogLikelihood(keras.layers.Layer):
    """``log p(x|z)`` from pixels and decoded Bernoulli means: (batch, 784) x 2 -> (batch,)."""

    def call(self, x, probabilities):
        return -losses.reconstruction_loss(x, probabilities)

    def compute_output_shape(self, x_shape, probabilities_shape):
        return x_shape[:1]


_LOG_LIKELIHOOD_MODELS = (
    weakref.WeakKeyDictionary()
)  # vae -> its log_likelihood_model


def log_likelihood_model(vae):
    """A Keras model ``[x, z] -> log p(x|z)``: the decoder and the Bernoulli log-likelihood in one.

    Running both in one compiled ``predict`` step (one XLA program on JAX) is about
    twice as fast as decoding and then computing the loss op by op. One model per VAE,
    kept while the VAE lives: every score of a VAE reuses its compiled ``predict``
    step instead of tracing and compiling a new one (seconds on a CPU). It shares the
    VAE's decoder layers, so it always computes with the VAE's current weights.

    Parameters
    ----------
    vae : models.VAE

    Returns
    -------
    model : keras.Model
        Inputs ``x`` (batch, 784) and ``z`` (batch, latent_dim); output (batch,).
    """
    if vae in _LOG_LIKELIHOOD_MODELS:
        return _LOG_LIKELIHOOD_MODELS[vae]
    x = keras.Input(shape=(NUM_PIXELS,), name="x")
    z = keras.Input(shape=(vae.latent_dim,), name="z")
    log_likelihood = _BernoulliLogLikelihood(name="log_likelihood")(
        x, vae.decoder(z)
    )
    model = keras.Model([x, z], log_likelihood, name="log_likelihood")
    _LOG_LIKELIHOOD_MODELS[vae] = model
    return model


def _decoded_log_likelihood(model, x, z):
    """log p(x|z) for digit rows x (rows, 784) and latent rows z (rows, latent_dim), float64."""
    log_likelihood = model.predict_on_batch(
        [np.asarray(x, np.float32), np.asarray(z, np.float32)]
    )
    return np.asarray(log_likelihood, dtype=np.float64)


def elbo_terms(vae, x, seed=0, batch_size=1000):
    """Per-digit reconstruction and KL terms of the negative ELBO.

    Parameters
    ----------
    vae : models.VAE
    x : numpy.ndarray, shape (n, 784), values in [0, 1]
    seed : int >= 0, default 0
        Seeds the one z drawn per digit.
    batch_size : int, default 1000

    Returns
    -------
    reconstruction : numpy.ndarray, float64, shape (n,)
        ``-log p(x|z)`` at ``z = z_mean + exp(z_log_var / 2) * epsilon``.
    kl : numpy.ndarray, float64, shape (n,)
        ``KL(q(z|x) || N(0, I))`` in closed form.
    """
    check_model(vae)
    x = check_digits(x)
    batch_size = validation.check_integer(
        "batch_size", batch_size, minimum=1
    )
    z_mean, z_log_var = vae.encode(x, batch_size=batch_size)
    kl = keras.ops.convert_to_numpy(
        losses.kl_divergence(z_mean, z_log_var)
    ).astype(np.float64)
    model = log_likelihood_model(vae)
    reconstruction = np.empty(len(x))
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        epsilon = noise(seed, start, stop - start, 1, vae.latent_dim)[
            :, 0
        ]  # (batch, latent_dim)
        z = keras.ops.convert_to_numpy(
            sampling.reparameterize(
                z_mean[start:stop], z_log_var[start:stop], epsilon
            )
        )  # (batch, latent_dim)
        reconstruction[start:stop] = -_decoded_log_likelihood(
            model, x[start:stop], z
        )
    return reconstruction, kl


def held_out_score(vae, x, seed=0, batch_size=1000):
    """The mean test negative ELBO, reconstruction and KL, in nats per digit.

    Parameters
    ----------
    vae : models.VAE
    x : numpy.ndarray, shape (n, 784)
        Held-out digits, values in [0, 1].
    seed : int >= 0, default 0
    batch_size : int, default 1000

    Returns
    -------
    score : HeldOutScore
    """
    reconstruction, kl = elbo_terms(
        vae, x, seed=seed, batch_size=batch_size
    )
    negative_elbo = reconstruction + kl
    standard_error = (
        float(negative_elbo.std(ddof=1) / math.sqrt(len(x)))
        if len(x) > 1
        else math.nan
    )
    return HeldOutScore(
        negative_elbo=float(negative_elbo.mean()),
        reconstruction=float(reconstruction.mean()),
        kl=float(kl.mean()),
        standard_error=standard_error,
        num_digits=len(x),
    )


def log_importance_weights(model, x, z_mean, z_log_var, epsilon):
    """``log p(x|z) + log p(z) - log q(z|x)`` for given noise: the IWAE's log-weights.

    Parameters
    ----------
    model : keras.Model
        From :func:`log_likelihood_model`.
    x : numpy.ndarray, shape (batch, 784)
    z_mean, z_log_var : numpy.ndarray, shape (batch, latent_dim)
    epsilon : numpy.ndarray, shape (batch, num_samples, latent_dim)

    Returns
    -------
    log_weights : numpy.ndarray, float64, shape (batch, num_samples)
        The decoder's log-likelihood is float32 (the model's precision), the two
        Gaussian log-densities float32 from :func:`vae_lessons.losses.log_normal_density`.
    """
    batch, num_samples, latent_dim = epsilon.shape
    z_mean = np.asarray(z_mean, np.float32)[
        :, None, :
    ]  # (batch, 1, latent_dim)
    z_log_var = np.asarray(z_log_var, np.float32)[:, None, :]
    z = keras.ops.convert_to_numpy(
        sampling.reparameterize(z_mean, z_log_var, epsilon)
    )  # (batch, num_samples, latent_dim)
    x_rows = np.repeat(x, num_samples, axis=0)  # (batch * num_samples, 784)
    log_likelihood = _decoded_log_likelihood(
        model, x_rows, z.reshape(-1, latent_dim)
    ).reshape(batch, num_samples)
    log_prior = losses.log_normal_density(
        z, np.zeros_like(z), np.zeros_like(z)
    )  # (batch, num_samples)
    log_posterior = losses.log_normal_density(
        z, z_mean, z_log_var
    )  # broadcast over num_samples
    log_density_ratio = keras.ops.convert_to_numpy(
        log_prior - log_posterior
    ).astype(np.float64)
    return log_likelihood + log_density_ratio


def importance_weighted_log_likelihood(
    vae, x, num_samples, seed=0, max_rows=DEFAULT_MAX_ROWS
):
    """Importance-weighted estimate of ``log p(x)`` per digit (the IWAE bound), in nats.

    For each digit, draws ``z_1 ... z_k ~ q(z|x)`` (``k = num_samples``) and returns

        log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),

    computed with a log-sum-exp (``keras.ops.logsumexp``). Its expectation is a lower bound on
    ``log p(x)`` that tightens as ``k`` grows (Burda et al., 2016); ``k = 1`` is the
    ELBO with a sampled KL term. Digits and samples are processed in chunks of at most
    ``max_rows`` decoded rows, so memory stays bounded for any ``k``.

    Parameters
    ----------
    vae : models.VAE
    x : numpy.ndarray, shape (n, 784), values in [0, 1]
    num_samples : int >= 1
        ``k``. The cost grows linearly with it: n * k decoder passes.
    seed : int >= 0, default 0
    max_rows : int, default 16384
        Largest number of (digit, sample) rows decoded at once.

    Returns
    -------
    log_likelihood : numpy.ndarray, float64, shape (n,)
        Negative numbers; ``-log_likelihood.mean()`` is the test negative
        log-likelihood estimate in nats per digit.
    """
    check_model(vae)
    x = check_digits(x)
    num_samples = validation.check_integer(
        "num_samples", num_samples, minimum=1
    )
    max_rows = validation.check_integer("max_rows", max_rows, minimum=1)
    validation.check_seed("seed", seed)
    z_mean, z_log_var = vae.encode(x)
    model = log_likelihood_model(vae)
    samples_per_chunk = min(num_samples, max_rows)
    digits_per_chunk = max(1, max_rows // samples_per_chunk)
    result = np.empty(len(x))
    for start in range(0, len(x), digits_per_chunk):
        stop = min(start + digits_per_chunk, len(x))
        streams = [
            np.random.default_rng([seed, i]) for i in range(start, stop)
        ]
        running = np.full(
            stop - start, -np.inf
        )  # log sum of the weights so far
        for done in range(0, num_samples, samples_per_chunk):
            count = min(samples_per_chunk, num_samples - done)
            epsilon = np.stack(
                [
                    stream.standard_normal((count, vae.latent_dim))
                    for stream in streams
                ]
            )
            log_weights = log_importance_weights(
                model,
                x[start:stop],
                z_mean[start:stop],
                z_log_var[start:stop],
                epsilon,
            )
            chunk = keras.ops.convert_to_numpy(
                keras.ops.logsumexp(log_weights, axis=1)
            )  # (digits,)
            running = np.logaddexp(running, chunk)
        result[start:stop] = running - math.log(num_samples)
    return result


def mean_kl_per_dimension(z_mean, z_log_var):
    """Mean KL of each latent dimension over the digits: how many nats each one carries.

    Parameters
    ----------
    z_mean, z_log_var : numpy.ndarray, shape (n, latent_dim)

    Returns
    -------
    kl : numpy.ndarray, float64, shape (latent_dim,)
        Sums to the mean total KL. A dimension with KL near 0 is unused
        ("posterior collapse" in that dimension).
    """
    z_mean, z_log_var = _check_latents(z_mean, z_log_var)
    kl = losses.kl_divergence_per_dimension(
        z_mean, z_log_var
    )  # (n, latent_dim)
    return keras.ops.convert_to_numpy(kl).astype(np.float64).mean(axis=0)


def latent_activity(z_mean):
    """Burda et al.'s activity of each latent dimension: the variance of ``z_mean`` over digits.

    Parameters
    ----------
    z_mean : numpy.ndarray, shape (n, latent_dim)
        Encoder means of held-out digits, n >= 2.

    Returns
    -------
    activity : numpy.ndarray, float64, shape (latent_dim,)
        ``Var_x(E_q[z_j | x])`` per dimension j.
    """
    z_mean = validation.check_array(
        "z_mean", z_mean, shape=(None, None)
    ).astype(np.float64)
    if len(z_mean) < 2:
        raise ValueError(
            validation.message(
                "z_mean",
                "an array of shape (n, latent_dim) with n >= 2",
                z_mean.shape,
            )
        )
    return z_mean.var(axis=0)


def active_dimensions(z_mean, threshold=ACTIVITY_THRESHOLD):
    """Which latent dimensions are active: ``Var_x(z_mean) > threshold`` (Burda et al., 2016).

    Parameters
    ----------
    z_mean : numpy.ndarray, shape (n, latent_dim)
    threshold : float, default 0.01

    Returns
    -------
    active : numpy.ndarray, bool, shape (latent_dim,)
        ``active.sum()`` is the number of active dimensions.
    """
    threshold = validation.check_number("threshold", threshold, minimum=0)
    return latent_activity(z_mean) > threshold


def _check_latents(z_mean, z_log_var):
    z_mean = validation.check_array("z_mean", z_mean, shape=(None, None))
    z_log_var = validation.check_array(
        "z_log_var", z_log_var, shape=z_mean.shape
    )
    return z_mean, z_log_var


@dataclasses.dataclass(frozen=True)
class PairedDifference:
    """The mean of paired differences ``a - b`` and its standard error.

    Attributes
    ----------
    mean : float
        ``mean(a - b)``.
    standard_error : float
        ``std(a - b, ddof=1) / sqrt(count)``: how far the mean difference could move
        with other pairs (other test digits, or other training seeds).
    count : int
        Number of pairs.
    """

    mean: float
    standard_error: float
    count: int

    def within_noise(self, num_standard_errors=2.0):
        """Whether ``|mean| <= num_standard_errors * standard_error``: no clear difference.

        Two standard errors is a rough 95% rule for many pairs; with 3 pairs (3 seeds)
        Student's t with 2 degrees of freedom needs 4.3 standard errors for 95%, so a
        difference of 2 to 4 standard errors over 3 seeds is suggestive, not established.
        """
        num_standard_errors = validation.check_number(
            "num_standard_errors", num_standard_errors, minimum=0
        )
        return abs(self.mean) <= num_standard_errors * self.standard_error


def paired_difference(a, b):
    """Mean and standard error of the paired differences ``a - b``.

    Pair what two models share: the same test digit (``a`` and ``b`` are per-digit
    scores of two trained models, e.g. ``elbo_terms`` summed) or the same training seed
    (``a`` and ``b`` are the mean scores of two models trained with seeds 0, 1, 2...).
    Pairing removes what the pair has in common (a hard digit is hard for both models;
    a seed's training digits and initial weights are shared), so the standard error of
    the difference is smaller than the two separate standard errors suggest.

    Parameters
    ----------
    a, b : array_like, shape (n,), n >= 2
        Paired values: ``a[i]`` and ``b[i]`` belong to the same digit or seed.

    Returns
    -------
    difference : PairedDifference

    Examples
    --------
    >>> paired_difference([10.0, 12.0, 11.0], [9.0, 10.0, 11.0])
    PairedDifference(mean=1.0, standard_error=0.5773502691896258, count=3)
    """
    # checked as arrays, then kept in float64 (check_array returns float32)
    validation.check_array("a", a, shape=(None,))
    validation.check_array("b", b, shape=np.shape(a))
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2:
        raise ValueError(
            validation.message("a", "at least 2 paired values", len(a))
        )
    differences = a - b  # (n,)
    return PairedDifference(
        mean=float(differences.mean()),
        standard_error=float(
            differences.std(ddof=1) / math.sqrt(len(differences))
        ),
        count=len(differences),
    )
