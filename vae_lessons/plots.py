"""Figures the lessons draw: digit grids, the latent space, the manifold, loss curves,
lessons 7 and 8's score plots (the bound against k, rate and distortion, KL per dimension).

Every function draws into a new, standalone ``matplotlib.figure.Figure`` and returns
it: a notebook shows it as the cell's value (exactly once, with no pyplot state left
behind) and a script can ``figure.savefig(...)`` it.

One image-scale rule for every function: images are (n, 784) or (n, 28, 28) arrays,
of floats in [0, 1] (as the model sees them) or of integers 0..255 (as MNIST ships
them, uint8); the dtype says which, and anything else is refused rather than drawn
saturated.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import matplotlib
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from vae_lessons import alt_text
from vae_lessons.data import IMAGE_SHAPE, NUM_CLASSES
from vae_lessons.validation import (
    check_array,
    check_integer,
    check_number,
    message,
)

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
        alt_text.register_display(
            shell
        )  # PNG, with each figure's alternative text


_show_figures_as_png_in_jupyter()


MAX_COLUMNS = 100
"""The most digits side by side in one figure (wider figures exceed matplotlib's size)."""


def _as_images(images, name="images"):
    """Images as float32 (n, 28, 28) in [0, 1], by the module's one image-scale rule.

    Floats must lie in [0, 1]; integers (e.g. uint8) in 0..255 are divided by 255.
    """
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == math.prod(IMAGE_SHAPE):
        images = images.reshape((-1,) + IMAGE_SHAPE)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected an array "
            f"of shape (n, 784) or (n, 28, 28). Received: {name}.shape={images.shape}"
        )
    if np.issubdtype(images.dtype, np.integer) and not np.issubdtype(
        images.dtype, np.bool_
    ):
        pixels = check_array(
            name, images, shape=(None, *IMAGE_SHAPE), minimum=0, maximum=255
        )  # n >= 1
        return pixels / np.float32(255)
    if np.issubdtype(images.dtype, np.floating):
        return check_array(
            name, images, shape=(None, *IMAGE_SHAPE), minimum=0, maximum=1
        )  # n >= 1, finite; 0..255 floats: use integers, or divide by 255
    raise TypeError(
        f"Invalid value received for argument `{name}`. Expected float pixels in "
        f"[0, 1] or integer pixels 0..255. Received: {name}.dtype={images.dtype}"
    )


def _check_mapping(
    name, value, expected="a non-empty dict of label to values"
):
    if not isinstance(value, dict):
        raise TypeError(message(name, expected, value))
    if not value:
        raise ValueError(message(name, expected, value))
    return value


def _check_labels(labels, n):
    """Digit labels 0..9, one per point, as an integer array (else an empty plot)."""
    labels = np.asarray(labels)
    expected = f"integer digit labels 0..{NUM_CLASSES - 1}, an array of shape ({n},)"
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(message("labels", expected, labels))
    if (
        labels.shape != (n,)
        or labels.min(initial=0) < 0
        or labels.max(initial=0) >= NUM_CLASSES
    ):
        raise ValueError(message("labels", expected, labels))
    return labels


def _listed(items, limit=20):
    """``items`` joined with commas for a description; the first ``limit``, then "..."."""
    items = [str(item) for item in items]
    shown = ", ".join(items[:limit])
    return shown + (
        f" ... ({len(items)} in all)" if len(items) > limit else ""
    )


def _number(value, decimals=1):
    """``value`` rounded for a description, with no "-0.0"."""
    return f"{round(float(value), decimals) + 0.0:.{decimals}f}"


MAX_BINS = 10_000
"""The most histogram bins (10**8 bins would take minutes to draw)."""

TILE_GAP = 7
"""Blank pixels between neighbouring digits in a row of tiles (:func:`_draw_tiles`)."""


