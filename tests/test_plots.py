import matplotlib.figure
import numpy as np
import pytest

from vae_lessons import evaluation, plots


def test_image_grid_accepts_flat_and_square_images():
    images = np.random.default_rng(0).random((12, 784))
    figure = plots.image_grid(images, num_columns=5, titles=[str(i) for i in range(12)], title="digits")
    assert isinstance(figure, matplotlib.figure.Figure)
    assert len(figure.axes) == 3  # one per row of 5
    last_row = figure.axes[2].images[0].get_array()  # (28, 5 * 28 + 4 gaps)
    assert last_row.shape == (28, 5 * 28 + 4 * plots.TILE_GAP)
    assert np.isnan(last_row.filled(np.nan)[:, 2 * (28 + plots.TILE_GAP) :]).all()  # the last 3 cells stay empty
    assert [text.get_text() for text in figure.axes[2].texts] == ["10", "11"]
    assert plots.image_grid(images.reshape(12, 28, 28)).axes


def test_tiles_hold_each_digit_exactly_where_it_belongs():
    images = np.random.default_rng(0).random((7, 28, 28), dtype=np.float32)
    row = plots.image_grid(images, num_columns=7).axes[0].images[0].get_array()  # (28, 7 * 28 + 6 gaps)
    for index, image in enumerate(images):
        left = index * (28 + plots.TILE_GAP)
        np.testing.assert_array_equal(row[:, left : left + 28], image)
        if index:  # the gap before it is empty
            assert row.mask[:, left - plots.TILE_GAP : left].all()


def test_image_grid_rejects_wrong_shapes_and_titles():
    with pytest.raises(ValueError, match=r"argument `images`. Expected an array of shape \(n, 784\) or \(n, 28, 28\). Received: images.shape=\(3, 100\)"):
        plots.image_grid(np.zeros((3, 100)))
    with pytest.raises(ValueError, match="argument `titles`. Expected 2 titles"):
        plots.image_grid(np.zeros((2, 784)), titles=["a"])


def test_latent_scatter_has_one_series_per_digit():
    z = np.random.default_rng(0).normal(size=(50, 2))
    figure = plots.latent_scatter(z, np.arange(50) % 10)
    assert len(figure.axes[0].collections) == 10
    with pytest.raises(ValueError, match=r"argument `z`. Expected a finite array of shape \(n, 2\)"):
        plots.latent_scatter(np.zeros((5, 3)), np.zeros(5, int))


def test_normal_quantile_grid_is_symmetric_and_ordered():
    z = plots.normal_quantile_grid(5)
    assert z.shape == (25, 2) and z.dtype == np.float32
    np.testing.assert_allclose(z[:5, 0], -z[:5, 0][::-1], atol=1e-6)  # symmetric about 0
    assert z[0, 1] > z[-1, 1]  # top row has the largest z_2
    np.testing.assert_allclose(z[12], [0.0, 0.0], atol=1e-6)  # the median in the middle
    with pytest.raises(ValueError, match="argument `num_points`. Expected an integer between 2 and 100"):
        plots.normal_quantile_grid(1)


def test_manifold_and_interpolation_and_comparison():
    assert plots.manifold(np.zeros((9, 784)), 3).axes
    with pytest.raises(ValueError, match=r"argument `images`. Expected num_points\*\*2 = 9 images"):
        plots.manifold(np.zeros((8, 784)), 3)
    assert len(plots.interpolation_strip(np.zeros((7, 784))).axes) == 1  # one row of 7
    comparison = plots.comparison_grid(np.zeros((4, 784)), np.ones((4, 784)))
    assert [axis.get_title(loc="left") for axis in comparison.axes] == ["original", "reconstruction"]
    assert comparison.axes[1].images[0].get_array().max() == 1


def test_samples_vs_normal():
    z = np.random.default_rng(0).normal(size=(500, 2))
    figure = plots.samples_vs_normal(z, mean=[0.0, 0.0], std=[1.0, 1.0])
    assert len(figure.axes) == 2 and len(figure.axes[0].lines) == 1
    with pytest.raises(ValueError, match="argument `mean`"):
        plots.samples_vs_normal(z, mean=[0.0], std=[1.0])


