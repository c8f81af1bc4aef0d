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

import keras
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from vae_lessons import losses
from vae_lessons.data import NUM_PIXELS

DEFAULT_MAX_ROWS = 16_384  # decoded rows per chunk: about 50 MB of float32 pixels
ACTIVITY_THRESHOLD = 0.01  # Burda et al. (2016): active if Var_x(z_mean) > 0.01


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


def check_digits(x, name="x"):
    """Check and return digits as float32 vectors in [0, 1], shape (n, 784).

    Raises
    ------
    TypeError
        If ``x`` is not a numeric array.
    ValueError
        If ``x`` is empty, has the wrong shape or values outside [0, 1].
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{name}: expected a numeric array, got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[1] != NUM_PIXELS or len(x) == 0:
        raise ValueError(
            f"{name}: expected shape (n, 784) with n >= 1, got {x.shape}; "
            "use data.flatten_and_scale(images) first"
        )
    if x.min() < 0 or x.max() > 1:
        raise ValueError(
            f"{name}: pixel values must lie in [0, 1], found [{x.min()}, {x.max()}]; "
            "use data.flatten_and_scale(images) first"
        )
    return x.astype(np.float32, copy=False)


def _check_count(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def encode(vae, x, batch_size=1000):
    """The encoder's ``z_mean`` and ``z_log_var`` for each digit.

    Parameters
    ----------
    vae : models.VAE
    x : numpy.ndarray, shape (n, 784)

    Returns
    -------
    z_mean, z_log_var : numpy.ndarray, float32, shape (n, latent_dim)
        ``z_log_var`` is the log of the variance.
    """
    x = check_digits(x)
    z_mean, z_log_var, _ = vae.encoder.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(z_mean), np.asarray(z_log_var)


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
    _check_count("seed", seed, minimum=0)
    return np.stack([
        np.random.default_rng([seed, first_digit + i]).standard_normal((num_samples, latent_dim))
        for i in range(num_digits)
    ])


class _BernoulliLogLikelihood(keras.layers.Layer):
    """``log p(x|z)`` from pixels and decoded Bernoulli means: (batch, 784) x 2 -> (batch,)."""

    def call(self, x, probabilities):
        return -losses.reconstruction_loss(x, probabilities)

    def compute_output_shape(self, x_shape, probabilities_shape):
        return x_shape[:1]


def log_likelihood_model(vae):
    """A Keras model ``[x, z] -> log p(x|z)``: the decoder and the Bernoulli log-likelihood in one.

    Running both in one compiled ``predict`` step (one XLA program on JAX) is about
    twice as fast as decoding and then computing the loss op by op.

    Parameters
    ----------
    vae : models.VAE

    Returns
    -------
    model : keras.Model
        Inputs ``x`` (batch, 784) and ``z`` (batch, latent_dim); output (batch,).
    """
    x = keras.Input(shape=(NUM_PIXELS,), name="x")
    z = keras.Input(shape=(vae.latent_dim,), name="z")
    log_likelihood = _BernoulliLogLikelihood(name="log_likelihood")(x, vae.decoder(z))
    return keras.Model([x, z], log_likelihood, name="log_likelihood")


def _decoded_log_likelihood(model, x, z):
    """log p(x|z) for digit rows x (rows, 784) and latent rows z (rows, latent_dim), float64."""
    log_likelihood = model.predict_on_batch([np.asarray(x, np.float32), np.asarray(z, np.float32)])
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
    x = check_digits(x)
    batch_size = _check_count("batch_size", batch_size)
    z_mean, z_log_var = encode(vae, x, batch_size)
    kl = keras.ops.convert_to_numpy(losses.kl_divergence(z_mean, z_log_var)).astype(np.float64)
    model = log_likelihood_model(vae)
    reconstruction = np.empty(len(x))
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        epsilon = noise(seed, start, stop - start, 1, vae.latent_dim)[:, 0]  # (batch, latent_dim)
        z = z_mean[start:stop] + np.exp(0.5 * z_log_var[start:stop]) * epsilon
        reconstruction[start:stop] = -_decoded_log_likelihood(model, x[start:stop], z)
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
    reconstruction, kl = elbo_terms(vae, x, seed=seed, batch_size=batch_size)
    negative_elbo = reconstruction + kl
    standard_error = float(negative_elbo.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan
    return HeldOutScore(
        negative_elbo=float(negative_elbo.mean()),
        reconstruction=float(reconstruction.mean()),
        kl=float(kl.mean()),
        standard_error=standard_error,
        num_digits=len(x),
    )


def log_normal(z, mean, log_var):
    """Log-density of a diagonal Gaussian in float64, summed over the last axis.

    Parameters
    ----------
    z, mean, log_var : numpy.ndarray, broadcastable, shape (..., latent_dim)

    Returns
    -------
    log_density : numpy.ndarray, float64, shape (...)
    """
    z, mean, log_var = (np.asarray(a, dtype=np.float64) for a in (z, mean, log_var))
    return -0.5 * np.sum(losses.LOG_2PI + log_var + (z - mean) ** 2 * np.exp(-log_var), axis=-1)


def logsumexp(values, axis=-1):
    """``log(sum(exp(values)))`` along ``axis``, without overflow or underflow.

    Parameters
    ----------
    values : numpy.ndarray
    axis : int, default -1

    Returns
    -------
    numpy.ndarray, float64
        ``values`` with ``axis`` removed.
    """
    values = np.asarray(values, dtype=np.float64)
    largest = np.max(values, axis=axis, keepdims=True)
    largest = np.where(np.isfinite(largest), largest, 0.0)
    with np.errstate(divide="ignore"):  # log(0) = -inf when every value is -inf
        return np.squeeze(largest, axis=axis) + np.log(np.sum(np.exp(values - largest), axis=axis))


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
    """
    batch, num_samples, latent_dim = epsilon.shape
    z_mean = np.asarray(z_mean, np.float64)[:, None, :]  # (batch, 1, latent_dim)
    z_log_var = np.asarray(z_log_var, np.float64)[:, None, :]
    z = z_mean + np.exp(0.5 * z_log_var) * epsilon  # (batch, num_samples, latent_dim)
    x_rows = np.repeat(x, num_samples, axis=0)  # (batch * num_samples, 784)
    log_likelihood = _decoded_log_likelihood(model, x_rows, z.reshape(-1, latent_dim)).reshape(batch, num_samples)
    log_prior = log_normal(z, 0.0, 0.0)  # (batch, num_samples)
    log_posterior = log_normal(z, z_mean, z_log_var)
    return log_likelihood + log_prior - log_posterior


