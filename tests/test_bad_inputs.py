"""A hostile student's inputs to every public function: a clear error or a right answer.

The argument checks themselves (what counts as a number, the message's shape) are tested
once, thoroughly, in tests/test_validation.py. Here each public function gets one value
of the wrong type and one out of range or of the wrong shape (more where a function must
refuse something specific: 0..255 pixels where [0, 1] is expected, NaN latents), and must
raise a ``TypeError`` or ``ValueError`` that names the argument, from the package itself:
never an error from inside NumPy or Keras, never a silently wrong result. ``ACCEPTED``
holds the borderline inputs that must work (NumPy scalars count as numbers, empty arrays
where an empty answer is right).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import keras

from vae_lessons import (
    architectures,
    data,
    distributed,
    evaluation,
    losses,
    models,
    plots,
    registry,
    sampling,
    saving,
    training,
    widgets,
)

LATENT_DIM = 2


@functools.cache
def small_vae():
    """A tiny untrained VAE (2-8-2): enough to check arguments, built once."""
    training.set_seed(0)
    return models.build_vae(latent_dim=LATENT_DIM, hidden_units=8, seed=0)


@functools.cache
def explorer():
    return widgets.LatentExplorer(small_vae(), examples=DIGITS[:3], labels=np.array([0, 1, 2]))


def with_nan(array, value=np.nan):
    array = np.array(array, dtype=np.float32)
    array.flat[0] = value
    return array


DIGITS = np.full((4, 784), 0.5, np.float32)
PIXELS_0_255 = np.full((2, 784), 255.0)  # digits as loaded, not yet scaled to [0, 1]
Z = np.zeros((4, LATENT_DIM), np.float32)
LABELS = np.array([0, 1, 2, 3])
UINT8_IMAGES = np.zeros((4, 28, 28), np.uint8)
SCORE = evaluation.HeldOutScore(negative_elbo=150.0, reconstruction=140.0, kl=10.0, standard_error=1.0, num_digits=4)
HISTORY = {"loss": [3.0, 2.0], "reconstruction": [2.5, 1.5], "kl": [0.5, 0.5]}

# For each public function, the bad calls it must refuse: (what the message must name
# (the argument, or the file), the bad value in words, the call). First a value of the
# wrong type, then one out of range or of the wrong shape.
REFUSALS = {
    # --- evaluation
    "evaluation.check_digits": [
        ("x", "a string", lambda: evaluation.check_digits("digits")),
        ("x", "783 pixels", lambda: evaluation.check_digits(np.zeros((3, 783)))),
        ("x", "0..255 pixels", lambda: evaluation.check_digits(PIXELS_0_255)),
    ],
    "evaluation.held_out_score": [
        ("vae", "the decoder alone", lambda: evaluation.held_out_score(small_vae().decoder, DIGITS)),
        ("x", "0..255 pixels", lambda: evaluation.held_out_score(small_vae(), PIXELS_0_255)),
        ("seed", "-1", lambda: evaluation.held_out_score(small_vae(), DIGITS, seed=-1)),
    ],
    "evaluation.elbo_terms": [
        ("x", "None", lambda: evaluation.elbo_terms(small_vae(), None)),
        ("x", "NaN", lambda: evaluation.elbo_terms(small_vae(), with_nan(DIGITS))),
    ],
    "evaluation.importance_weighted_log_likelihood": [
        ("num_samples", "2.5", lambda: evaluation.importance_weighted_log_likelihood(small_vae(), DIGITS, 2.5)),
        ("num_samples", "0", lambda: evaluation.importance_weighted_log_likelihood(small_vae(), DIGITS, 0)),
        ("max_rows", "0", lambda: evaluation.importance_weighted_log_likelihood(small_vae(), DIGITS, 2, max_rows=0)),
    ],
    "evaluation.mean_kl_per_dimension": [
        ("z_mean", "a string", lambda: evaluation.mean_kl_per_dimension("z", Z)),
        ("z_log_var", "another latent_dim", lambda: evaluation.mean_kl_per_dimension(Z, np.zeros((4, 3)))),
    ],
    "evaluation.latent_activity": [
        ("z_mean", "None", lambda: evaluation.latent_activity(None)),
        ("z_mean", "one digit", lambda: evaluation.latent_activity(Z[:1])),
    ],
    "evaluation.active_dimensions": [
        ("threshold", "a string", lambda: evaluation.active_dimensions(Z, "1")),
        ("threshold", "-0.1", lambda: evaluation.active_dimensions(Z, -0.1)),
    ],
    "evaluation.noise": [
        ("seed", "0.5", lambda: evaluation.noise(0.5, 0, 2, 1, 2)),
        ("latent_dim", "0", lambda: evaluation.noise(0, 0, 2, 1, 0)),
    ],
    "evaluation.paired_difference": [
        ("a", "None", lambda: evaluation.paired_difference(None, [1.0, 2.0])),
        ("b", "fewer values", lambda: evaluation.paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])),
    ],
    # --- plots
    "plots.image_grid": [
        ("images", "a string", lambda: plots.image_grid("digits")),
        ("images", "783 pixels", lambda: plots.image_grid(np.zeros((3, 783)))),
        ("num_columns", "0", lambda: plots.image_grid(DIGITS, num_columns=0)),
    ],
    "plots.comparison_grid": [
        ("originals", "None", lambda: plots.comparison_grid(None, DIGITS)),
        ("reconstructions", "fewer digits", lambda: plots.comparison_grid(DIGITS, DIGITS[:2])),
    ],
    "plots.latent_scatter": [
        ("labels", "strings", lambda: plots.latent_scatter(Z, np.array(["0", "1", "2", "3"]))),
        ("labels", "label 10", lambda: plots.latent_scatter(Z, np.array([0, 1, 2, 10]))),
        ("z", "another latent_dim", lambda: plots.latent_scatter(np.zeros((4, 3)), LABELS)),
    ],
    "plots.normal_quantile_grid": [
        ("num_points", "2.5", lambda: plots.normal_quantile_grid(2.5)),
        ("num_points", "1", lambda: plots.normal_quantile_grid(1)),
    ],
    "plots.manifold": [
        ("size", "a string", lambda: plots.manifold(DIGITS, 2, size="1")),
        ("images", "3 images for a 2 by 2 grid", lambda: plots.manifold(DIGITS[:3], 2)),
    ],
    "plots.interpolation_strip": [
        ("images", "None", lambda: plots.interpolation_strip(None)),
        ("images", "no rows", lambda: plots.interpolation_strip(np.zeros((0, 784)))),
    ],
    "plots.samples_vs_normal": [
        ("mean", "a string", lambda: plots.samples_vs_normal(Z, "ab", [1, 1])),
        ("std", "a zero", lambda: plots.samples_vs_normal(Z, [0, 0], [1, 0])),
    ],
    "plots.loss_curves": [
        ("history", "a list", lambda: plots.loss_curves([1.0, 2.0])),
        ("history", "curves of different lengths", lambda: plots.loss_curves({**HISTORY, "val_loss": [1.0]})),
    ],
    "plots.bound_vs_samples": [
        ("sample_counts", "strings", lambda: plots.bound_vs_samples(["1", "10"], [100.0, 99.0], 101.0)),
        ("negative_log_likelihoods", "NaN", lambda: plots.bound_vs_samples([1, 10], [math.nan, 99.0], 101.0)),
    ],
    "plots.kl_per_dimension": [
        ("kl_by_label", "a list", lambda: plots.kl_per_dimension([np.ones(2)])),
        ("kl_by_label", "NaN", lambda: plots.kl_per_dimension({"a": np.array([1.0, math.nan])})),
    ],
    "plots.gradient_estimates": [
        ("estimates", "a list", lambda: plots.gradient_estimates([np.ones(3)], 1.0)),
        ("bins", "0", lambda: plots.gradient_estimates({"a": np.ones(3)}, 1.0, bins=0)),
    ],
    "plots.aggregate_posterior": [
        ("z", "a string", lambda: plots.aggregate_posterior("z", LABELS)),
        ("labels", "fewer labels", lambda: plots.aggregate_posterior(Z, LABELS[:3])),
    ],
    "plots.rate_distortion_with_values": [
        ("scores", "a list", lambda: plots.rate_distortion_with_values([SCORE])),
        ("scores", "a NaN score", lambda: plots.rate_distortion_with_values({"a": evaluation.HeldOutScore(math.nan, 1.0, 1.0, 1.0, 4)})),
    ],
    # --- widgets
    "widgets.gray_levels": [
        ("x_reconstructed", "a string", lambda: widgets.gray_levels("a")),
        ("x_reconstructed", "255", lambda: widgets.gray_levels(np.array([255.0]))),
    ],
    "widgets.most_active_dimensions": [
        ("count", "1.5", lambda: widgets.most_active_dimensions(Z + np.arange(4)[:, None], 1.5)),
        ("count", "more than latent_dim", lambda: widgets.most_active_dimensions(Z + np.arange(4)[:, None], LATENT_DIM + 1)),
    ],
    "widgets.slider_label": [
        ("index", "a string", lambda: widgets.slider_label("1")),
        ("index", "-1", lambda: widgets.slider_label(-1)),
    ],
    "widgets.quantize_columns": [
        ("kernel", "a string", lambda: widgets.quantize_columns("k")),
        ("kernel", "a vector", lambda: widgets.quantize_columns(np.ones(3))),
    ],
    "widgets.decode_with_packed_weights": [
        ("packed", "a string", lambda: widgets.decode_with_packed_weights("packed", Z)),
        ("z", "NaN", lambda: widgets.decode_with_packed_weights(widgets.pack_decoder_weights(small_vae().decoder), with_nan(Z))),
    ],
    "widgets.LatentExplorer": [
        ("decoder", "a string", lambda: widgets.LatentExplorer("vae")),
        ("z_range", "1e9", lambda: widgets.LatentExplorer(small_vae(), z_range=1e9)),
        ("examples", "NaN", lambda: widgets.LatentExplorer(small_vae(), examples=with_nan(DIGITS))),
    ],
    "widgets.LatentExplorer.check_z": [
        ("z", "strings", lambda: explorer().check_z(["a", "b"])),
        ("z", "outside the sliders", lambda: explorer().check_z([0.0, 1e6])),
    ],
    "widgets.LatentExplorer.image": [
        ("z", "a string", lambda: explorer().image("0 0")),
        ("z", "NaN", lambda: explorer().image([math.nan, 0.0])),
    ],
    "widgets.LatentExplorer.random_z": [
        ("seed", "a string", lambda: explorer().random_z("0")),
        ("seed", "-1", lambda: explorer().random_z(-1)),
    ],
    "widgets.LatentExplorer.start_from_example": [
        ("index", "1.0", lambda: explorer().start_from_example(1.0)),
        ("index", "past the examples", lambda: explorer().start_from_example(3)),
    ],
    # --- data
    "data.load_mnist": [
        ("source", "a number", lambda: data.load_mnist(5)),
        ("/no/such/mnist.npz", "a missing file", lambda: data.load_mnist("/no/such/mnist.npz")),
    ],
    "data.validate_images": [
        ("images", "floats", lambda: data.validate_images(np.zeros((2, 28, 28)))),
        ("images", "256", lambda: data.validate_images(np.full((1, 28, 28), 256))),
    ],
    "data.validate_labels": [
        ("labels", "floats", lambda: data.validate_labels(LABELS + 0.5, 4)),
        ("labels", "10", lambda: data.validate_labels(np.array([0, 1, 2, 10]), 4)),
    ],
    "data.flatten_and_scale": [
        ("images", "a string", lambda: data.flatten_and_scale("x")),
        ("images", "flat images", lambda: data.flatten_and_scale(np.zeros((2, 784), np.uint8))),
    ],
    "data.class_counts": [
        ("labels", "floats", lambda: data.class_counts(np.array([0.5]))),
        ("labels", "10", lambda: data.class_counts(np.array([10]))),
    ],
    "data.stratified_indices": [
        ("size", "2.5", lambda: data.stratified_indices(LABELS, 2.5, 0)),
        ("size", "more than the labels", lambda: data.stratified_indices(LABELS, 50, 0)),
    ],
    "data.stratified_subset": [
        ("labels", "None", lambda: data.stratified_subset(UINT8_IMAGES, None, 2, 0)),
        ("labels", "fewer than the images", lambda: data.stratified_subset(UINT8_IMAGES, LABELS[:3], 2, 0)),
    ],
    "data.train_validation_split": [
        ("validation_size", "a string", lambda: data.train_validation_split(UINT8_IMAGES, LABELS, "1", 0)),
        ("validation_size", "all the digits", lambda: data.train_validation_split(UINT8_IMAGES, LABELS, 5, 0)),
    ],
    # --- losses (NumPy inputs are checked; backend tensors pass through untouched)
    "losses.reconstruction_loss": [
        ("x", "None", lambda: losses.reconstruction_loss(None, DIGITS)),
        ("x_reconstructed", "fewer rows", lambda: losses.reconstruction_loss(DIGITS, DIGITS[:3])),
    ],
    "losses.kl_divergence": [
        ("z_mean", "a string", lambda: losses.kl_divergence("z", Z)),
        ("z_log_var", "another latent_dim", lambda: losses.kl_divergence(Z, Z[:, :1])),
    ],
    "losses.kl_divergence_per_dimension": [
        ("z_log_var", "None", lambda: losses.kl_divergence_per_dimension(Z, None)),
        ("z_mean", "fewer rows", lambda: losses.kl_divergence_per_dimension(Z[:3], Z)),
    ],
    "losses.elbo": [
        ("z_mean", "None", lambda: losses.elbo(DIGITS, DIGITS, None, Z)),
        ("z_mean", "fewer rows", lambda: losses.elbo(DIGITS, DIGITS, Z[:3], Z)),
    ],
    "losses.log_normal_density": [
        ("mean", "a string", lambda: losses.log_normal_density(Z, "m", Z)),
        ("mean", "fewer rows", lambda: losses.log_normal_density(Z, Z[:3], Z)),
    ],
    "losses.grey_level_floor": [
        ("x", "a string", lambda: losses.grey_level_floor("x")),
    ],
    "losses.monte_carlo_standard_error": [
        ("axis", "0.5", lambda: losses.monte_carlo_standard_error(np.ones((3, 2)), 0.5)),
        ("samples", "one draw", lambda: losses.monte_carlo_standard_error(np.ones(1))),
        ("axis", "past the last axis", lambda: losses.monte_carlo_standard_error(np.ones((3, 2)), 2)),
    ],
    # --- sampling
    "sampling.reparameterize": [
        ("z_mean", "a string", lambda: sampling.reparameterize("z", Z, Z)),
        ("epsilon", "fewer rows", lambda: sampling.reparameterize(Z, Z, Z[:3])),
    ],
    "sampling.Sampling": [
        ("kl_weight", "a string", lambda: sampling.Sampling(kl_weight="1")),
        ("kl_weight", "-1", lambda: sampling.Sampling(kl_weight=-1)),
        ("seed", "-1", lambda: sampling.Sampling(seed=-1)),
    ],
    "sampling.monte_carlo_kl": [
        ("num_samples", "2.5", lambda: sampling.monte_carlo_kl(Z, Z, 2.5, 0)),
        ("seed", "-1", lambda: sampling.monte_carlo_kl(Z, Z, 2, -1)),
    ],
    "sampling.monte_carlo_kl_samples": [
        ("z_mean", "a string", lambda: sampling.monte_carlo_kl_samples("z", Z, 2, 0)),
        ("z_mean", "fewer rows", lambda: sampling.monte_carlo_kl_samples(Z[:3], Z, 2, 0)),
    ],
    "sampling.score_function_gradient": [
        ("f_values", "a string", lambda: sampling.score_function_gradient("f", Z, Z, Z)),
    ],
    "sampling.reparameterized_gradient": [
        ("epsilon", "a string", lambda: sampling.reparameterized_gradient(Z, "e", Z)),
    ],
    # --- models
    "models.build_vae": [
        ("latent_dim", "2.5", lambda: models.build_vae(latent_dim=2.5, hidden_units=4)),
        ("hidden_units", "0", lambda: models.build_vae(hidden_units=0)),
        ("vae_class", "keras.Model", lambda: models.build_vae(hidden_units=4, vae_class=keras.Model)),
    ],
    "models.build_decoder": [
        ("latent_dim", "a string", lambda: models.build_decoder(latent_dim="3", hidden_units=4)),
        ("latent_dim", "0", lambda: models.build_decoder(latent_dim=0, hidden_units=4)),
    ],
    "models.VAE.encode": [
        ("x", "a string", lambda: small_vae().encode("digits")),
        ("x", "0..255 pixels", lambda: small_vae().encode(PIXELS_0_255)),
        ("x", "one flat digit", lambda: small_vae().encode(np.zeros(784))),
        ("batch_size", "0", lambda: small_vae().encode(DIGITS, batch_size=0)),
    ],
    "models.VAE.decode": [
        ("z", "a string", lambda: small_vae().decode("z")),
        ("z", "another latent_dim", lambda: small_vae().decode(np.zeros((3, LATENT_DIM + 1)))),
        ("z", "NaN", lambda: small_vae().decode(with_nan(Z))),
        ("z", "infinity", lambda: small_vae().decode(with_nan(Z, -np.inf))),
    ],
    "saving.save_vae": [
        ("vae", "the decoder alone", lambda: saving.save_vae(small_vae().decoder, "/tmp/never-written.keras")),
        ("/tmp/model.h5", "not .keras", lambda: saving.save_vae(small_vae(), "/tmp/model.h5")),
    ],
    "saving.load_vae": [
        ("path", "a number", lambda: saving.load_vae(5)),
        ("/no/such/model.keras", "a missing file", lambda: saving.load_vae("/no/such/model.keras")),
    ],
    # --- training
    "training.set_seed": [
        ("seed", "a string", lambda: training.set_seed("0")),
        ("seed", "2**32", lambda: training.set_seed(2**32)),
    ],
    "training.TrainingConfig": [
        ("epochs", "2.5", lambda: training.TrainingConfig(epochs=2.5)),
        ("learning_rate", "0", lambda: training.TrainingConfig(learning_rate=0)),
        ("kl_weight", "NaN", lambda: training.TrainingConfig(kl_weight=math.nan)),
    ],
    "training.fit": [
        ("vae", "a string", lambda: training.fit("vae", training.TrainingConfig(epochs=1, train_size=10, validation_size=0))),
        ("config", "a dict", lambda: training.fit(small_vae(), {"epochs": 1})),
        ("config.latent_dim", "another latent_dim", lambda: training.fit(small_vae(), training.TrainingConfig(latent_dim=3))),
    ],
    "training.check_finite": [
        ("history", "a list", lambda: training.check_finite([1.0])),
        ("history", "strings", lambda: training.check_finite({"loss": ["a"]})),
    ],
    # --- registry
    "registry.spec": [
        ("name", "a number", lambda: registry.spec(2)),
        ("name", "an unknown name", lambda: registry.spec("no such model")),
    ],
    "registry.trained": [
        ("name", "None", lambda: registry.trained(None)),
        ("name", "an unknown name", lambda: registry.trained("no such model")),
    ],
    # --- distributed
    "distributed.GlobalBatches": [
        ("batch_size", "2.5", lambda: distributed.GlobalBatches(DIGITS, 2.5)),
        ("shard", "past the shards", lambda: distributed.GlobalBatches(DIGITS, 2, num_shards=2, shard=2)),
        ("x", "0..255 pixels, binarized", lambda: distributed.GlobalBatches(PIXELS_0_255, 2, seed=0, binarized=True)),
    ],
    # --- architectures
    "architectures.build_conv_encoder": [
        ("filters", "a string", lambda: architectures.build_conv_encoder(filters="32")),
        ("filters", "a zero", lambda: architectures.build_conv_encoder(filters=(0, 8))),
    ],
    "architectures.build_conv_decoder": [
        ("final_convolution", "a string", lambda: architectures.build_conv_decoder(final_convolution="yes")),
        ("latent_dim", "0", lambda: architectures.build_conv_decoder(latent_dim=0)),
    ],
    "architectures.binarize": [
        ("seed", "a string", lambda: architectures.binarize(DIGITS, "0")),
        ("x", "0..255 pixels", lambda: architectures.binarize(PIXELS_0_255)),
    ],
    "architectures.DynamicBinarization": [
        ("batch_size", "2.5", lambda: architectures.DynamicBinarization(DIGITS, batch_size=2.5)),
        ("x", "0..255 pixels", lambda: architectures.DynamicBinarization(PIXELS_0_255)),
    ],
    "architectures.KLWarmUp": [
        ("warmup_epochs", "a string", lambda: architectures.KLWarmUp("3")),
        ("target", "-1", lambda: architectures.KLWarmUp(2, -1)),
    ],
}


# Functions that do not refuse their bad calls yet: each fails its row, marked here
# (strict: once the function is fixed, the mark must go). None at present.
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.parametrize(
    "function",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name])) if name in KNOWN_GAPS else name
        for name in REFUSALS
    ],
)
def test_refused_with_a_clear_error(function, check_each):
    """A TypeError or ValueError that names the argument, raised by the package itself."""

    def refused(case):
        named, call = case
        with pytest.raises((TypeError, ValueError)) as info:
            call()
        text = str(info.value)
        assert named in text, f"the message does not name {named!r}: {text}"
        origin = info.traceback[-1].path
        assert "vae_lessons" in str(origin), f"raised inside {origin}: {type(info.value).__name__}: {text}"

    cases = REFUSALS[function]
    check_each(((f"{function}({named}: {what})", (named, call)) for named, what, call in cases), refused)


# Borderline inputs that must work and give the right answer.
def accepted_rows():
    return [
        ("NumPy integer size", lambda: data.stratified_indices(LABELS, np.int64(2), np.int32(0)), lambda r: len(r) == 2),
        ("NumPy float threshold", lambda: evaluation.active_dimensions(Z + np.arange(4)[:, None], np.float32(0.01)), lambda r: r.all()),
        ("NumPy float z_range and step", lambda: widgets.LatentExplorer(small_vae(), z_range=np.float32(2.0), step=np.float64(0.1)).z_range, lambda r: r == 2.0),
        ("NumPy integer image_size", lambda: widgets.LatentExplorer(small_vae(), image_size=np.int64(56)).image_size, lambda r: r == 56),
        ("NumPy integer count", lambda: widgets.most_active_dimensions(Z + np.arange(4)[:, None], np.int32(1)), lambda r: r == [0]),
        ("NumPy integer index", lambda: widgets.slider_label(np.int64(1)), lambda r: r == "z₂"),
        ("NumPy integer num_columns", lambda: plots.image_grid(DIGITS, num_columns=np.int64(2)), lambda r: len(r.axes) == 2 and r.axes[0].images[0].get_array().shape == (28, 2 * 28 + plots.TILE_GAP)),
        ("NumPy float kl_weight", lambda: sampling.Sampling(kl_weight=np.float32(1.0)).kl_weight, lambda r: r == 1.0),
        ("NumPy seeds", lambda: evaluation.noise(np.int64(1), 0, 1, 1, 2), lambda r: r.shape == (1, 1, 2)),
        ("gray_levels of 0 and 1", lambda: widgets.gray_levels([0.0, 1.0]), lambda r: r.tolist() == [255, 0]),
        ("gray_levels of nothing", lambda: widgets.gray_levels(np.zeros((0, 784))), lambda r: r.shape == (0, 784)),
        ("float32 pixels at the edges", lambda: evaluation.check_digits(np.ones((1, 784), np.float32)), lambda r: r.max() == 1),
        ("a labelled scatter of every digit", lambda: plots.latent_scatter(np.zeros((10, 2)), np.arange(10)), lambda r: r is not None),
        ("a one-image strip", lambda: plots.interpolation_strip(DIGITS[:1]), lambda r: len(r.axes) == 1),
        ("uint8 images in a grid", lambda: plots.image_grid(UINT8_IMAGES), lambda r: r is not None),
        ("same seed, same indices", lambda: (data.stratified_indices(LABELS, 2, 5), data.stratified_indices(LABELS, 2, 5)), lambda r: (r[0] == r[1]).all()),
        ("random_z(None): fresh randomness", lambda: explorer().random_z(None), lambda r: r.shape == (LATENT_DIM,)),
        ("random_z(seed) repeats", lambda: (explorer().random_z(3).copy(), explorer().random_z(3).copy()), lambda r: (r[0] == r[1]).all()),
        ("GlobalBatches with seed None keeps the order", lambda: distributed.GlobalBatches(DIGITS, 2)[0][0], lambda r: r.shape == (2, 784)),
        ("zero validation digits", lambda: data.train_validation_split(UINT8_IMAGES, LABELS, 0, 0), lambda r: len(r[1][0]) == 0),
    ]


ACCEPTED = accepted_rows()


@pytest.mark.parametrize("call, is_right", [row[1:] for row in ACCEPTED], ids=[row[0] for row in ACCEPTED])
def test_accepted_and_right(call, is_right):
    assert is_right(call())


def test_keras_message_shape_for_converted_checks():
    """The checks moved to vae_lessons.validation speak Keras's shape."""
    for call in (
        lambda: widgets.gray_levels(2.0),
        lambda: widgets.most_active_dimensions(Z, 5),
        lambda: widgets.LatentExplorer(small_vae(), z_range="3"),
        lambda: widgets.LatentExplorer(small_vae(), step=0),
        lambda: widgets.LatentExplorer(small_vae(), image_size=10),
        lambda: data.stratified_indices(LABELS, 9, 0),
        lambda: plots.latent_scatter(Z, np.array([0, 1, 2, 10])),
        lambda: plots.image_grid(DIGITS, num_columns=0),
    ):
        with pytest.raises((TypeError, ValueError), match="Invalid value received for argument"):
            call()