def test_figures_are_standalone_not_pyplot_managed():
    import matplotlib.pyplot as plt

    plots.image_grid(np.zeros((2, 784)))
    assert plt.get_fignums() == []  # nothing left for pyplot to display twice


def test_loss_curves():
    history = {"loss": [3.0, 2.0], "val_loss": [3.5, 2.5], "reconstruction": [2.0, 1.5], "kl": [1.0, 0.5]}
    figure = plots.loss_curves(history)
    assert len(figure.axes) == 3 and len(figure.axes[0].lines) == 2
    with pytest.raises(ValueError, match="argument `names`. Expected keys of history"):
        plots.loss_curves({"loss": [1.0]})


def test_lesson_7_figures():
    figures = [
        plots.bound_vs_samples([1, 10, 100], [125.0, 122.0, 121.0], 126.0),
        plots.kl_per_dimension({"a": np.array([0.1, 2.0]), "b": np.array([1.0, 1.0, 0.0])}),
    ]
    assert all(len(figure.axes) >= 1 for figure in figures)
    with pytest.raises(ValueError, match="argument `negative_log_likelihoods`"):
        plots.bound_vs_samples([1, 10], [1.0], 2.0)


# --- alternative text: every figure says what it shows (issue #15) ------------------


def _described(figure):
    from vae_lessons.alt_text import alt_text

    text = alt_text(figure)
    assert isinstance(text, str) and text.strip(), "the figure has no alternative text"
    assert not text.lower().endswith((".png", ".svg")) and "Figure size" not in text
    return text


def test_image_grid_describes_its_digits_and_captions():
    text = _described(plots.image_grid(np.zeros((12, 784)), num_columns=5, titles=[f"label {i % 10}" for i in range(12)], title="digits"))
    assert text.startswith("Grid of 12 digit images, 3 rows of up to 5, titled 'digits'")
    assert "label 0, label 1" in text and "label 1." in text  # every caption, in reading order
    many = _described(plots.image_grid(np.zeros((30, 784)), titles=[str(i) for i in range(30)]))
    assert "... (30 in all)" in many  # long caption lists are cut, and say so


def test_comparison_grid_describes_the_reconstruction_error():
    originals = np.zeros((4, 784))
    reconstructions = np.zeros((4, 784))
    reconstructions[2] = 0.5  # the third digit is reconstructed worst: off by 0.5 everywhere
    text = _described(plots.comparison_grid(originals, reconstructions))
    assert "4 digits in the top row above their reconstructions" in text
    assert "0.12 away from the original" in text  # 0.5 / 4
    assert "(0 to 1 scale), 0.50 for the worst digit." in text


def test_latent_scatter_names_the_farthest_classes():
    labels = np.repeat(np.arange(10), 10)  # 10 points per digit
    centres = np.stack([np.arange(10) * 1.0, np.zeros(10)], axis=1)  # digit d at z1 = d ...
    centres[9, 0] = 8.5  # ... except the 9s, next to the 8s
    z = centres[labels] + np.random.default_rng(0).normal(scale=0.01, size=(100, 2))
    text = _described(plots.latent_scatter(z, labels, title="Codes"))
    assert text.startswith("Codes: scatter of 100 points")
    assert "z2 up (from 0 to 0)" in text  # the axes' extent in whole units, never "-0"
    assert "The 0s and 9s have the farthest-apart centres, at z1 = 0.0 and 8.5." in text


def test_manifold_describes_its_grid():
    text = _described(plots.manifold(np.zeros((9, 784)), 3, title="Decoded"))
    assert text.startswith("Decoded: a 3 by 3 grid of decoded digits")


def test_interpolation_strip_finds_its_largest_step():
    images = np.zeros((4, 784))
    images[3] = 1.0  # the jump is between images 3 and 4
    text = _described(plots.interpolation_strip(images))
    assert "a row of 4 digits" in text
    assert "differ by 0.33 per pixel on average (0 to 1 scale), 1.00 at the largest change" in text