def _draw_tiles(
    axis, images, num_columns=None, frame_color=None, titles=None
):
    """Draw a row of digits side by side into one ``axis``: one image, not one Axes each.

    Each digit in an Axes of its own cost matplotlib about a second per 60 digits
    (creating the Axes, laying them out, rendering them); one canvas per row, its gaps
    transparent, draws the same picture in a few milliseconds. matplotlib has no helper
    for this (``mpl_toolkits``' ``ImageGrid`` makes an Axes per image too).

    Parameters
    ----------
    axis : matplotlib.axes.Axes
    images : numpy.ndarray, shape (n, 28, 28), in [0, 1] (from :func:`_as_images`)
    num_columns : int, optional
        Room for this many digits (n by default); the cells after the n-th stay empty.
    frame_color : color, optional
        Draw a thin frame of this colour around each digit, so a blank digit reads as a
        blank image, not a missing one.
    titles : list of str, optional
        One caption above each digit.
    """
    height, width = IMAGE_SHAPE
    num_columns = len(images) if num_columns is None else num_columns
    lefts = np.arange(len(images)) * (
        width + TILE_GAP
    )  # (n,) first column of each digit
    canvas = np.full(
        (height, num_columns * (width + TILE_GAP) - TILE_GAP), np.nan
    )  # NaN: a gap
    for left, image in zip(lefts, images):
        canvas[:, left : left + width] = image
    colormap = matplotlib.colormaps["gray_r"].with_extremes(
        bad=(0, 0, 0, 0)
    )  # gaps: transparent
    axis.imshow(
        canvas, cmap=colormap, vmin=0, vmax=1, interpolation="nearest"
    )
    axis.set_xticks([])
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_visible(False)
    if frame_color is not None:
        frames = [
            Rectangle((left - 0.5, -0.5), width, height) for left in lefts
        ]
        axis.add_collection(
            PatchCollection(
                frames,
                facecolor="none",
                edgecolor=frame_color,
                linewidth=0.8,
                clip_on=False,
            )
        )
    for left, text in zip(lefts, titles if titles is not None else ()):
        axis.text(
            left + (width - 1) / 2,
            -1.5,
            text,
            ha="center",
            va="bottom",
            fontsize=8,
        )


def image_grid(
    images, num_columns=10, titles=None, title=None, cell_size=0.9
):
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
    num_columns = check_integer(
        "num_columns", num_columns, minimum=1, maximum=MAX_COLUMNS
    )
    cell_size = check_number(
        "cell_size", cell_size, minimum=0, maximum=10, above=True
    )  # inches
    if titles is not None and (
        isinstance(titles, str)
        or not hasattr(titles, "__len__")
        or len(titles) != len(images)
    ):
        raise ValueError(
            message(
                "titles", f"{len(images)} titles, one per image", titles
            )
        )
    num_rows = max(1, math.ceil(len(images) / num_columns))
    figure = Figure(
        figsize=(
            num_columns * cell_size,
            num_rows * cell_size + (0.4 if title else 0),
        )
    )
    for row, axis in enumerate(
        figure.subplots(num_rows, 1, squeeze=False)[:, 0]
    ):
        shown = slice(row * num_columns, (row + 1) * num_columns)
        _draw_tiles(
            axis,
            images[shown],
            num_columns,
            titles=None if titles is None else titles[shown],
        )
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    text = f"Grid of {len(images)} digit images, {num_rows} row{'s' if num_rows > 1 else ''} of up to {num_columns}"
    text += f", titled '{title}'" if title else ""
    text += (
        f"; captions in reading order: {_listed(titles)}."
        if titles is not None
        else "."
    )
    return alt_text.describe(figure, text)