def importance_weighted_log_likelihood(vae, x, num_samples, seed=0, max_rows=DEFAULT_MAX_ROWS):
    """Importance-weighted estimate of ``log p(x)`` per digit (the IWAE bound), in nats.

    For each digit, draws ``z_1 ... z_k ~ q(z|x)`` (``k = num_samples``) and returns

        log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),

    computed with a log-sum-exp in float64. Its expectation is a lower bound on
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
    x = check_digits(x)
    num_samples = _check_count("num_samples", num_samples)
    max_rows = _check_count("max_rows", max_rows)
    _check_count("seed", seed, minimum=0)
    z_mean, z_log_var = encode(vae, x)
    model = log_likelihood_model(vae)
    samples_per_chunk = min(num_samples, max_rows)
    digits_per_chunk = max(1, max_rows // samples_per_chunk)
    result = np.empty(len(x))
    for start in range(0, len(x), digits_per_chunk):
        stop = min(start + digits_per_chunk, len(x))
        streams = [np.random.default_rng([seed, i]) for i in range(start, stop)]
        running = np.full(stop - start, -np.inf)  # log sum of the weights so far
        for done in range(0, num_samples, samples_per_chunk):
            count = min(samples_per_chunk, num_samples - done)
            epsilon = np.stack([stream.standard_normal((count, vae.latent_dim)) for stream in streams])
            log_weights = log_importance_weights(model, x[start:stop], z_mean[start:stop], z_log_var[start:stop], epsilon)
            running = np.logaddexp(running, logsumexp(log_weights, axis=1))
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
    kl = losses.kl_divergence_per_dimension(z_mean, z_log_var)  # (n, latent_dim)
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
    z_mean = np.asarray(z_mean, dtype=np.float64)
    if z_mean.ndim != 2 or len(z_mean) < 2:
        raise ValueError(f"z_mean: expected shape (n, latent_dim) with n >= 2, got {z_mean.shape}")
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
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold < 0:
        raise ValueError(f"threshold must be a number >= 0, got {threshold!r}")
    return latent_activity(z_mean) > threshold


def _check_latents(z_mean, z_log_var):
    z_mean, z_log_var = np.asarray(z_mean, np.float32), np.asarray(z_log_var, np.float32)
    if z_mean.ndim != 2 or z_mean.shape != z_log_var.shape:
        raise ValueError(
            f"z_mean and z_log_var: expected equal shapes (n, latent_dim), got {z_mean.shape} and {z_log_var.shape}"
        )
    return z_mean, z_log_var


# ---------------------------------------------------------------------------------
# The models of lesson 7's study (trained by scripts/train_study.py, cached).

STUDY_LATENT_DIMS = (2, 8, 20)
STUDY_KL_WEIGHTS = (0.5, 1.0, 2.0)
STUDY_KL_WEIGHT_LATENT_DIM = 20  # enough dimensions for beta to switch some off


def latent_dim_study():
    """Configurations of the latent-size study: the default model with latent_dim 2, 8, 20.

    Returns
    -------
    configs : dict of int to training.TrainingConfig
        ``{latent_dim: config}``; everything but ``latent_dim`` is the default.
    """
    from vae_lessons import training

    return {latent_dim: training.TrainingConfig(latent_dim=latent_dim) for latent_dim in STUDY_LATENT_DIMS}


def kl_weight_study():
    """Configurations of the beta study: kl_weight 0.5, 1, 2 at latent_dim 20.

    Returns
    -------
    configs : dict of float to training.TrainingConfig
        ``{kl_weight: config}``; kl_weight 1 is the latent-size study's latent_dim 20.
    """
    from vae_lessons import training

    return {
        kl_weight: training.TrainingConfig(latent_dim=STUDY_KL_WEIGHT_LATENT_DIM, kl_weight=kl_weight)
        for kl_weight in STUDY_KL_WEIGHTS
    }


# ---------------------------------------------------------------------------------
# Figures of lesson 7. Like vae_lessons.plots, each draws a new, standalone
# matplotlib Figure and returns it: a notebook shows it as the cell's value.


def plot_bound_vs_samples(sample_counts, negative_log_likelihoods, negative_elbo):
    """The importance-weighted estimate of ``-log p(x)`` against ``k``, with the ELBO.

    Parameters
    ----------
    sample_counts : sequence of int
        The ``k`` values, e.g. (1, 10, 100, 1000).
    negative_log_likelihoods : sequence of float
        Mean ``-log p(x)`` estimates (nats per digit), one per ``k``.
    negative_elbo : float
        Mean test negative ELBO of the same digits.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if len(sample_counts) != len(negative_log_likelihoods) or not len(sample_counts):
        raise ValueError("sample_counts and negative_log_likelihoods must be non-empty and of equal length")
    figure = Figure(figsize=(5.5, 3.5))
    axes = figure.subplots()
    axes.plot(sample_counts, negative_log_likelihoods, "o-", label=r"importance-weighted, $-\mathcal{L}_k$")
    axes.axhline(negative_elbo, color="gray", linestyle="--", label="negative ELBO (one sample)")
    axes.set_xscale("log")
    axes.set_xlabel("samples per digit $k$")
    axes.set_ylabel("nats per digit (lower is better)")
    axes.set_title("The bound tightens as $k$ grows")
    axes.legend()
    figure.tight_layout()
    return figure