def test_samples_vs_normal_reports_the_sample_moments():
    z = np.stack([np.full(100, 2.0), np.tile([-1.0, 1.0], 50)], axis=1)  # means 2 and 0, stds 0 and 1
    text = _described(plots.samples_vs_normal(z, mean=[2.0, 0.0], std=[0.5, 1.0]))
    assert "Histograms of 100 samples" in text
    assert "dimension 1: sample mean 2.00 and standard deviation 0.00, against N(2, 0.5 squared)" in text
    assert "dimension 2: sample mean 0.00 and standard deviation 1.00, against N(0, 1 squared)" in text


def test_loss_curves_describe_first_and_last_values():
    history = {"loss": [3.0, 2.5, 2.0], "val_loss": [3.5, 3.0, 2.75], "kl": [1.0, 0.75, 0.5]}
    text = _described(plots.loss_curves(history, names=("loss", "kl")))
    assert "Line plots of loss, kl (nats per digit) against epoch, 3 epochs" in text
    assert "loss: training from 3.0 to 2.0, validation from 3.5 to 2.8" in text
    assert "kl: training from 1.0 to 0.5." in text


def test_lesson_7_figures_describe_their_numbers():
    bound = _described(plots.bound_vs_samples([1, 10, 100], [125.0, 122.0, 121.0], 126.0))
    assert "125.0 at k = 1, 122.0 at k = 10, 121.0 at k = 100" in bound and "negative ELBO, 126.0 nats" in bound
    kl = _described(plots.kl_per_dimension({"a": np.array([0.05, 2.0]), "b": np.array([1.0, 1.0, 0.0])}))
    assert "a: 2 dimensions, total 2.0 nats, largest 2.0, 1 above 0.1 nats" in kl
    assert "b: 3 dimensions, total 2.0 nats, largest 1.0, 2 above 0.1 nats" in kl


def test_gradient_estimates_compare_the_variances():
    estimates = {"wide": np.tile([-10.0, 10.0], 50), "narrow": np.tile([-1.0, 1.0], 50)}  # variances 100 and 1
    text = _described(plots.gradient_estimates(estimates, exact=0.0, title="Estimates"))
    assert text.startswith("Estimates: overlaid histograms of wide and narrow estimates")
    assert "exact gradient 0" in text and "wide: mean 0.00, variance 100" in text
    assert "The wide estimates vary 100 times as much as the narrow ones." in text


def test_every_figure_function_describes_its_figure():
    """A figure function added later without alternative text fails here."""
    import inspect

    score = evaluation.HeldOutScore(negative_elbo=120.0, reconstruction=100.0, kl=20.0, standard_error=1.0, num_digits=10)
    calls = {
        "image_grid": lambda: plots.image_grid(np.zeros((2, 784))),
        "comparison_grid": lambda: plots.comparison_grid(np.zeros((2, 784)), np.zeros((2, 784))),
        "latent_scatter": lambda: plots.latent_scatter(np.zeros((2, 2)), np.array([0, 1])),
        "manifold": lambda: plots.manifold(np.zeros((4, 784)), 2),
        "interpolation_strip": lambda: plots.interpolation_strip(np.zeros((2, 784))),
        "samples_vs_normal": lambda: plots.samples_vs_normal(np.zeros((3, 1)), [0.0], [1.0]),
        "loss_curves": lambda: plots.loss_curves({"loss": [1.0]}, names=("loss",)),
        "bound_vs_samples": lambda: plots.bound_vs_samples([1], [1.0], 2.0),
        "rate_distortion_with_values": lambda: plots.rate_distortion_with_values({"a": score}),
        "kl_per_dimension": lambda: plots.kl_per_dimension({"a": np.array([1.0])}),
        "gradient_estimates": lambda: plots.gradient_estimates({"a": np.tile([1.0, 2.0], 50)}, exact=1.5),
    }
    for name, call in calls.items():
        assert _described(call()), name
    returns_figure = [
        name for name, function in inspect.getmembers(plots, inspect.isfunction)
        if function.__module__ == plots.__name__ and not name.startswith("_")
        and "figure : matplotlib.figure.Figure" in (function.__doc__ or "")
    ]
    assert set(calls) <= set(returns_figure)
