"""A hostile student's inputs to every public function: a clear error or a right answer.

Issue #16 probed the package with 414 bad inputs. This file is that probe, kept: each
row of ``REFUSED`` calls one public function with one bad argument (wrong type, wrong
shape, empty, None, NaN or infinity, out of range, huge) and expects a ``TypeError`` or
``ValueError`` whose message names the argument, never an error from inside NumPy or
Keras and never a silently wrong result. ``ACCEPTED`` holds the borderline inputs that
must work (NumPy scalars count as numbers, empty arrays where an empty answer is right).
``test_counts`` prints the figures quoted in the README's "Guarantees".
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
from vae_lessons.exercises import lesson_01, lesson_02, lesson_03, lesson_04, lesson_05, lesson_06, lesson_07

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
Z = np.zeros((4, LATENT_DIM), np.float32)
LABELS = np.array([0, 1, 2, 3])
UINT8_IMAGES = np.zeros((4, 28, 28), np.uint8)
SCORE = evaluation.HeldOutScore(negative_elbo=150.0, reconstruction=140.0, kl=10.0, standard_error=1.0, num_digits=4)

# Bad values of each kind of argument, with an id for the test's name.
BAD_DIGITS = {
    "None": None,
    "string": "digits",
    "empty list": [],
    "no rows": np.zeros((0, 784)),
    "783 pixels": np.zeros((3, 783)),
    "one flat digit": np.zeros(784),
    "NaN": with_nan(DIGITS),
    "infinity": with_nan(DIGITS, np.inf),
    "0..255 pixels": np.full((2, 784), 255.0),
    "negative": np.full((2, 784), -0.5),
    "complex": np.zeros((2, 784), complex),
    "objects": np.array([[object()] * 784]),
}
BAD_LATENTS = {
    "None": None,
    "string": "z",
    "no rows": np.zeros((0, LATENT_DIM)),
    "wrong latent_dim": np.zeros((3, LATENT_DIM + 1)),
    "one point": np.zeros(LATENT_DIM),
    "NaN": with_nan(Z),
    "infinity": with_nan(Z, -np.inf),
}
BAD_LATENTS_ANY_DIM = {key: value for key, value in BAD_LATENTS.items() if key != "wrong latent_dim"}
BAD_POSITIVE_INTEGERS = {
    "None": None,
    "string": "3",
    "float": 2.5,
    "bool": True,
    "zero": 0,
    "negative": -1,
    "NaN": math.nan,
}
BAD_SEEDS = {"None": None, "string": "0", "float": 0.5, "negative": -1, "bool": True}
BAD_NUMBERS = {"None": None, "string": "1", "NaN": math.nan, "infinity": math.inf, "bool": False}


def expand(function_name, argument, call, bad_values):
    """Rows ``(id, call(value), argument)`` for every bad value."""
    return [(f"{function_name}({argument}={label})", functools.partial(call, value), argument)
            for label, value in bad_values.items()]


def rows():
    table = []
    add = table.extend

    # --- evaluation ------------------------------------------------------------------
    add(expand("check_digits", "x", evaluation.check_digits, BAD_DIGITS))
    add(expand("held_out_score", "x", lambda x: evaluation.held_out_score(small_vae(), x), BAD_DIGITS))
    add(expand("held_out_score", "seed", lambda s: evaluation.held_out_score(small_vae(), DIGITS, seed=s), BAD_SEEDS))
    add(expand("held_out_score", "batch_size", lambda b: evaluation.held_out_score(small_vae(), DIGITS, batch_size=b), BAD_POSITIVE_INTEGERS))
    add(expand("held_out_score", "vae", lambda v: evaluation.held_out_score(v, DIGITS), {"None": None, "decoder": small_vae().decoder, "string": "vae"}))
    add(expand("elbo_terms", "x", lambda x: evaluation.elbo_terms(small_vae(), x), BAD_DIGITS))
    add(expand("importance_weighted_log_likelihood", "x", lambda x: evaluation.importance_weighted_log_likelihood(small_vae(), x, 2), BAD_DIGITS))
    add(expand("importance_weighted_log_likelihood", "num_samples", lambda k: evaluation.importance_weighted_log_likelihood(small_vae(), DIGITS, k), BAD_POSITIVE_INTEGERS))
    add(expand("importance_weighted_log_likelihood", "seed", lambda s: evaluation.importance_weighted_log_likelihood(small_vae(), DIGITS, 2, seed=s), BAD_SEEDS))
    add(expand("importance_weighted_log_likelihood", "max_rows", lambda m: evaluation.importance_weighted_log_likelihood(small_vae(), DIGITS, 2, max_rows=m), BAD_POSITIVE_INTEGERS))
    add(expand("mean_kl_per_dimension", "z_mean", lambda z: evaluation.mean_kl_per_dimension(z, Z), BAD_LATENTS_ANY_DIM))
    add(expand("mean_kl_per_dimension", "z_log_var", lambda z: evaluation.mean_kl_per_dimension(Z, z), BAD_LATENTS))
    add(expand("latent_activity", "z_mean", evaluation.latent_activity, {**BAD_LATENTS_ANY_DIM, "one digit": Z[:1]}))
    add(expand("active_dimensions", "threshold", lambda t: evaluation.active_dimensions(Z, t), {**BAD_NUMBERS, "negative": -0.1}))
    add(expand("noise", "seed", lambda s: evaluation.noise(s, 0, 2, 1, 2), BAD_SEEDS))
    add(expand("noise", "num_digits", lambda n: evaluation.noise(0, 0, n, 1, 2), {"None": None, "negative": -1, "float": 1.5}))
    add(expand("noise", "num_samples", lambda n: evaluation.noise(0, 0, 2, n, 2), BAD_POSITIVE_INTEGERS))
    add(expand("noise", "latent_dim", lambda n: evaluation.noise(0, 0, 2, 1, n), BAD_POSITIVE_INTEGERS))
    add(expand("noise", "first_digit", lambda n: evaluation.noise(0, n, 2, 1, 2), {"None": None, "negative": -1, "float": 1.5}))

    # --- plots -----------------------------------------------------------------------
    bad_images = {key: value for key, value in BAD_DIGITS.items() if key not in ("0..255 pixels",)}
    add(expand("image_grid", "images", plots.image_grid, bad_images))
    add(expand("image_grid", "num_columns", lambda n: plots.image_grid(DIGITS, num_columns=n), BAD_POSITIVE_INTEGERS))
    add(expand("image_grid", "titles", lambda t: plots.image_grid(DIGITS, titles=t), {"too few": ["0"], "string": "0123x", "number": 5}))
    add(expand("image_grid", "cell_size", lambda c: plots.image_grid(DIGITS, cell_size=c), {**BAD_NUMBERS, "zero": 0, "huge": 1e6}))
    add(expand("comparison_grid", "originals", lambda x: plots.comparison_grid(x, DIGITS), bad_images))
    add(expand("comparison_grid", "reconstructions", lambda x: plots.comparison_grid(DIGITS, x), {**bad_images, "fewer": DIGITS[:2]}))
    add(expand("comparison_grid", "num_columns", lambda n: plots.comparison_grid(DIGITS, DIGITS, num_columns=n), BAD_POSITIVE_INTEGERS))
    add(expand("latent_scatter", "z", lambda z: plots.latent_scatter(z, LABELS), BAD_LATENTS))
    add(expand("latent_scatter", "labels", lambda labels: plots.latent_scatter(Z, labels), {
        "None": None, "label 10": np.array([0, 1, 2, 10]), "label -1": np.array([0, 1, -1, 3]),
        "floats": np.array([0.0, 1.5, 2.0, 3.0]), "strings": np.array(["0", "1", "2", "3"]),
        "too few": LABELS[:3], "empty": np.array([], int)}))
    add(expand("latent_scatter", "point_size", lambda s: plots.latent_scatter(Z, LABELS, point_size=s), {**BAD_NUMBERS, "negative": -1}))
    add(expand("normal_quantile_grid", "num_points", plots.normal_quantile_grid, {**BAD_POSITIVE_INTEGERS, "one": 1, "huge": 10**6}))
    add(expand("manifold", "num_points", lambda n: plots.manifold(DIGITS, n), {**BAD_POSITIVE_INTEGERS, "wrong": 3}))
    add(expand("manifold", "images", lambda x: plots.manifold(x, 2), bad_images))
    add(expand("manifold", "size", lambda s: plots.manifold(DIGITS, 2, size=s), {**BAD_NUMBERS, "zero": 0}))
    add(expand("interpolation_strip", "images", plots.interpolation_strip, bad_images))
    add(expand("samples_vs_normal", "z", lambda z: plots.samples_vs_normal(z, [0, 0], [1, 1]), BAD_LATENTS_ANY_DIM))
    add(expand("samples_vs_normal", "mean", lambda m: plots.samples_vs_normal(Z, m, [1, 1]), {"None": None, "short": [0], "NaN": [0, math.nan], "string": "ab"}))
    add(expand("samples_vs_normal", "std", lambda s: plots.samples_vs_normal(Z, [0, 0], s), {"None": None, "short": [1], "zero": [1, 0], "negative": [1, -1], "infinity": [1, math.inf]}))
    add(expand("samples_vs_normal", "bins", lambda b: plots.samples_vs_normal(Z, [0, 0], [1, 1], bins=b), BAD_POSITIVE_INTEGERS))
    history = {"loss": [3.0, 2.0], "reconstruction": [2.5, 1.5], "kl": [0.5, 0.5]}
    add(expand("loss_curves", "history", plots.loss_curves, {
        "None": None, "empty": {}, "list": [1.0, 2.0], "string": "loss", "empty lists": {"loss": [], "reconstruction": [], "kl": []},
        "strings": {"loss": ["a"], "reconstruction": ["b"], "kl": ["c"]},
        "lengths differ": {**history, "val_loss": [1.0]}}))
    add(expand("loss_curves", "names", lambda n: plots.loss_curves(history, n), {"None": None, "empty": (), "missing": ("loss", "elbo"), "number": 5}))
    add(expand("bound_vs_samples", "sample_counts", lambda k: plots.bound_vs_samples(k, [100.0, 99.0], 101.0), {
        "None": None, "empty": [], "zero": [0, 10], "negative": [-1, 10], "strings": ["1", "10"]}))
    add(expand("bound_vs_samples", "negative_log_likelihoods", lambda v: plots.bound_vs_samples([1, 10], v, 101.0), {
        "None": None, "empty": [], "NaN": [math.nan, 99.0], "fewer": [100.0], "strings": ["a", "b"]}))
    add(expand("bound_vs_samples", "negative_elbo", lambda v: plots.bound_vs_samples([1, 10], [100.0, 99.0], v), BAD_NUMBERS))
    add(expand("kl_per_dimension", "kl_by_label", plots.kl_per_dimension, {
        "None": None, "empty": {}, "list": [np.ones(2)], "empty array": {"a": np.array([])}, "NaN": {"a": np.array([1.0, math.nan])},
        "strings": {"a": np.array(["x", "y"])}, "matrix": {"a": np.ones((2, 2))}}))
    add(expand("gradient_estimates", "estimates", lambda e: plots.gradient_estimates(e, 1.0), {
        "None": None, "empty": {}, "list": [np.ones(3)], "empty array": {"a": np.array([])}, "NaN": {"a": np.array([1.0, math.nan])},
        "strings": {"a": np.array(["x", "y"])}}))
    add(expand("gradient_estimates", "exact", lambda e: plots.gradient_estimates({"a": np.ones(3)}, e), BAD_NUMBERS))
    add(expand("gradient_estimates", "bins", lambda b: plots.gradient_estimates({"a": np.ones(3)}, 1.0, bins=b), BAD_POSITIVE_INTEGERS))

    # --- widgets ---------------------------------------------------------------------
    add(expand("gray_levels", "x_reconstructed", widgets.gray_levels, {
        "2.0": 2.0, "-0.5": -0.5, "NaN": math.nan, "infinity": [0.5, math.inf], "string": "a", "None": None, "255": np.array([255.0])}))
    add(expand("most_active_dimensions", "count", lambda c: widgets.most_active_dimensions(Z + np.arange(4)[:, None], c), {**BAD_POSITIVE_INTEGERS, "too many": LATENT_DIM + 1}))
    add(expand("most_active_dimensions", "z_mean", lambda z: widgets.most_active_dimensions(z, 1), BAD_LATENTS_ANY_DIM))
    add(expand("slider_label", "index", widgets.slider_label, {"None": None, "negative": -1, "float": 1.5, "string": "1"}))
    add(expand("quantize_columns", "kernel", widgets.quantize_columns, {"None": None, "string": "k", "empty": np.zeros((0, 3)), "vector": np.ones(3), "NaN": with_nan(np.ones((2, 3)))}))
    packed = widgets.pack_decoder_weights(small_vae().decoder)
    add(expand("decode_with_packed_weights", "z", lambda z: widgets.decode_with_packed_weights(packed, z), BAD_LATENTS))
    add(expand("decode_with_packed_weights", "packed", lambda p: widgets.decode_with_packed_weights(p, Z), {"None": None, "empty": {}, "string": "packed"}))
    add(expand("LatentExplorer", "decoder", widgets.LatentExplorer, {"None": None, "string": "vae", "encoder": small_vae().encoder}))
    add(expand("LatentExplorer", "examples", lambda x: widgets.LatentExplorer(small_vae(), examples=x), {
        **{key: value for key, value in BAD_DIGITS.items() if key not in ("0..255 pixels", "None")}, "too many": np.zeros((21, 784))}))
    add(expand("LatentExplorer", "labels", lambda labels: widgets.LatentExplorer(small_vae(), examples=DIGITS, labels=labels), {
        "label 10": np.array([0, 1, 2, 10]), "too few": LABELS[:2], "floats": LABELS + 0.5}))
    add(expand("LatentExplorer", "z_range", lambda r: widgets.LatentExplorer(small_vae(), z_range=r), {**BAD_NUMBERS, "None": "3", "zero": 0, "huge": 1e9}))
    add(expand("LatentExplorer", "step", lambda s: widgets.LatentExplorer(small_vae(), step=s), {**BAD_NUMBERS, "zero": 0, "above z_range": 10.0}))
    add(expand("LatentExplorer", "image_size", lambda s: widgets.LatentExplorer(small_vae(), image_size=s), {**BAD_POSITIVE_INTEGERS, "huge": 10**6}))
    add(expand("LatentExplorer", "dimensions", lambda d: widgets.LatentExplorer(small_vae(), dimensions=d), {
        "empty": [], "out of range": [0, 5], "repeated": [0, 0], "floats": [0.5], "string": "01", "number": 1}))
    add(expand("LatentExplorer.check_z", "z", lambda z: explorer().check_z(z), {
        "None": None, "string": "0 0", "short": [0.0], "NaN": [0.0, math.nan], "outside": [0.0, 1e6], "strings": ["a", "b"]}))
    add(expand("LatentExplorer.image", "z", lambda z: explorer().image(z), {"short": [0.0], "NaN": [math.nan, 0.0]}))
    add(expand("LatentExplorer.random_z", "seed", lambda s: explorer().random_z(s), {"string": "0", "float": 0.5, "negative": -1, "bool": True}))
    add(expand("LatentExplorer.start_from_example", "index", lambda i: explorer().start_from_example(i), {"None": None, "float": 1.0, "negative": -1, "too large": 3}))

    # --- data ------------------------------------------------------------------------
    add(expand("load_mnist", "source", data.load_mnist, {"None": None, "number": 5, "no such file": "/no/such/mnist.npz"}))
    add(expand("validate_images", "images", data.validate_images, {
        "None": None, "floats": np.zeros((2, 28, 28)), "flat": np.zeros((2, 784), np.uint8), "256": np.full((1, 28, 28), 256)}))
    add(expand("validate_labels", "labels", lambda labels: data.validate_labels(labels, 4), {
        "None": None, "10": np.array([0, 1, 2, 10]), "floats": LABELS + 0.5, "short": LABELS[:2]}))
    add(expand("flatten_and_scale", "images", data.flatten_and_scale, {
        "None": None, "string": "x", "floats": np.zeros((2, 28, 28)), "flat": np.zeros((2, 784), np.uint8)}))
    add(expand("class_counts", "labels", data.class_counts, {"None": None, "10": np.array([10]), "floats": np.array([0.5])}))
    add(expand("stratified_indices", "size", lambda s: data.stratified_indices(LABELS, s, 0), {**BAD_POSITIVE_INTEGERS, "zero": 5, "too many": 50}))
    add(expand("stratified_indices", "seed", lambda s: data.stratified_indices(LABELS, 2, s), BAD_SEEDS))
    add(expand("stratified_subset", "labels", lambda labels: data.stratified_subset(UINT8_IMAGES, labels, 2, 0), {"more": np.arange(5) % 10, "fewer": LABELS[:3], "None": None}))
    add(expand("stratified_subset", "seed", lambda s: data.stratified_subset(UINT8_IMAGES, LABELS, 2, s), BAD_SEEDS))
    add(expand("train_validation_split", "validation_size", lambda s: data.train_validation_split(UINT8_IMAGES, LABELS, s, 0), {
        "None": None, "float": 1.5, "negative": -1, "too many": 5, "string": "1"}))
    add(expand("train_validation_split", "seed", lambda s: data.train_validation_split(UINT8_IMAGES, LABELS, 2, s), BAD_SEEDS))

    # --- losses (NumPy inputs: checked; backend tensors pass through untouched) ------
    for function, arguments in (
        (losses.reconstruction_loss, ("x", "x_reconstructed")),
        (losses.kl_divergence, ("z_mean", "z_log_var")),
        (losses.kl_divergence_per_dimension, ("z_mean", "z_log_var")),
    ):
        good = DIGITS if arguments[0] == "x" else Z
        bad = {"None": None, "string": "x", "rows differ": good[:3], "columns differ": good[:, :1]}
        add(expand(function.__name__, arguments[0], lambda v, f=function, g=good: f(v, g), bad))
        add(expand(function.__name__, arguments[1], lambda v, f=function, g=good: f(g, v), bad))
    add(expand("elbo", "z_mean", lambda z: losses.elbo(DIGITS, DIGITS, z, Z), {"None": None, "rows differ": Z[:3]}))
    add(expand("log_normal_density", "mean", lambda m: losses.log_normal_density(Z, m, Z), {"None": None, "rows differ": Z[:3], "string": "m"}))
    add(expand("grey_level_floor", "x", losses.grey_level_floor, {"None": None, "string": "x"}))
    add(expand("monte_carlo_standard_error", "samples", losses.monte_carlo_standard_error, {"None": None, "one draw": np.ones(1), "string": "x"}))
    add(expand("monte_carlo_standard_error", "axis", lambda a: losses.monte_carlo_standard_error(np.ones((3, 2)), a), {"None": None, "float": 0.5, "too large": 2, "string": "0"}))

    # --- sampling ---------------------------------------------------------------------
    add(expand("reparameterize", "z_mean", lambda z: sampling.reparameterize(z, Z, Z), {"None": None, "string": "z", "rows differ": Z[:3]}))
    add(expand("reparameterize", "epsilon", lambda e: sampling.reparameterize(Z, Z, e), {"None": None, "rows differ": Z[:3]}))
    add(expand("Sampling", "kl_weight", lambda w: sampling.Sampling(kl_weight=w), {**BAD_NUMBERS, "negative": -1}))
    add(expand("Sampling", "seed", lambda s: sampling.Sampling(seed=s), {"string": "0", "float": 0.5, "negative": -1, "bool": True}))
    add(expand("monte_carlo_kl", "num_samples", lambda n: sampling.monte_carlo_kl(Z, Z, n, 0), BAD_POSITIVE_INTEGERS))
    add(expand("monte_carlo_kl", "seed", lambda s: sampling.monte_carlo_kl(Z, Z, 2, s), BAD_SEEDS))
    add(expand("monte_carlo_kl_samples", "z_mean", lambda z: sampling.monte_carlo_kl_samples(z, Z, 2, 0), {"None": None, "string": "z", "rows differ": Z[:3]}))
    add(expand("score_function_gradient", "f_values", lambda f: sampling.score_function_gradient(f, Z, Z, Z), {"None": None, "string": "f"}))
    add(expand("reparameterized_gradient", "epsilon", lambda e: sampling.reparameterized_gradient(Z, e, Z), {"None": None, "string": "e"}))

    # --- models -----------------------------------------------------------------------
    add(expand("build_vae", "latent_dim", lambda n: models.build_vae(latent_dim=n, hidden_units=4), BAD_POSITIVE_INTEGERS))
    add(expand("build_vae", "hidden_units", lambda n: models.build_vae(hidden_units=n), BAD_POSITIVE_INTEGERS))
    add(expand("build_vae", "kl_weight", lambda w: models.build_vae(hidden_units=4, kl_weight=w), {**BAD_NUMBERS, "negative": -1}))
    add(expand("build_vae", "seed", lambda s: models.build_vae(hidden_units=4, seed=s), {"string": "0", "float": 0.5, "negative": -1}))
    add(expand("build_vae", "sampling_class", lambda c: models.build_vae(hidden_units=4, sampling_class=c), {"None": None, "instance": sampling.Sampling(), "other": int}))
    add(expand("build_vae", "vae_class", lambda c: models.build_vae(hidden_units=4, vae_class=c), {"string": "VAE", "other": keras.Model}))
    add(expand("build_decoder", "latent_dim", lambda n: models.build_decoder(latent_dim=n, hidden_units=4), BAD_POSITIVE_INTEGERS))
    add(expand("VAE.encode", "x", lambda x: small_vae().encode(x), BAD_DIGITS))
    add(expand("VAE.encode", "batch_size", lambda b: small_vae().encode(DIGITS, batch_size=b), BAD_POSITIVE_INTEGERS))
    add(expand("VAE.decode", "z", lambda z: small_vae().decode(z), BAD_LATENTS))
    add(expand("VAE.decode", "batch_size", lambda b: small_vae().decode(Z, batch_size=b), BAD_POSITIVE_INTEGERS))
    add(expand("save_vae", "vae", lambda v: saving.save_vae(v, "/tmp/never-written.keras"), {"None": None, "decoder": small_vae().decoder}))
    add(expand("save_vae", "path", lambda p: saving.save_vae(small_vae(), p), {"None": None, "number": 5, "not .keras": "/tmp/model.h5"}))
    add(expand("load_vae", "path", saving.load_vae, {"None": None, "number": 5, "missing": "/no/such/model.keras", "not .keras": "/tmp/model.h5"}))

    # --- training ---------------------------------------------------------------------
    add(expand("set_seed", "seed", training.set_seed, {**BAD_SEEDS, "2**32": 2**32}))
    for name in ("epochs", "batch_size", "latent_dim", "hidden_units"):
        add(expand("TrainingConfig", name, lambda v, n=name: training.TrainingConfig(**{n: v}), BAD_POSITIVE_INTEGERS))
    add(expand("TrainingConfig", "train_size", lambda v: training.TrainingConfig(train_size=v), {"zero": 0, "float": 2.5, "string": "5"}))
    add(expand("TrainingConfig", "validation_size", lambda v: training.TrainingConfig(validation_size=v), {"None": None, "negative": -1, "float": 1.5}))
    add(expand("TrainingConfig", "seed", lambda v: training.TrainingConfig(seed=v), {**BAD_SEEDS, "2**32": 2**32}))
    add(expand("TrainingConfig", "kl_weight", lambda v: training.TrainingConfig(kl_weight=v), {**BAD_NUMBERS, "negative": -1}))
    add(expand("TrainingConfig", "learning_rate", lambda v: training.TrainingConfig(learning_rate=v), {**BAD_NUMBERS, "zero": 0, "negative": -1e-3}))
    add(expand("fit", "vae", lambda v: training.fit(v, training.TrainingConfig(epochs=1, train_size=10, validation_size=0)), {"None": None, "decoder": small_vae().decoder, "string": "vae"}))
    add(expand("fit", "config", lambda c: training.fit(small_vae(), c), {"None": None, "dict": {"epochs": 1}}))
    add(expand("check_finite", "history", training.check_finite, {"None": None, "list": [1.0], "strings": {"loss": ["a"]}, "number": {"loss": 5}}))

    # --- registry ---------------------------------------------------------------------
    add(expand("registry.spec", "name", registry.spec, {"None": None, "unknown": "no such model", "number": 2}))
    add(expand("registry.trained", "name", registry.trained, {"None": None, "unknown": "no such model", "number": 2}))

    # --- distributed ------------------------------------------------------------------
    add(expand("GlobalBatches", "batch_size", lambda b: distributed.GlobalBatches(DIGITS, b), BAD_POSITIVE_INTEGERS))
    add(expand("GlobalBatches", "x", lambda x: distributed.GlobalBatches(x, 2), {"None": None, "NaN": with_nan(DIGITS), "no rows": np.zeros((0, 784))}))
    add(expand("GlobalBatches", "seed", lambda s: distributed.GlobalBatches(DIGITS, 2, seed=s), {"string": "0", "float": 0.5, "negative": -1}))
    add(expand("GlobalBatches", "shard", lambda s: distributed.GlobalBatches(DIGITS, 2, num_shards=2, shard=s), {"too large": 2, "negative": -1, "None": None}))
    add(expand("GlobalBatches", "num_shards", lambda n: distributed.GlobalBatches(DIGITS, 2, num_shards=n), BAD_POSITIVE_INTEGERS))
    add(expand("GlobalBatches", "multiple", lambda m: distributed.GlobalBatches(DIGITS, 2, multiple=m), BAD_POSITIVE_INTEGERS))
    add(expand("GlobalBatches", "binarized", lambda b: distributed.GlobalBatches(DIGITS, 2, seed=0, binarized=b), {"None": None, "string": "yes", "number": 1}))
    add(expand("GlobalBatches", "seed", lambda s: distributed.GlobalBatches(DIGITS, 2, seed=s, binarized=True), {"None, binarized": None}))
    add(expand("GlobalBatches", "x", lambda x: distributed.GlobalBatches(x, 2, seed=0, binarized=True), {"0..255 pixels, binarized": np.full((2, 784), 255.0)}))

    # --- architectures ----------------------------------------------------------------
    add(expand("build_conv_encoder", "latent_dim", lambda n: architectures.build_conv_encoder(latent_dim=n), BAD_POSITIVE_INTEGERS))
    add(expand("build_conv_encoder", "filters", lambda f: architectures.build_conv_encoder(filters=f), {"None": None, "empty": (), "zero": (0, 8), "string": "32"}))
    add(expand("build_conv_encoder", "kernel_size", lambda k: architectures.build_conv_encoder(kernel_size=k), BAD_POSITIVE_INTEGERS))
    add(expand("build_conv_decoder", "final_convolution", lambda f: architectures.build_conv_decoder(final_convolution=f), {"None": None, "string": "yes", "number": 1}))
    add(expand("binarize", "x", architectures.binarize, BAD_DIGITS))
    add(expand("binarize", "seed", lambda s: architectures.binarize(DIGITS, s), BAD_SEEDS))
    add(expand("DynamicBinarization", "x", architectures.DynamicBinarization, BAD_DIGITS))
    add(expand("DynamicBinarization", "batch_size", lambda b: architectures.DynamicBinarization(DIGITS, batch_size=b), BAD_POSITIVE_INTEGERS))
    add(expand("KLWarmUp", "warmup_epochs", architectures.KLWarmUp, BAD_POSITIVE_INTEGERS))
    add(expand("KLWarmUp", "target", lambda t: architectures.KLWarmUp(2, t), {**BAD_NUMBERS, "negative": -1}))
    return table


REFUSED = rows()


@pytest.mark.parametrize("call, argument", [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED])
def test_refused_with_a_clear_error(call, argument):
    """A TypeError or ValueError that names the argument, raised by the package itself."""
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    text = str(info.value)
    value = call.args[0]
    assert argument in text or (isinstance(value, str) and value in text), text  # or the file named
    origin = info.traceback[-1].path
    assert "vae_lessons" in str(origin), f"raised inside {origin}: {type(info.value).__name__}: {text}"


# Exercises: any answer, however wrong, gets a printed verdict, never a traceback.
EXERCISES = [
    lesson.__dict__[name]
    for lesson in (lesson_01, lesson_02, lesson_03, lesson_04, lesson_05, lesson_06, lesson_07)
    for name in sorted(vars(lesson))
    if name.startswith("ex") and name[2:].isdigit()
]
BAD_ANSWERS = {
    "string": "abc", "NaN": math.nan, "infinity": math.inf, "empty list": [], "empty dict": {}, "huge": 1e300,
    "negative": -1, "object": object(), "function returning None": lambda *args: None,
    "function raising": lambda *args: 1 / 0, "NaN array": np.full((3, 3), np.nan), "bool": True,
}


@pytest.mark.parametrize("exercise", EXERCISES, ids=[exercise.name for exercise in EXERCISES])
@pytest.mark.parametrize("answer", list(BAD_ANSWERS.values()), ids=list(BAD_ANSWERS))
def test_exercise_check_never_crashes(exercise, answer):
    verdict = exercise.verdict(answer)
    assert verdict.status != "correct"
    assert verdict.text.startswith("Not yet.")


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


def test_counts():
    """The figures the README quotes: bad inputs tried and functions covered."""
    functions = {row[0].split("(")[0] for row in REFUSED}
    bad_inputs = len(REFUSED) + len(EXERCISES) * len(BAD_ANSWERS)
    print(f"{bad_inputs} bad inputs, {len(functions) + len(EXERCISES)} functions, {len(ACCEPTED)} borderline inputs accepted")
    assert bad_inputs >= 414
