"""Figures the lessons draw: digit grids, the latent space, the manifold, loss curves,
and lesson 7's score plots (the bound against k, rate and distortion, KL per dimension).

Every function draws into a new, standalone ``matplotlib.figure.Figure`` and returns
it: a notebook shows it as the cell's value (exactly once, with no pyplot state left
behind) and a script can ``figure.savefig(...)`` it. Images are (n, 784) or
(n, 28, 28) arrays in [0, 1] or 0..255.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from vae_lessons import alt_text
from vae_lessons.data import IMAGE_SHAPE, NUM_CLASSES
from vae_lessons.validation import check_integer, check_number, message

DIGIT_COLORS = matplotlib.colormaps["tab10"].colors


def _show_figures_as_png_in_jupyter():
    """Make IPython display a returned Figure as one PNG image.

    Our figures never touch pyplot, so Jupyter's inline backend (which would register
    this display) is never loaded by itself. PNG, not SVG: its bytes are stable.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to display
        return
    shell = get_ipython()
    if shell is not None:
        alt_text.register_display(shell)  # PNG, with each figure's alternative text


_show_figures_as_png_in_jupyter()


def _as_images(images, name="images"):
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == math.prod(IMAGE_SHAPE):
        images = images.reshape((-1,) + IMAGE_SHAPE)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(message(name, "an array of shape (n, 784) or (n, 28, 28)", images.shape))
    return images


def image_grid(images, num_columns=10, titles=None, title=None, cell_size=0.9):
    """Show digits in a grid, without axes.

    Parameters
    ----------
    images : array, shape (n, 784) or (n, 28, 28)
    num_columns : int, default 10
    titles : list of str, optional
        One short title per image (e.g. its label).
    title : str, optional
        Title of the whole figure.
    cell_size : float
        Inches per image.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    images = _as_images(images)
    if titles is not None and len(titles) != len(images):
        raise ValueError(message("titles", f"{len(images)} titles, one per image", titles))
    num_rows = max(1, math.ceil(len(images) / num_columns))
    figure = Figure(figsize=(num_columns * cell_size, num_rows * cell_size + (0.4 if title else 0)))
    axes = figure.subplots(num_rows, num_columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index < len(images):
            axis.imshow(images[index], cmap="gray_r", vmin=0, vmax=255 if images.max() > 1 else 1)
            if titles is not None:
                axis.set_title(titles[index], fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def comparison_grid(originals, reconstructions, num_columns=10):
    """Originals (top row) above their reconstructions (bottom row).

    Parameters
    ----------
    originals, reconstructions : array, shape (n, 784) or (n, 28, 28), same n

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    originals, reconstructions = _as_images(originals), _as_images(reconstructions, "reconstructions")
    if len(originals) != len(reconstructions):
        raise ValueError(message("reconstructions", f"{len(originals)} images, as many as the originals", reconstructions.shape))
    count = min(num_columns, len(originals))
    figure = Figure(figsize=(count * 0.9, 2.1))
    axes = figure.subplots(2, count, squeeze=False)
    for column in range(count):
        for row, images in enumerate((originals, reconstructions)):
            axes[row, column].imshow(images[column], cmap="gray_r", vmin=0, vmax=1)
            axes[row, column].set_axis_off()
    axes[0, 0].set_title("original", fontsize=8, loc="left")
    axes[1, 0].set_title("reconstruction", fontsize=8, loc="left")
    figure.tight_layout()
    return figure