def test_aggregate_posterior_draws_codes_prior_and_histograms():
    from vae_lessons import alt_text

    rng = np.random.default_rng(0)
    z = rng.normal(scale=1.5, size=(200, 2))
    labels = np.arange(200) % 10
    figure = plots.aggregate_posterior(z, labels)
    scatter_axis, histogram_axis = figure.axes
    assert len(scatter_axis.collections) == 10  # one series per digit
    assert len(scatter_axis.lines) == 3  # the prior's circles of radius 1, 2, 3
    assert len(histogram_axis.patches) == 2 * 40  # two histograms of 40 bins
    outside = np.mean(np.linalg.norm(z, axis=1) > 2)
    assert f"{outside:.0%} of the codes lie outside radius 2" in alt_text.alt_text(figure)
    with pytest.raises(ValueError, match="Invalid value received for argument `z`"):
        plots.aggregate_posterior(np.zeros((5, 3)), np.zeros(5))
    labels_message = r"Invalid value received for argument `labels`. Expected integer digit labels 0..9, an array of shape \(5,\)"
    with pytest.raises(ValueError, match=labels_message):
        plots.aggregate_posterior(np.zeros((5, 2)), np.zeros(4, int))  # one label short
    with pytest.raises(TypeError, match=labels_message):
        plots.aggregate_posterior(np.zeros((5, 2)), np.zeros(5))  # float labels


def test_manifold_axes_show_the_grid_values():
    values = np.array([-1.0, 0.0, 1.0])
    axis = plots.manifold(np.zeros((9, 784)), 3, values=values).axes[0]
    assert axis.axison
    assert [label.get_text() for label in axis.get_xticklabels()] == ["-1", "0", "1"]
    assert [label.get_text() for label in axis.get_yticklabels()] == ["1", "0", "-1"]
    assert not plots.manifold(np.zeros((9, 784)), 3).axes[0].axison
    with pytest.raises(ValueError, match="Invalid value received for argument `values`"):
        plots.manifold(np.zeros((9, 784)), 3, values=[0.0, 1.0])



def test_alt_text_survives_ipywidgets_importing_the_inline_backend():
    """ipywidgets' interact imports matplotlib-inline, whose first import resets
    IPython's figure formats; the figure shown by interact keeps its alt text."""
    import os
    import subprocess
    import sys

    script = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
import numpy as np
from vae_lessons import alt_text, plots
from matplotlib_inline.backend_inline import flush_figures  # what interact does
figure = alt_text.describe(plots.image_grid(np.zeros((1, 784))), "one blank digit")
data, metadata = shell.display_formatter.format(figure)
print(metadata["image/png"]["alt"], "|", data["text/plain"])
"""
    environment = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=environment, check=True)
    assert result.stdout.strip() == "one blank digit | one blank digit"
def test_lesson_8_figures_show_their_values_and_describe_them():
    from vae_lessons import alt_text

    score = evaluation.HeldOutScore(negative_elbo=120.0, reconstruction=100.0, kl=20.0, standard_error=1.0, num_digits=10)
    other = evaluation.HeldOutScore(negative_elbo=121.0, reconstruction=116.0, kl=5.0, standard_error=1.0, num_digits=10)
    figure = plots.rate_distortion_with_values({"β 1": score, "β 4": other})
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert "β 1\nR 20.0, D 100.0, -ELBO 120.0" in texts and len(figure.axes[0].lines) == 2
    assert "Lowest negative ELBO: β 1" in alt_text.alt_text(figure)
    with pytest.raises(ValueError, match=r"argument `scores`. Expected a non-empty dict.*Received: scores=\{\}"):
        plots.rate_distortion_with_values({})

    rows = {"test digits": np.ones((3, 784)), "as written": np.zeros((3, 28, 28))}
    figure = plots.labelled_image_rows(rows, title="t", notes={"as written": "nearly blank"})
    assert len(figure.axes) == 2  # one per row
    assert figure.axes[1].get_ylabel() == "as written\nnearly blank"
    assert len(figure.axes[1].collections[0].get_paths()) == 3  # a frame around each blank digit
    assert "as written (nearly blank)" in alt_text.alt_text(figure)
    with pytest.raises(ValueError, match="argument `rows`"):
        plots.labelled_image_rows({"a": np.ones((3, 784)), "b": np.ones((2, 784))})
    with pytest.raises(ValueError, match="argument `rows`"):
        plots.labelled_image_rows({})