def comparison_grid(originals, reconstructions, num_columns=10):
    """Originals (top row) above their reconstructions (bottom row).

    Parameters
    ----------
    originals, reconstructions : array, shape (n, 784) or (n, 28, 28), same n

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    originals, reconstructions = (
        _as_images(originals, "originals"),
        _as_images(reconstructions, "reconstructions"),
    )
    num_columns = check_integer(
        "num_columns", num_columns, minimum=1, maximum=MAX_COLUMNS
    )
    if len(originals) != len(reconstructions):
        raise ValueError(
            message(
                "reconstructions",
                f"{len(originals)} images, as many as the originals",
                reconstructions.shape,
            )
        )
    count = min(num_columns, len(originals))
    figure = Figure(figsize=(count * 0.9, 2.1))
    for axis, images, label in zip(
        figure.subplots(2, 1),
        (originals, reconstructions),
        ("original", "reconstruction"),
    ):
        _draw_tiles(axis, images[:count])
        axis.set_title(label, fontsize=8, loc="left")
    figure.tight_layout()
    # (count, 28, 28) -> (count,): mean absolute pixel difference per digit, on a 0-1 scale
    errors = np.abs(originals[:count] - reconstructions[:count]).mean(
        axis=(1, 2)
    )
    # Which digit is worst is not named: with errors this close, another machine's training
    # (its last-bit rounding) can change it, and the description must hold on every machine.
    return alt_text.describe(
        figure,
        f"{count} digits in the top row above their reconstructions in the bottom row. "
        f"On average a reconstructed pixel is {errors.mean():.2f} away from the original "
        f"(0 to 1 scale), {errors.max():.2f} for the worst digit.",
    )


def latent_scatter(
    z, labels, title="Encoder means z_mean of the test digits", point_size=6
):
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
    z = check_array("z", z, shape=(None, 2))  # plot two chosen dimensions
    labels = _check_labels(labels, len(z))
    point_size = check_number(
        "point_size", point_size, minimum=0, above=True
    )
    figure = Figure(figsize=(6, 5))
    axis = figure.subplots()
    for digit in range(NUM_CLASSES):
        chosen = labels == digit
        axis.scatter(
            z[chosen, 0],
            z[chosen, 1],
            s=point_size,
            color=DIGIT_COLORS[digit],
            label=str(digit),
        )
    axis.set_xlabel("$z_1$")
    axis.set_ylabel("$z_2$")
    axis.set_title(title)
    axis.legend(
        title="digit",
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        markerscale=2,
    )
    figure.tight_layout()
    text = (
        f"{title}: scatter of {len(z):,} points, z1 across (from {_number(z[:, 0].min(), 0)} to "
        f"{_number(z[:, 0].max(), 0)}) and z2 up (from {_number(z[:, 1].min(), 0)} to {_number(z[:, 1].max(), 0)}), "
        "coloured by digit label."
    )
    digits = [
        digit for digit in range(NUM_CLASSES) if np.any(labels == digit)
    ]
    if len(digits) >= 2:
        centres = np.stack(
            [z[labels == digit].mean(axis=0) for digit in digits]
        )  # (classes, 2)
        distances = np.linalg.norm(
            centres[:, None] - centres[None, :], axis=-1
        )  # (classes, classes)
        far = np.unravel_index(np.argmax(distances), distances.shape)
        axis_index = int(
            np.argmax(np.abs(centres[far[0]] - centres[far[1]]))
        )  # the axis that separates them
        first, second = sorted(
            far, key=lambda index: centres[index, axis_index]
        )
        text += (
            f" The {digits[first]}s and {digits[second]}s have the farthest-apart centres, at "
            f"z{axis_index + 1} = {_number(centres[first, axis_index])} and {_number(centres[second, axis_index])}."
        )
    return alt_text.describe(figure, text)


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
    num_points = check_integer(
        "num_points", num_points, minimum=2, maximum=100
    )
    probabilities = (np.arange(num_points) + 0.5) / num_points
    values = np.array(
        [NormalDist().inv_cdf(p) for p in probabilities], dtype=np.float32
    )
    z_1, z_2 = np.meshgrid(values, values[::-1])
    return np.stack([z_1.ravel(), z_2.ravel()], axis=1)


def manifold(
    images,
    num_points,
    title="Digits decoded on a grid of Normal quantiles",
    size=5.5,
    values=None,
):
    """Tile decoded digits (from :func:`normal_quantile_grid`) into one picture.

    Parameters
    ----------
    images : array, shape (num_points**2, 784)
    num_points : int
    title : str
    size : float
        Width and height of the figure, in inches.
    values : array, shape (num_points,), optional
        The grid's values on each axis, increasing. Given, the axes are labelled
        $z_1$ (left to right) and $z_2$ (bottom to top) at these values, so the
        picture lines up with :func:`latent_scatter`.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    images = _as_images(images)
    num_points = check_integer(
        "num_points", num_points, minimum=1, maximum=MAX_COLUMNS
    )
    size = check_number(
        "size", size, minimum=0, maximum=50, above=True
    )  # inches
    if len(images) != num_points**2:
        raise ValueError(
            message(
                "images",
                f"num_points**2 = {num_points**2} images",
                images.shape,
            )
        )
    rows = images.reshape(num_points, num_points, *IMAGE_SHAPE)
    canvas = rows.transpose(0, 2, 1, 3).reshape(
        num_points * IMAGE_SHAPE[0], num_points * IMAGE_SHAPE[1]
    )
    figure = Figure(figsize=(size, size))
    axis = figure.subplots()
    axis.imshow(
        canvas, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest"
    )
    if values is None:
        axis.set_axis_off()
    else:
        check_array(
            "values", values, shape=(num_points,)
        )  # finite, one per point
        labels = [
            f"{value:.2g}" for value in np.asarray(values, dtype=float)
        ]
        centres = (np.arange(num_points) + 0.5) * IMAGE_SHAPE[
            0
        ]  # pixel centre of each cell
        axis.set_xticks(centres, labels, fontsize=7)
        axis.set_yticks(
            centres, labels[::-1], fontsize=7
        )  # first row: largest z_2
        axis.set_xlabel("$z_1$")
        axis.set_ylabel("$z_2$")
    axis.set_title(title)
    figure.tight_layout()
    return alt_text.describe(
        figure,
        f"{title}: a {num_points} by {num_points} grid of decoded digits, one per latent point, "
        "z1 growing from left to right and z2 from bottom to top, so neighbouring digits come "
        "from neighbouring codes.",
    )