def latent_scatter(z, labels, title="Encoder means z_mean of the test digits", point_size=6):
    """Scatter 2-D latent points, coloured by digit.

    Parameters
    ----------
    z : array, shape (n, 2)
        E.g. the encoder's z_mean.
    labels : array, int, shape (n,)

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    z, labels = np.asarray(z), np.asarray(labels)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(message("z", "an array of shape (n, 2); plot two chosen dimensions", z.shape))
    if labels.shape != (len(z),):
        raise ValueError(message("labels", f"an array of shape ({len(z)},)", labels.shape))
    figure = Figure(figsize=(6, 5))
    axis = figure.subplots()
    for digit in range(NUM_CLASSES):
        chosen = labels == digit
        axis.scatter(z[chosen, 0], z[chosen, 1], s=point_size, color=DIGIT_COLORS[digit], label=str(digit))
    axis.set_xlabel("$z_1$")
    axis.set_ylabel("$z_2$")
    axis.set_title(title)
    axis.legend(title="digit", loc="center left", bbox_to_anchor=(1.01, 0.5), markerscale=2)
    figure.tight_layout()
    return figure


def normal_quantile_grid(num_points=15):
    """Latent points on a grid at evenly spaced quantiles of N(0, 1).

    Parameters
    ----------
    num_points : int
        Points per axis.

    Returns
    -------
    z : numpy.ndarray, float32, shape (num_points**2, 2)
        Row-major: the first row has the largest z_2, left to right increasing z_1.
    """
    num_points = check_integer("num_points", num_points, minimum=2)
    probabilities = (np.arange(num_points) + 0.5) / num_points
    values = np.array([NormalDist().inv_cdf(p) for p in probabilities], dtype=np.float32)
    z_1, z_2 = np.meshgrid(values, values[::-1])
    return np.stack([z_1.ravel(), z_2.ravel()], axis=1)


def manifold(images, num_points, title="Digits decoded on a grid of Normal quantiles", size=5.5):
    """Tile decoded digits (from :func:`normal_quantile_grid`) into one picture.

    Parameters
    ----------
    images : array, shape (num_points**2, 784)
    num_points : int
    title : str
    size : float
        Width and height of the figure, in inches.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    images = _as_images(images)
    if len(images) != num_points**2:
        raise ValueError(message("images", f"num_points**2 = {num_points**2} images", images.shape))
    rows = images.reshape(num_points, num_points, *IMAGE_SHAPE)
    canvas = rows.transpose(0, 2, 1, 3).reshape(num_points * IMAGE_SHAPE[0], num_points * IMAGE_SHAPE[1])
    figure = Figure(figsize=(size, size))
    axis = figure.subplots()
    axis.imshow(canvas, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    axis.set_axis_off()
    axis.set_title(title)
    figure.tight_layout()
    return figure


def interpolation_strip(images, title="Decoded along a straight line in z"):
    """A row of digits, e.g. decoded along a line between two latent points.

    Parameters
    ----------
    images : array, shape (n, 784) or (n, 28, 28)

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    return image_grid(images, num_columns=len(images), title=title)


def samples_vs_normal(z, mean, std, bins=60):
    """Histogram of samples per dimension, over the Normal density they should follow.

    Parameters
    ----------
    z : array, shape (n, latent_dim)
        Samples, e.g. from the ``Sampling`` layer.
    mean, std : array, shape (latent_dim,)
        Mean and standard deviation of the expected Normal distribution.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    z, mean, std = np.asarray(z), np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if z.ndim != 2 or mean.shape != (z.shape[1],) or std.shape != (z.shape[1],):
        raise ValueError(message("mean, std", f"shapes ({z.shape[-1] if z.ndim == 2 else 'd'},) matching z of shape (n, d)", (z.shape, mean.shape, std.shape)))
    figure = Figure(figsize=(4.5 * z.shape[1], 3))
    axes = figure.subplots(1, z.shape[1], squeeze=False)
    for dimension, axis in enumerate(axes.flat):
        grid = np.linspace(mean[dimension] - 4 * std[dimension], mean[dimension] + 4 * std[dimension], 200)
        density = np.exp(-0.5 * ((grid - mean[dimension]) / std[dimension]) ** 2) / (std[dimension] * np.sqrt(2 * np.pi))
        axis.hist(z[:, dimension], bins=bins, density=True, alpha=0.6, label="samples")
        axis.plot(grid, density, label=f"N({mean[dimension]:g}, {std[dimension]:g}²)")
        axis.set_title(f"dimension {dimension + 1}")
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def loss_curves(history, names=("loss", "reconstruction", "kl")):
    """Training (solid) and validation (dashed) curves, one panel per quantity.

    Parameters
    ----------
    history : dict of str to list of float
        As returned by :func:`vae_lessons.training.train`.
    names : sequence of str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    missing = [name for name in names if name not in history]
    if missing:
        raise ValueError(message("names", f"keys of history, which holds {sorted(history)}", missing))
    figure = Figure(figsize=(4 * len(names), 3))
    axes = figure.subplots(1, len(names), squeeze=False)
    for axis, name in zip(axes.flat, names):
        epochs = np.arange(1, len(history[name]) + 1)
        axis.plot(epochs, history[name], label="training")
        if f"val_{name}" in history:
            axis.plot(epochs, history[f"val_{name}"], "--", label="validation")
        axis.set_title(f"{name} (nats per digit)")
        axis.set_xlabel("epoch")
        axis.legend()
    figure.tight_layout()
    return figure


# --- lesson 7: scores of trained models ---------------------------------------------


def bound_vs_samples(sample_counts, negative_log_likelihoods, negative_elbo):
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
        raise ValueError(message("negative_log_likelihoods", f"one value per sample count ({len(sample_counts)}), at least one", negative_log_likelihoods))
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


def rate_distortion(scores, title="Rate and distortion on the test digits"):
    """Each model as a point: rate (KL) across, distortion (reconstruction) up.

    Dashed diagonals are lines of equal negative ELBO (rate + distortion), so a point
    further down-left is a better model.

    Parameters
    ----------
    scores : dict of str to evaluation.HeldOutScore
        A label per model.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if not scores:
        raise ValueError(message("scores", "at least one model", scores))
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


def kl_per_dimension(kl_by_label, title="KL per latent dimension, largest first"):
    """Bars of the mean KL of each latent dimension, sorted, one panel per model.

    Parameters
    ----------
    kl_by_label : dict of str to numpy.ndarray, shape (latent_dim,)
        From :func:`vae_lessons.evaluation.mean_kl_per_dimension`.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if not kl_by_label:
        raise ValueError(message("kl_by_label", "at least one model", kl_by_label))
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


def gradient_estimates(estimates, exact, bins=80,
                       title="Single-draw estimates of one gradient"):
    """Histograms of single-draw gradient estimates, and the exact gradient.

    Parameters
    ----------
    estimates : dict of str to array, each of shape (n,)
        One estimate per draw, for each estimator (e.g. score function,
        reparameterized).
    exact : float
        The gradient the estimates should average to, drawn as a line.
    bins : int, default 80
        Bins over the range holding the middle 98% of all estimates.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    bins = check_integer("bins", bins, minimum=1)
    exact = check_number("exact", exact)
    if not estimates:
        raise ValueError(message(
            "estimates", "a non-empty dict of name to estimates", estimates))
    values = {name: np.ravel(np.asarray(value, dtype=float))
              for name, value in estimates.items()}
    low, high = np.percentile(np.concatenate(list(values.values())), [1, 99])
    edges = np.linspace(min(low, exact), max(high, exact), bins + 1)
    figure = Figure(figsize=(6, 3))
    axis = figure.subplots()
    for name, value in values.items():
        axis.hist(value, bins=edges, density=True, alpha=0.55,
                  label=f"{name} (variance {value.var():.3g})")
    axis.axvline(exact, color="black", linewidth=1,
                 label=f"exact gradient {exact:g}")
    axis.set_xlabel("estimate from one draw of z")
    axis.set_ylabel("density")
    axis.set_title(title)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def labelled_rows(rows, description):
    """Rows of digits, one row per label: e.g. originals above two models' reconstructions.

    Parameters
    ----------
    rows : dict of str to array, each of shape (n, 784) or (n, 28, 28), same n
        Row label -> its digits, top to bottom in the dict's order.
    description : str
        What the rows show, for the alternative text (e.g. "the MLP's
        reconstructions are blurrier than the conv's").

    Returns
    -------
    figure : matplotlib.figure.Figure
        With its alternative text.
    """
    if not isinstance(rows, dict) or not rows:
        raise TypeError(message("rows", "a non-empty dict of row label -> images", rows))
    images = {label: _as_images(digits, f"rows[{label!r}]") for label, digits in rows.items()}
    counts = {len(digits) for digits in images.values()}
    if len(counts) != 1:
        raise ValueError(message("rows", "the same number of images in every row", sorted(counts)))
    count = counts.pop()
    figure = Figure(figsize=(count * 0.9 + 1.2, len(images) * 1.0))
    axes = figure.subplots(len(images), count, squeeze=False)
    for row, (label, digits) in enumerate(images.items()):
        for column in range(count):
            axes[row, column].imshow(digits[column], cmap="gray_r", vmin=0, vmax=1)
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
        axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    figure.tight_layout()
    names = ", ".join(images)
    text = f"{len(images)} rows of {count} digits ({names}); {description}"
    return alt_text.describe(figure, text)
