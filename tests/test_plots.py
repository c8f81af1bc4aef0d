import matplotlib.figure
import numpy as np
import pytest

from vae_lessons import evaluation, plots


def test_image_grid_accepts_flat_and_square_images():
    images = np.random.default_rng(0).random((12, 784))
    figure = plots.image_grid(images, num_columns=5, titles=[str(i) for i in range(12)], title="digits")
    assert isinstance(figure, matplotlib.figure.Figure)
    assert len(figure.axes) == 15  # 3 rows of 5; the last 3 cells stay empty
    assert plots.image_grid(images.reshape(12, 28, 28)).axes


def test_image_grid_rejects_wrong_shapes_and_titles():
    with pytest.raises(ValueError, match=r"argument `images`. Expected an array of shape \(n, 784\) or \(n, 28, 28\). Received: images=\(3, 100\)"):
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
    assert len(plots.interpolation_strip(np.zeros((7, 784))).axes) == 7
    assert len(plots.comparison_grid(np.zeros((4, 784)), np.zeros((4, 784))).axes) == 8


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
    score = evaluation.HeldOutScore(negative_elbo=120.0, reconstruction=100.0, kl=20.0, standard_error=1.0, num_digits=10)
    other = evaluation.HeldOutScore(negative_elbo=160.0, reconstruction=155.0, kl=5.0, standard_error=1.0, num_digits=10)
    figures = [
        plots.bound_vs_samples([1, 10, 100], [125.0, 122.0, 121.0], 126.0),
        plots.rate_distortion({"a": score, "b": other}),
        plots.kl_per_dimension({"a": np.array([0.1, 2.0]), "b": np.array([1.0, 1.0, 0.0])}),
    ]
    assert all(len(figure.axes) >= 1 for figure in figures)
    with pytest.raises(ValueError, match="argument `negative_log_likelihoods`"):
        plots.bound_vs_samples([1, 10], [1.0], 2.0)
    with pytest.raises(ValueError, match="non-empty"):
        plots.rate_distortion({})