def interpolation_strip(images, title="Decoded along a straight line in z"):
    """A row of digits, e.g. decoded along a line between two latent points.

    Parameters
    ----------
    images : array, shape (n, 784) or (n, 28, 28)

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    images = _as_images(images)
    figure = image_grid(images, num_columns=len(images), title=title)
    text = f"{title}: a row of {len(images)} digits, each decoded from the next point along the line."
    if len(images) >= 2:
        # (n, 28, 28) -> (n - 1,): mean absolute change from one image to the next
        steps = np.abs(np.diff(images, axis=0)).mean(axis=(1, 2))
        text += (
            f" Consecutive images differ by {steps.mean():.2f} per pixel on average (0 to 1 scale), "
            f"{steps.max():.2f} at the largest change."
        )
    return alt_text.describe(figure, text)


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
    z = check_array("z", z, shape=(None, None))
    mean = check_array(
        "mean", mean, shape=(z.shape[1],)
    )  # one per dimension of z
    std = check_array("std", std, shape=(z.shape[1],))
    if (std <= 0).any():
        raise ValueError(message("std", "standard deviations > 0", std))
    bins = check_integer("bins", bins, minimum=1, maximum=MAX_BINS)
    figure = Figure(figsize=(4.5 * z.shape[1], 3))
    axes = figure.subplots(1, z.shape[1], squeeze=False)
    for dimension, axis in enumerate(axes.flat):
        grid = np.linspace(
            mean[dimension] - 4 * std[dimension],
            mean[dimension] + 4 * std[dimension],
            200,
        )
        density = np.exp(
            -0.5 * ((grid - mean[dimension]) / std[dimension]) ** 2
        ) / (std[dimension] * np.sqrt(2 * np.pi))
        axis.hist(
            z[:, dimension],
            bins=bins,
            density=True,
            alpha=0.6,
            label="samples",
        )
        axis.plot(
            grid,
            density,
            label=f"N({mean[dimension]:g}, {std[dimension]:g}²)",
        )
        axis.set_title(f"dimension {dimension + 1}")
        axis.legend(fontsize=8)
    figure.tight_layout()
    panels = "; ".join(
        f"dimension {dimension + 1}: sample mean {_number(z[:, dimension].mean(), 2)} and standard deviation "
        f"{_number(z[:, dimension].std(), 2)}, against N({mean[dimension]:g}, {std[dimension]:g} squared)"
        for dimension in range(z.shape[1])
    )
    return alt_text.describe(
        figure,
        f"Histograms of {len(z):,} samples, one panel per dimension, each under the Normal "
        f"density curve it should follow. {panels}.",
    )


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
    expected = "a dict of quantity name to a non-empty list of numbers, all of one length"
    if not isinstance(history, dict):
        raise TypeError(message("history", expected, history))
    if (
        not history
        or len({np.shape(values) for values in history.values()}) != 1
    ):
        raise ValueError(message("history", expected, history))
    for values in history.values():
        check_array(
            "history", values, shape=(None,)
        )  # numbers, at least one epoch
    if (
        isinstance(names, str)
        or not isinstance(names, (list, tuple))
        or not names
    ):
        raise TypeError(
            message(
                "names", "a non-empty sequence of keys of history", names
            )
        )
    missing = [name for name in names if name not in history]
    if missing:
        raise ValueError(
            message(
                "names",
                f"keys of history, which holds {sorted(history)}",
                missing,
            )
        )
    figure = Figure(figsize=(4 * len(names), 3))
    axes = figure.subplots(1, len(names), squeeze=False)
    for axis, name in zip(axes.flat, names):
        epochs = np.arange(1, len(history[name]) + 1)
        axis.plot(epochs, history[name], label="training")
        if f"val_{name}" in history:
            axis.plot(
                epochs, history[f"val_{name}"], "--", label="validation"
            )
        axis.set_title(f"{name} (nats per digit)")
        axis.set_xlabel("epoch")
        axis.legend()
    figure.tight_layout()

    def course(values):
        return (
            f"from {_number(values[0])} to {_number(values[-1])}"
            if len(values)
            else "no values"
        )

    panels = "; ".join(
        f"{name}: training {course(history[name])}"
        + (
            f", validation {course(history[f'val_{name}'])}"
            if f"val_{name}" in history
            else ""
        )
        for name in names
    )
    num_epochs = max(len(history[name]) for name in names)
    return alt_text.describe(
        figure,
        f"Line plots of {', '.join(names)} (nats per digit) against epoch, {num_epochs} epochs, "
        f"training solid and validation dashed. {panels}.",
    )


# --- lessons 7 and 8: scores of trained models ---------------------------------------------


def bound_vs_samples(
    sample_counts, negative_log_likelihoods, negative_elbo
):
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
    sample_counts = check_array(
        "sample_counts", sample_counts, shape=(None,), minimum=1
    )  # log axis: k >= 1
    negative_log_likelihoods = check_array(
        "negative_log_likelihoods",
        negative_log_likelihoods,
        shape=(len(sample_counts),),
    )
    negative_elbo = check_number("negative_elbo", negative_elbo)
    figure = Figure(figsize=(5.5, 3.5))
    axes = figure.subplots()
    axes.plot(
        sample_counts,
        negative_log_likelihoods,
        "o-",
        label=r"importance-weighted, $-\mathcal{L}_k$",
    )
    axes.axhline(
        negative_elbo,
        color="gray",
        linestyle="--",
        label="negative ELBO (one sample)",
    )
    axes.set_xscale("log")
    axes.set_xlabel("samples per digit $k$")
    axes.set_ylabel("nats per digit (lower is better)")
    axes.set_title("The bound tightens as $k$ grows")
    axes.legend()
    figure.tight_layout()
    points = ", ".join(
        f"{value:.1f} at k = {int(count):,}"
        for count, value in zip(sample_counts, negative_log_likelihoods)
    )
    return alt_text.describe(
        figure,
        "Line plot of the importance-weighted estimate of -log p(x), nats per digit, against "
        f"the number of samples k on a log scale: {points}; a dashed line marks the negative "
        f"ELBO, {negative_elbo:.1f} nats.",
    )


def kl_per_dimension(
    kl_by_label, title="KL per latent dimension, largest first"
):
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
    _check_mapping(
        "kl_by_label",
        kl_by_label,
        "a non-empty dict of label to KL per dimension, shape (latent_dim,)",
    )
    kl_by_label = {
        label: check_array("kl_by_label", kl, shape=(None,), minimum=0)
        for label, kl in kl_by_label.items()  # a KL is never negative
    }
    figure = Figure(figsize=(3.2 * len(kl_by_label), 2.8))
    all_axes = figure.subplots(
        1, len(kl_by_label), sharey=True, squeeze=False
    )
    for axes, (label, kl) in zip(all_axes[0], kl_by_label.items()):
        kl = np.sort(np.asarray(kl))[::-1]
        axes.bar(np.arange(1, len(kl) + 1), kl, color="tab:blue")
        axes.set_title(label, fontsize=10)
        axes.set_xlabel("dimension (sorted)")
    all_axes[0][0].set_ylabel("mean KL (nats)")
    figure.suptitle(title)
    figure.tight_layout()
    panels = "; ".join(
        f"{label}: {len(kl)} dimensions, total {np.sum(kl):.1f} nats, largest {np.max(kl):.1f}, "
        f"{int(np.sum(np.asarray(kl) > 0.1))} above 0.1 nats"
        for label, kl in kl_by_label.items()
    )
    return alt_text.describe(
        figure,
        f"{title}: bar charts of the mean KL of each latent dimension, sorted largest first, "
        f"one panel per model. {panels}.",
    )


def gradient_estimates(
    estimates, exact, bins=80, title="Single-draw estimates of one gradient"
):
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
    bins = check_integer("bins", bins, minimum=1, maximum=MAX_BINS)
    exact = check_number("exact", exact)
    _check_mapping(
        "estimates", estimates, "a non-empty dict of name to estimates"
    )
    values = {
        name: check_array(
            "estimates", np.ravel(value), shape=(None,)
        ).astype(float)
        for name, value in estimates.items()
    }
    low, high = np.percentile(
        np.concatenate(list(values.values())), [1, 99]
    )
    edges = np.linspace(min(low, exact), max(high, exact), bins + 1)
    figure = Figure(figsize=(6, 3))
    axis = figure.subplots()
    for name, value in values.items():
        axis.hist(
            value,
            bins=edges,
            density=True,
            alpha=0.55,
            label=f"{name} (variance {value.var():.3g})",
        )
    axis.axvline(
        exact, color="black", linewidth=1, label=f"exact gradient {exact:g}"
    )
    axis.set_xlabel("estimate from one draw of z")
    axis.set_ylabel("density")
    axis.set_title(title)
    axis.legend(fontsize=8)
    figure.tight_layout()
    summaries = "; ".join(
        f"{name}: mean {_number(value.mean(), 2)}, variance {value.var():.3g}"
        for name, value in values.items()
    )
    text = (
        f"{title}: overlaid histograms of {' and '.join(values)} estimates, "
        f"with a vertical line at the exact gradient {exact:g}. {summaries}."
    )
    if len(values) >= 2:
        variances = {name: value.var() for name, value in values.items()}
        narrow, wide = (
            min(variances, key=variances.get),
            max(variances, key=variances.get),
        )
        if variances[narrow] > 0:
            text += f" The {wide} estimates vary {variances[wide] / variances[narrow]:.0f} times as much as the {narrow} ones."
    return alt_text.describe(figure, text)


def aggregate_posterior(
    z, labels, title="Codes of the test digits against the prior N(0, I)"
):
    """The aggregate posterior q(z) (codes of many digits) against the prior N(0, I).

    Left: the 2-D codes coloured by digit, with the circles of radius 1, 2 and 3
    that hold 39%, 86% and 99% of the prior's mass. Right: the histogram of each
    coordinate of the codes against the density of N(0, 1). Where the codes leave
    holes the prior still samples, the decoder draws blends.

    Parameters
    ----------
    z : array, shape (n, 2)
        Codes, e.g. one sample of each test digit's q(z | x), or its z_mean.
    labels : array, int, shape (n,)
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    check_array("z", z, shape=(None, 2))  # finite, (n, 2)
    z = np.asarray(z, dtype=float)  # described in float64, as given
    labels = _check_labels(labels, len(z))
    figure = Figure(figsize=(10, 4.2))
    scatter_axis, histogram_axis = figure.subplots(
        1, 2, width_ratios=(1.1, 1)
    )
    angle = np.linspace(0, 2 * np.pi, 200)
    for radius in (1, 2, 3):
        scatter_axis.plot(
            radius * np.cos(angle),
            radius * np.sin(angle),
            color="black",
            linewidth=0.8,
            linestyle="--",
            label="prior: radius 1, 2, 3" if radius == 1 else None,
        )
    for digit in range(NUM_CLASSES):
        chosen = labels == digit
        scatter_axis.scatter(
            z[chosen, 0],
            z[chosen, 1],
            s=4,
            color=DIGIT_COLORS[digit],
            label=str(digit),
        )
    scatter_axis.set_aspect("equal")
    scatter_axis.set_xlabel("$z_1$")
    scatter_axis.set_ylabel("$z_2$")
    scatter_axis.legend(
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        markerscale=2,
    )
    limit = max(3.5, float(np.abs(z).max()) * 1.05)
    grid = np.linspace(-limit, limit, 200)
    edges = np.linspace(-limit, limit, 41)
    for dimension, color in ((0, "tab:blue"), (1, "tab:orange")):
        histogram_axis.hist(
            z[:, dimension],
            bins=edges,
            density=True,
            alpha=0.5,
            color=color,
            label=f"codes' $z_{dimension + 1}$ (std {z[:, dimension].std():.2f})",
        )
    histogram_axis.plot(
        grid,
        np.exp(-(grid**2) / 2) / np.sqrt(2 * np.pi),
        color="black",
        label="prior N(0, 1)",
    )
    histogram_axis.set_xlabel("value of the coordinate")
    histogram_axis.set_ylabel("density")
    histogram_axis.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    outside = float(np.mean(np.linalg.norm(z, axis=1) > 2))
    return alt_text.describe(
        figure,
        f"Left: scatter of {len(z):,} codes coloured by digit over dashed circles of radius 1, 2 and 3 "
        f"of the prior N(0, I); {outside:.0%} of the codes lie outside radius 2, where the prior puts 14% "
        f"of its mass. Right: histograms of z1 and z2 (standard deviations {z[:, 0].std():.1f} and "
        f"{z[:, 1].std():.1f}) against the N(0, 1) density.",
    )


