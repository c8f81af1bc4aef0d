"""The counter-examples of issue #28 ("Guarantees that hold, or say less"), one test
each: what a student can meet is refused up front, in Keras's words, or works.

Setup as in the issue: ``X`` eight test digits in [0, 1], ``Z`` four 2-D zero codes.
The broad sweep over every public function is test_properties.py.
"""

from __future__ import annotations

import gzip
import io
import math
import re
import zipfile

import keras
import matplotlib
import numpy as np
import pytest

from vae_lessons import (
    architectures,
    conditional,
    data,
    evaluation,
    losses,
    models,
    plots,
    sampling,
    saving,
    training,
    validation,
    widgets,
)
from vae_lessons.exercises import checking, lesson_01, lesson_02, lesson_05

X = data.flatten_and_scale(data.load_mnist()[1][0][:8])  # (8, 784) in [0, 1]
Z = np.zeros((4, 2), np.float32)
INVALID = "Invalid value received for argument"


def _refused(call, error, pattern, case):
    """Assert that ``call()`` raises ``error`` matching ``pattern``; ``case`` names it on failure."""
    try:
        call()
    except error as caught:
        assert re.search(pattern, str(caught)), (case, str(caught))
    else:
        pytest.fail(f"{case}: accepted, not refused")


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# --- seeds ----------------------------------------------------------------------------


def test_numpy_integer_seeds_reach_keras_as_ints():
    expected = keras.ops.convert_to_numpy(models.build_vae(2, 8, seed=1).encoder.get_layer("z")([Z + 0.5, Z]))
    for seed in (np.int64(1), np.uint32(1), np.int32(1)):
        layer = models.build_vae(2, 8, seed=seed).encoder.get_layer("z")
        assert layer.seed == 1 and type(layer.seed) is int, type(seed)
        # the same seed draws the same noise
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer([Z + 0.5, Z])), expected, err_msg=str(type(seed)))


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: sampling.Sampling(seed=seed),
        lambda seed: models.build_vae(2, 8, seed=seed),
        lambda seed: sampling.monte_carlo_kl(Z, Z, 2, seed),
        lambda seed: architectures.binarize(X, seed=seed),
        lambda seed: data.stratified_indices(np.arange(10), 5, seed),
    ],
)
def test_seeds_past_31_bits_and_negative_seeds_are_refused_by_name(make):
    for seed in (2**40, validation.MAX_SEED + 1, -1):
        with pytest.raises(ValueError, match=rf"^{INVALID} `seed`\. Expected an integer seed between 0 and {validation.MAX_SEED}"):
            make(seed)
    make(validation.MAX_SEED)  # the largest seed works


# --- NaN, infinity, negative variance, pixels out of range ---------------------------


NOT_FINITE = [
        (lambda: losses.kl_divergence(Z, Z + np.inf), "z_log_var"),
        (lambda: losses.kl_divergence(Z + np.nan, Z), "z_mean"),
        (lambda: losses.kl_divergence_per_dimension(Z, Z - np.inf), "z_log_var"),
        (lambda: sampling.reparameterize(Z, np.log(-np.ones((4, 2))), Z), "z_log_var"),
        (lambda: sampling.reparameterize(Z, Z, Z + np.nan), "epsilon"),
        (lambda: losses.log_normal_density(Z, Z, Z + np.inf), "log_var"),
        (lambda: sampling.monte_carlo_kl(Z, Z + np.nan, 3, 0), "z_log_var"),
        (lambda: losses.monte_carlo_standard_error(np.array([1.0, np.inf])), "samples"),
        (lambda: losses.reconstruction_loss(X * 255, X), "x"),
        (lambda: losses.reconstruction_loss(X, X * 2), "x_reconstructed"),
        (lambda: losses.reconstruction_loss(X - 1, X), "x"),
        (lambda: losses.elbo(X * 255, X, np.zeros((8, 2)), np.zeros((8, 2))), "x"),
]


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_nan_infinity_and_out_of_range_values_are_refused():
    for index, (call, name) in enumerate(NOT_FINITE):
        _refused(call, ValueError, rf"^{INVALID} `{name}`\. Expected finite values", f"NOT_FINITE[{index}]")
    with pytest.raises(ValueError, match=rf"^{INVALID}s `z, mean, log_var`\. Expected values small enough"):
        losses.log_normal_density(Z + 1e12, Z, Z - 80)  # finite inputs, a result that overflows