def plot_rate_distortion(scores, title="Rate and distortion on the test digits"):
    """Each model as a point: rate (KL) across, distortion (reconstruction) up.

    Dashed diagonals are lines of equal negative ELBO (rate + distortion), so a point
    further down-left is a better model.

    Parameters
    ----------
    scores : dict of str to HeldOutScore
        A label per model.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if not scores:
        raise ValueError("scores: expected at least one model")
    figure = Figure(figsize=(6, 4.5))
    axes = figure.subplots()
    rates = [score.kl for score in scores.values()]
    distortions = [score.reconstruction for score in scores.values()]
    for (label, score), color in zip(scores.items(), matplotlib.colormaps["tab10"].colors):
        axes.scatter(score.kl, score.reconstruction, color=color, s=40, zorder=3)
        axes.annotate(label, (score.kl, score.reconstruction), textcoords="offset points", xytext=(6, 4), fontsize=9)
    low, high = min(rates) * 0.8, max(rates) * 1.15 + 2
    totals = [score.negative_elbo for score in scores.values()]
    for total in np.linspace(min(totals), max(totals), 4):
        rate = np.array([low, high])
        axes.plot(rate, total - rate, color="lightgray", linestyle="--", zorder=1)
    axes.set_xlim(low, high)
    axes.set_ylim(min(distortions) - 8, max(distortions) + 8)
    axes.set_xlabel("rate: KL (nats per digit)")
    axes.set_ylabel("distortion: reconstruction (nats per digit)")
    axes.set_title(title)
    figure.tight_layout()
    return figure


def plot_kl_per_dimension(kl_by_label, title="KL per latent dimension, largest first"):
    """Bars of the mean KL of each latent dimension, sorted, one panel per model.

    Parameters
    ----------
    kl_by_label : dict of str to numpy.ndarray, shape (latent_dim,)
        From :func:`mean_kl_per_dimension`.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if not kl_by_label:
        raise ValueError("kl_by_label: expected at least one model")
    figure = Figure(figsize=(3.2 * len(kl_by_label), 2.8))
    all_axes = figure.subplots(1, len(kl_by_label), sharey=True, squeeze=False)
    for axes, (label, kl) in zip(all_axes[0], kl_by_label.items()):
        kl = np.sort(np.asarray(kl))[::-1]
        axes.bar(np.arange(1, len(kl) + 1), kl, color="tab:blue")
        axes.set_title(label, fontsize=10)
        axes.set_xlabel("dimension (sorted)")
    all_axes[0][0].set_ylabel("mean KL (nats)")
    figure.suptitle(title)
    figure.tight_layout()
    return figure