def rate_distortion_with_values(
    scores, title="Rate and distortion on the test digits"
):
    """Each model as a labelled point with its values, and lines of equal negative ELBO.

    Each model's rate R (KL), distortion D (reconstruction) and negative ELBO
    R + D are written beside its point, with a
    dashed line of equal negative ELBO through each point, so that models with nearly
    equal ELBOs but very different rates (Alemi et al., 2018) can be read off.

    Parameters
    ----------
    scores : dict of str to evaluation.HeldOutScore
        A label per model, e.g. ``"β 2"``.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    _check_mapping(
        "scores",
        scores,
        "a non-empty dict of label to evaluation.HeldOutScore",
    )
    for label, score in scores.items():
        parts = [
            getattr(score, name, None)
            for name in ("kl", "reconstruction", "negative_elbo")
        ]
        expected = (
            "scores with a finite kl >= 0, reconstruction >= 0 and negative_elbo = "
            "reconstruction + kl (evaluation.held_out_score's)"
        )
        if not all(
            isinstance(part, (int, float, np.number)) for part in parts
        ):
            raise TypeError(message(f"scores[{label!r}]", expected, score))
        kl, reconstruction, negative_elbo = (float(part) for part in parts)
        if (
            not all(map(math.isfinite, (kl, reconstruction, negative_elbo)))
            or kl < 0
            or reconstruction < 0
            or abs(reconstruction + kl - negative_elbo)
            > 1e-3 * max(1.0, abs(negative_elbo))
        ):
            raise ValueError(message(f"scores[{label!r}]", expected, score))
    figure = Figure(figsize=(7, 5))
    axes = figure.subplots()
    rates = np.array([score.kl for score in scores.values()])
    distortions = np.array(
        [score.reconstruction for score in scores.values()]
    )
    totals = rates + distortions
    low_rate, high_rate = 0.0, rates.max() * 1.25 + 5
    low_distortion = distortions.min() - 10
    high_distortion = distortions.max() + 10
    for (
        total
    ) in totals:  # one line of equal negative ELBO through each model
        rate = np.array([low_rate, high_rate])
        axes.plot(
            rate, total - rate, color="lightgray", linestyle="--", zorder=1
        )
    colors = matplotlib.colormaps["tab10"].colors
    for index, (label, score) in enumerate(scores.items()):
        color = colors[index % len(colors)]
        axes.scatter(
            score.kl, score.reconstruction, color=color, s=40, zorder=3
        )
        axes.annotate(
            f"{label}\nR {score.kl:.1f}, D {score.reconstruction:.1f}, -ELBO {score.negative_elbo:.1f}",
            (score.kl, score.reconstruction),
            textcoords="offset points",
            xytext=(7, -4),
            fontsize=8,
            color=color,
        )
    axes.set_xlim(low_rate, high_rate)
    axes.set_ylim(low_distortion, high_distortion)
    axes.set_xlabel("rate R: KL (nats per digit)")
    axes.set_ylabel("distortion D: reconstruction (nats per digit)")
    axes.set_title(title)
    figure.tight_layout()
    best = min(scores, key=lambda label: scores[label].negative_elbo)
    points = "; ".join(
        f"{label}: rate {score.kl:.1f}, distortion {score.reconstruction:.1f}, negative ELBO {score.negative_elbo:.1f}"
        for label, score in scores.items()
    )
    return alt_text.describe(
        figure,
        f"Rate-distortion plot of {len(scores)} models, rate (KL) across and distortion (reconstruction) "
        f"up, with a dashed line of equal negative ELBO through each. {points}. Lowest negative ELBO: {best}.",
    )


def labelled_image_rows(
    rows,
    title=None,
    cell_size=0.9,
    notes=None,
    description=None,
    compact=False,
):
    """Rows of digits, each named at its left, each image in a thin frame.

    E.g. originals above two models' reconstructions. The frames show where every
    image is, so a blank decoded digit reads as a blank image, not as a missing one.

    Parameters
    ----------
    rows : dict of str to array, each of shape (num_columns, 784) or (num_columns, 28, 28)
        Row label -> its images, top to bottom in the dict's order; every row has the
        same number of images.
    title : str, optional
    cell_size : float, default 0.9
        Inches per image.
    notes : dict of str to str, optional
        A short note for some rows (e.g. ``"largest pixel 0.01: nearly blank"``),
        written under the row's label.
    description : str, optional
        What the rows show, for the alternative text (e.g. "the MLP's
        reconstructions are blurrier than the conv's"); by default the labels.
    compact : bool, default False
        Short labels: a narrow label column (1.2 inches, not 2.2), black frames and
        slightly larger labels.

    Returns
    -------
    figure : matplotlib.figure.Figure
        With its alternative text.
    """
    _check_mapping("rows", rows, "a non-empty dict of row label to images")
    images_by_row = {
        label: _as_images(images, f"rows[{label!r}]")
        for label, images in rows.items()
    }
    num_columns = len(next(iter(images_by_row.values())))
    if any(len(images) != num_columns for images in images_by_row.values()):
        raise ValueError(
            message(
                "rows",
                f"rows of {num_columns} images each",
                {
                    label: len(images)
                    for label, images in images_by_row.items()
                },
            )
        )
    cell_size = check_number(
        "cell_size", cell_size, minimum=0, maximum=10, above=True
    )  # inches
    if notes is not None and not isinstance(notes, dict):
        raise TypeError(
            message("notes", "a dict of row label to text", notes)
        )
    if description is not None and not isinstance(description, str):
        raise TypeError(message("description", "a string", description))
    if not isinstance(compact, (bool, np.bool_)):
        raise TypeError(message("compact", "True or False", compact))
    notes = dict(notes or {})
    if compact:
        label_width, row_height = 1.2, cell_size + 0.1  # inches
        frame_color, font = "black", {"fontsize": 9}
    else:
        label_width, row_height = 2.2, cell_size
        frame_color, font = "lightgray", {"fontsize": 8, "labelpad": 6}
    figure = Figure(
        figsize=(
            num_columns * cell_size + label_width,
            len(rows) * row_height + (0.4 if title else 0),
        )
    )
    for axis, (label, images) in zip(
        figure.subplots(len(rows), 1, squeeze=False)[:, 0],
        images_by_row.items(),
    ):
        _draw_tiles(axis, images, frame_color=frame_color)
        text = label + (f"\n{notes[label]}" if label in notes else "")
        axis.set_ylabel(text, rotation=0, ha="right", va="center", **font)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    if description is not None:
        text = (
            f"{len(rows)} rows of {num_columns} digits "
            f"({', '.join(images_by_row)}); {description}"
        )
    else:
        described = "; ".join(
            f"{label}" + (f" ({notes[label]})" if label in notes else "")
            for label in images_by_row
        )
        text = f"{len(rows)} labelled rows of {num_columns} digit images, each in a thin frame: {described}."
    return alt_text.describe(figure, text)