def test_values_are_checked_before_conversion_on_every_backend():
    # NumPy input is checked as NumPy, whatever the backend converts it to.
    with pytest.raises(ValueError, match="z_log_var"):
        losses.kl_divergence(Z, np.full((4, 2), np.nan, np.float32))
    # A backend tensor is checked too where its values can be read (JAX, TensorFlow).
    tensor = keras.ops.convert_to_tensor(np.full((4, 2), np.inf, np.float32))
    if validation.is_concrete(tensor):
        with pytest.raises(ValueError, match="z_log_var"):
            losses.kl_divergence(Z, tensor)
    else:  # PyTorch: only types and shapes, so the three backends train alike
        assert keras.backend.backend() == "torch"


def test_elbo_refuses_one_kl_row_broadcast_over_many_digits():
    with pytest.raises(ValueError, match=rf"^{INVALID} `z_mean`\. Expected one row per digit of x"):
        losses.elbo(X, X, np.zeros((1, 2)), np.zeros((1, 2)))
    elbo = keras.ops.convert_to_numpy(losses.elbo(X, X, np.zeros((8, 2)), np.zeros((8, 2))))
    assert elbo.shape == (8,) and np.all(elbo <= 0)


def test_the_values_check_leaves_a_compiled_training_step_alone():
    # Inside jit / tf.function the tensors are symbolic: only shapes are checked, and
    # training still trains (the NaN guard watches the loss).
    x = X[:8]
    vae = models.build_vae(2, 8, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = vae.fit(x, x, epochs=1, batch_size=4, verbose=0)
    assert math.isfinite(history.history["loss"][-1])


# --- files and sizes ------------------------------------------------------------------


def test_an_idx_header_declaring_four_billion_images_names_the_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    header = (0x00000801).to_bytes(4, "big") + (2**32 - 1).to_bytes(4, "big")
    path.write_bytes(gzip.compress(header + bytes(10)))
    assert path.stat().st_size < 100
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz: header promises shape \(4294967295,\)"):
        data.read_idx(path)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress((0x00000803).to_bytes(4, "big") + (2**32 - 1).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: header promises"):
        data.read_idx(images)


HUGE = [
        (lambda: models.build_vae(latent_dim=10**9), "latent_dim"),
        (lambda: models.build_vae(latent_dim=785), "latent_dim"),
        (lambda: models.build_vae(hidden_units=10**9), "hidden_units"),
        (lambda: architectures.build_conv_vae(latent_dim=10**9), "latent_dim"),
        (lambda: architectures.build_conv_encoder(dense_units=10**9), "dense_units"),
        (lambda: architectures.build_conv_vae(filters=(10**9,)), "filters"),
]


def test_huge_sizes_are_refused_up_front():
    for index, (build, name) in enumerate(HUGE):
        _refused(build, ValueError, rf"^{INVALID} `{name}`\. Expected an integer between 1 and", f"HUGE[{index}]")
    assert models.build_vae(latent_dim=models.MAX_LATENT_DIM, hidden_units=4).latent_dim == 784


def test_plots_refuse_huge_bins_and_columns():
    with pytest.raises(ValueError, match=rf"^{INVALID} `bins`\. Expected an integer between 1 and 10000"):
        plots.gradient_estimates({"a": np.arange(10.0)}, 0.0, bins=10**8)
    with pytest.raises(ValueError, match=rf"^{INVALID} `bins`"):
        plots.samples_vs_normal(np.zeros((10, 1)), [0.0], [1.0], bins=10**8)
    with pytest.raises(ValueError, match=rf"^{INVALID} `num_columns`"):
        plots.image_grid(X, num_columns=10**8)


# --- exercise checks ------------------------------------------------------------------


def test_exercise_checks_do_not_truncate_floats_or_drop_imaginary_parts():
    right = lesson_01.ex3.verdict(tuple(_closest_pair()))
    assert right.status == checking.CORRECT
    first, second = _closest_pair()
    for answer in ((first + 0.9, second + 0.3), (first + 0.0j, second), (float(first), str(second))):
        verdict = lesson_01.ex3.verdict(answer)
        assert verdict.status == "wrong_type", (answer, verdict)
    assert lesson_01.ex3.verdict((float(first), float(second))).status == checking.CORRECT  # 3.0 is 3
    fraction = float(np.mean(data.load_mnist()[0][0] == 0))
    assert lesson_01.ex1.verdict(fraction).status == checking.CORRECT
    complex_answer = lesson_01.ex1.verdict(fraction + 0j)
    assert complex_answer.status == "wrong_type" and "complex" in complex_answer.text


def _closest_pair():
    (x_train, y_train), _ = data.load_mnist()
    x = data.flatten_and_scale(x_train)
    means = np.stack([x[y_train == digit].mean(axis=0) for digit in range(10)])
    distances = np.linalg.norm(means[:, None] - means[None, :], axis=-1)
    np.fill_diagonal(distances, np.inf)
    return sorted(int(i) for i in np.unravel_index(np.argmin(distances), distances.shape))


def test_a_function_returning_a_complex_result_is_told_so():
    verdict = lesson_02.ex1.verdict(lambda z_mean, z_log_var, epsilon: z_mean + 0j)
    assert verdict.status == "wrong_type" and "complex" in verdict.text


def test_an_answer_of_the_wrong_kind_gets_the_checks_own_diagnosis():
    for answer in (np.float32(3.0), 7, "ab", {"a": 1}, (1, 2, 3, 4)):
        verdict = lesson_01.ex2.verdict(answer)
        assert verdict.status == "wrong_type", (answer, verdict)
        for internal in ("len() of unsized object", "Cannot cast", "Your function raised"):
            assert internal not in verdict.text, (answer, verdict)


def test_errors_of_the_students_function_are_still_reported_as_theirs():
    verdict = lesson_05.ex1.verdict(lambda z_mean, labels: 1 / 0)
    assert verdict.status == "raised" and "ZeroDivisionError" in verdict.text
    assert lesson_05.ex1.verdict(lambda z_mean, labels: (3.5, 7)).status == "wrong_type"


# --- plots: one image-scale rule, refused values -------------------------------------


def test_one_image_scale_rule_uint8_and_float_draw_the_same_picture():
    uint8 = np.round(X.reshape(8, 28, 28) * 255).astype(np.uint8)
    scaled = uint8.astype(np.float32) / 255
    for draw in (
        lambda images: plots.image_grid(images),
        lambda images: plots.comparison_grid(images, images),
        lambda images: plots.manifold(images[:4], 2),
        lambda images: plots.labelled_image_rows({"a": images, "b": images}),
        lambda images: plots.labelled_image_rows({"a": images}, compact=True, description="d"),
        lambda images: plots.interpolation_strip(images),
    ):
        assert _png(draw(uint8)) == _png(draw(scaled))


def test_images_outside_the_rule_are_refused():
    for images, error in (
        (X * 255, ValueError),  # floats on a 0..255 scale: ambiguous, refused
        (X + 1e-3, ValueError),  # a hair above 1 is not drawn on a 0-255 scale
        (np.full((2, 784), 256, np.int64), ValueError),
        (X.astype(bool), TypeError),
    ):
        for name, draw in (
            ("image_grid", plots.image_grid),
            ("comparison_grid", lambda x: plots.comparison_grid(x, x)),
            ("labelled_image_rows", lambda x: plots.labelled_image_rows({"a": x})),
        ):
            _refused(lambda: draw(images), error, f"^{INVALID}", f"{name}({images.dtype}, max {images.max()})")


def test_labelled_image_rows_merges_labelled_rows():
    rows = {"original": X[:5], "reconstruction": X[5:8].repeat(2, axis=0)[:5]}
    compact = plots.labelled_image_rows(rows, compact=True, description="what the rows show")
    wide = plots.labelled_image_rows(rows, title="t", notes={"original": "a note"})
    assert tuple(compact.get_size_inches()) == pytest.approx((5 * 0.9 + 1.2, 2 * 1.0))
    assert tuple(wide.get_size_inches()) == pytest.approx((5 * 0.9 + 2.2, 2 * 0.9 + 0.4))
    compact_axes, wide_axes = compact.axes[0], wide.axes[0]
    frames = [c for c in compact_axes.collections if isinstance(c, matplotlib.collections.PatchCollection)]
    assert matplotlib.colors.to_hex(frames[0].get_edgecolor()[0]) == "#000000"
    assert compact_axes.get_ylabel() == "original" and wide_axes.get_ylabel() == "original\na note"
    from vae_lessons import alt_text

    assert alt_text.alt_text(compact).endswith("; what the rows show")
    assert "a note" in alt_text.alt_text(wide)
    assert not hasattr(plots, "labelled_rows")
    with pytest.raises(ValueError, match=rf"^{INVALID} `rows`\. Expected rows of 5 images each"):
        plots.labelled_image_rows({"a": X[:5], "b": X[:4]})
    with pytest.raises(TypeError, match=rf"^{INVALID} `compact`"):
        plots.labelled_image_rows(rows, compact="yes")


def test_plots_refuse_negative_kls_nan_ticks_and_inconsistent_scores():
    with pytest.raises(ValueError, match=rf"^{INVALID} `kl_by_label`"):
        plots.kl_per_dimension({"a": np.array([1.0, -0.5])})
    with pytest.raises(ValueError, match=rf"^{INVALID} `values`"):
        plots.manifold(X[:4], 2, values=[np.nan, 1.0])
    good = evaluation.HeldOutScore(negative_elbo=150.0, reconstruction=140.0, kl=10.0, standard_error=1.0, num_digits=8)
    plots.rate_distortion_with_values({"a": good})
    for bad in (
        evaluation.HeldOutScore(negative_elbo=160.0, reconstruction=140.0, kl=10.0, standard_error=1.0, num_digits=8),
        evaluation.HeldOutScore(negative_elbo=130.0, reconstruction=140.0, kl=-10.0, standard_error=1.0, num_digits=8),
        evaluation.HeldOutScore(negative_elbo=math.nan, reconstruction=140.0, kl=10.0, standard_error=1.0, num_digits=8),
    ):
        with pytest.raises(ValueError, match=rf"^{INVALID} `scores\['a'\]`"):
            plots.rate_distortion_with_values({"a": bad})
    with pytest.raises(ValueError, match=rf"^{INVALID} `scores`"):
        plots.rate_distortion_with_values({})


# --- widgets --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer():
    return widgets.LatentExplorer(models.build_vae(2, 16, seed=0))


@pytest.mark.parametrize(
    "name, value, error",
    [
        ("step", -1.0, ValueError),
        ("step", "fine", TypeError),
        ("z_range", -5.0, ValueError),
        ("z_range", math.nan, ValueError),
        ("dimensions", [99], ValueError),
        ("dimensions", None, TypeError),
        ("image_size", 5, ValueError),
    ],
)
def test_synced_traits_are_checked_on_assignment(explorer, name, value, error):
    before = getattr(explorer, name)
    with pytest.raises(error, match=rf"^{INVALID} `{name}`"):
        setattr(explorer, name, value)
    assert getattr(explorer, name) == before  # a wrong value changes nothing


def test_synced_traits_accept_numpy_scalars(explorer):
    explorer.step, explorer.z_range, explorer.dimensions = np.float32(0.5), np.int64(4), [np.int64(1)]
    assert (explorer.step, explorer.z_range, explorer.dimensions) == (0.5, 4.0, [1])
    explorer.z = [3.5, 0.0]
    with pytest.raises(ValueError, match=rf"^{INVALID} `z_range`\. Expected a range that holds the current z"):
        explorer.z_range = 1.0
    explorer.reset()
    explorer.z_range, explorer.step, explorer.dimensions = 3.0, 0.01, [0, 1]


def test_unpack_decoder_weights_checks_what_it_reads(explorer):
    packed = explorer.packed_decoder
    assert widgets.unpack_decoder_weights(packed)["output_kernel"].shape == (16, 784)
    for bad, error, name in (
        ({**packed, "hidden_bias": "@@"}, ValueError, r"packed\['hidden_bias'\]"),
        ({**packed, "hidden_bias": 3}, TypeError, r"packed\['hidden_bias'\]"),
        ({**packed, "latent_dim": 2.5}, TypeError, r"packed\['latent_dim'\]"),
        ({k: v for k, v in packed.items() if k != "output_bias"}, ValueError, "packed"),
        ("packed", TypeError, "packed"),
    ):
        with pytest.raises(error, match=rf"^{INVALID} `{name}`"):
            widgets.unpack_decoder_weights(bad)


# --- misleading messages ----------------------------------------------------------------


def test_a_huge_kl_weight_is_named_when_training_diverges():
    config = training.TrainingConfig(kl_weight=1e40)
    with pytest.raises(FloatingPointError, match=r"kl_weight=1e\+40 multiplies the KL"):
        training.check_finite({"loss": [math.nan]}, config)
    with pytest.raises(FloatingPointError, match="smaller learning_rate"):
        training.check_finite({"loss": [math.nan]}, training.TrainingConfig())


def test_held_out_score_names_the_conditional_model():
    vae = models.build_vae(2, 8, seed=0, vae_class=conditional.ConditionalVAE)
    with pytest.raises(ValueError, match=rf"^{INVALID} `vae`\. Expected an unconditional models.VAE"):
        evaluation.held_out_score(vae, X)


def test_load_mnist_refuses_an_empty_source_and_explains_an_offline_keras(monkeypatch):
    for empty in ("", "  "):
        with pytest.raises(ValueError, match=rf"^{INVALID} `source`"):
            data.load_mnist(empty)

    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...")  # Keras's bare Exception

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(ValueError, match=r"needs the internet once.*load_mnist\('sample'\)"):
        data.load_mnist("keras")


# --- helpers that checked nothing --------------------------------------------------------


def test_read_idx_and_with_labels_check_their_arguments(tmp_path):
    with pytest.raises(TypeError, match=rf"^{INVALID} `path`"):
        data.read_idx(3)
    with pytest.raises(ValueError, match="file not found"):
        data.read_idx(tmp_path / "missing.gz")
    with pytest.raises(TypeError, match=rf"^{INVALID} `rows`"):
        conditional.with_labels("abc", 1)
    with pytest.raises(ValueError, match=rf"^{INVALID} `rows`"):
        conditional.with_labels(np.zeros(3), [1, 2, 3])
    with pytest.raises(ValueError, match=rf"^{INVALID} `rows`"):
        conditional.with_labels(np.full((3, 2), np.nan), [1, 2, 3])


def test_vae_refuses_parts_that_are_not_an_encoder_and_a_decoder():
    encoder, decoder = models.build_encoder(2, 8), models.build_decoder(2, 8)
    with pytest.raises(TypeError, match=rf"^{INVALID} `encoder`"):
        models.VAE(1, decoder)
    with pytest.raises(TypeError, match=rf"^{INVALID} `decoder`"):
        models.VAE(encoder, "decoder")
    with pytest.raises(ValueError, match=rf"^{INVALID} `encoder`"):
        models.VAE(decoder, decoder)
    with pytest.raises(ValueError, match=rf"^{INVALID} `decoder`\. Expected a keras.Model from inputs \(batch, 2\)"):
        models.VAE(encoder, models.build_decoder(3, 8))
    assert models.VAE(encoder, decoder).latent_dim == 2


def test_load_vae_names_the_file_of_a_config_that_is_not_json(tmp_path):
    for content in (b"\xff not json", b"{broken", b"[1, 2]"):
        path = tmp_path / "model.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", content)
        with pytest.raises(ValueError, match=r"model\.keras: config\.json"):
            saving.load_vae(path)


def test_sampling_and_compact_progress_check_their_arguments():
    with pytest.raises(TypeError, match=rf"{INVALID} `inputs`\. Expected a list of two tensors \[z_mean, z_log_var\]"):
        sampling.Sampling()(Z)
    z = keras.ops.convert_to_numpy(sampling.Sampling(seed=0)([Z, Z]))
    assert z.shape == (4, 2) and np.isfinite(z).all()
    for every, error in ((0, ValueError), (2.5, TypeError), (None, TypeError)):
        with pytest.raises(error, match=rf"^{INVALID} `every`"):
            training.CompactProgress(every=every)
    assert training.CompactProgress(every=np.int64(5)).every == 5


def test_data_errors_use_kerass_words_and_files_come_first(tmp_path):
    with pytest.raises(TypeError, match=rf"^{INVALID} `images`\. Expected uint8 images of shape \(n, 28, 28\)"):
        data.flatten_and_scale(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match=rf"^{INVALID} `labels`\. Expected one label per image"):
        data.stratified_subset(np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), 1, 0)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.float32), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))  # fmt: skip
    with pytest.raises(ValueError, match=rf"mnist\.npz: {INVALID} `x_train`\. .* Received: x_train\.dtype=float32"):
        data.load_mnist(path)
    with pytest.raises(ValueError, match=rf"^{INVALID} `x`\. .*use data\.flatten_and_scale"):
        data.check_digits(np.full((2, 784), 255.0))
    assert evaluation.check_digits is data.check_digits
