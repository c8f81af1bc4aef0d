"""The latent explorer, Python side: packed weights, the browser's forward pass, the API, errors.

The browser itself is tested in test_browser_jupyterlab.py. Here the JavaScript forward
pass runs under Node.js (when installed) and must agree with its NumPy twin.
"""

import json
import math
import re
import shutil
import subprocess

import keras
import numpy as np
import pytest

from vae_lessons import conditional, data, models, training, widgets

NODE = shutil.which("node")


@pytest.fixture(scope="module")
def small_vae():
    training.set_seed(0)
    return models.build_vae(latent_dim=2, hidden_units=16)


@pytest.fixture(scope="module")
def wide_vae():
    training.set_seed(1)
    return models.build_vae(latent_dim=12, hidden_units=16)


@pytest.fixture(scope="module")
def realistic_decoder():
    """The default size (2 -> 512 -> 784) with weights of a trained decoder's scale; no training."""
    decoder = models.build_decoder(latent_dim=2, hidden_units=512)
    rng = np.random.default_rng(0)
    decoder.get_layer("decoder_hidden").set_weights(
        [rng.normal(0, 0.3, (2, 512)).astype("float32"), rng.normal(0, 0.3, 512).astype("float32")]
    )
    decoder.get_layer("x_reconstructed").set_weights(
        [rng.normal(0, 0.25, (512, 784)).astype("float32"), rng.normal(-2, 1, 784).astype("float32")]
    )
    return decoder


@pytest.fixture(scope="module")
def digits():
    _, (x_test, y_test) = data.load_mnist()
    return x_test[:6], y_test[:6]


@pytest.fixture
def explorer(small_vae, digits):
    images, labels = digits
    return widgets.LatentExplorer(small_vae, examples=images, labels=labels)


def latent_grid(latent_dim, z_range=3.0, count=200, seed=0):
    """Random latent points, plus the corners of the slider box."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-z_range, z_range, (count, latent_dim))
    corners = np.sign(rng.standard_normal((8, latent_dim))) * z_range
    return np.concatenate([points, corners]).astype(np.float32)


# --- packed weights ----------------------------------------------------------------------


def test_quantize_columns_round_trips_within_half_a_step():
    rng = np.random.default_rng(0)
    kernel = rng.normal(0, 1, (50, 7)).astype(np.float32)
    kernel[:, 3] = 0  # an all-zero column
    quantized, scale = widgets.quantize_columns(kernel)
    assert quantized.dtype == np.int8 and quantized.shape == (50, 7)
    assert scale.dtype == np.float32 and scale.shape == (7,)
    assert np.abs(quantized).max() <= 127
    assert scale[3] == 1 and not quantized[:, 3].any()
    assert np.all(np.abs(quantized * scale - kernel) <= scale / 2 + 1e-7)


def test_packed_weights_unpack_to_the_keras_weights(realistic_decoder):
    packed = widgets.pack_decoder_weights(realistic_decoder)
    json.dumps(packed)  # JSON-ready
    weights = widgets.unpack_decoder_weights(packed)
    hidden_kernel, hidden_bias = realistic_decoder.get_layer("decoder_hidden").get_weights()
    output_kernel, output_bias = realistic_decoder.get_layer("x_reconstructed").get_weights()
    np.testing.assert_array_equal(weights["hidden_kernel"], hidden_kernel)  # float32, exact
    np.testing.assert_array_equal(weights["hidden_bias"], hidden_bias)
    np.testing.assert_array_equal(weights["output_bias"], output_bias)
    step = np.abs(output_kernel).max(axis=0) / 127  # int8: within half a step per column
    assert np.all(np.abs(weights["output_kernel"] - output_kernel) <= step / 2 + 1e-6)
    assert np.abs(weights["output_kernel"] - output_kernel).max() < 0.01


def test_unpack_rejects_other_data():
    expected = "argument `packed`. Expected a dict from pack_decoder_weights with format 'vae-lessons-mlp-decoder-int8/1'"
    with pytest.raises(ValueError, match=expected + ".*Received: packed=\"format 'something else', missing \\['latent_dim'"):
        widgets.unpack_decoder_weights({"format": "something else"})
    with pytest.raises(TypeError, match=expected + ". Received: packed='str'"):
        widgets.unpack_decoder_weights("not a dict")


def test_browser_forward_pass_matches_keras_small(small_vae):
    packed = widgets.pack_decoder_weights(small_vae.decoder)
    z = latent_grid(2)
    np.testing.assert_allclose(widgets.decode_with_packed_weights(packed, z), small_vae.decode(z), atol=2e-3)


def test_browser_forward_pass_matches_keras_default_size(realistic_decoder):
    packed = widgets.pack_decoder_weights(realistic_decoder)
    z = latent_grid(2)
    keras_pixels = keras.ops.convert_to_numpy(realistic_decoder(z))
    error = np.abs(widgets.decode_with_packed_weights(packed, z) - keras_pixels)
    assert error.max() < 0.05 and error.mean() < 0.003, (error.max(), error.mean())  # random weights: harder than trained


def test_browser_forward_pass_matches_keras_trained():
    """The accuracy that matters: the trained default model, over the slider range."""
    vae, _ = training.trained_vae(training.TrainingConfig())
    packed = widgets.pack_decoder_weights(vae.decoder)
    z = latent_grid(2, count=500)
    error = np.abs(widgets.decode_with_packed_weights(packed, z) - vae.decode(z))
    assert error.max() < 0.03, error.max()  # measured 0.019 (JAX), i.e. 5 gray levels
    assert error.mean() < 1e-3, error.mean()  # measured 0.0005
    gray_error = np.abs(widgets.gray_levels(widgets.decode_with_packed_weights(packed, z)).astype(int)
                        - widgets.gray_levels(vae.decode(z)))  # fmt: skip
    # At most 8 levels: the 0.03 bound above is 7.65 of 255 before each side rounds to a level
    # (JAX's model measures 5, a PyTorch-trained one 7), the bound the browser tests use too.
    assert gray_error.max() <= 8 and gray_error.mean() < 0.3


def test_decode_with_packed_weights_checks_z(small_vae):
    packed = widgets.pack_decoder_weights(small_vae.decoder)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        widgets.decode_with_packed_weights(packed, np.zeros(2))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        widgets.decode_with_packed_weights(packed, np.zeros((1, 3)))


def test_gray_levels_paint_ink_dark_on_white():
    np.testing.assert_array_equal(widgets.gray_levels([0.0, 1.0, 0.5, 0.2]), [255, 0, 128, 204])


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the front end's forward pass")
def test_javascript_forward_pass_matches_its_numpy_twin(realistic_decoder, tmp_path):
    packed = widgets.pack_decoder_weights(realistic_decoder)
    z = latent_grid(2, count=20)
    (tmp_path / "input.json").write_text(json.dumps({"packed": packed, "z": z.tolist()}))
    script = f"""
        import {{ readFileSync }} from "node:fs";
        import {{ unpack, decode }} from {json.dumps((widgets.STATIC / "latent_explorer.js").as_uri())};
        const input = JSON.parse(readFileSync({json.dumps(str(tmp_path / "input.json"))}, "utf8"));
        const weights = unpack(input.packed);
        const pixels = input.z.map((z) => Array.from(decode(weights, z, new Float64Array(784))));
        console.log(JSON.stringify(pixels));
    """
    result = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    browser_pixels = np.array(json.loads(result.stdout))
    np.testing.assert_allclose(browser_pixels, widgets.decode_with_packed_weights(packed, z), atol=1e-9)


# --- the decoder check -------------------------------------------------------------------


def test_explorer_rejects_what_is_not_a_keras_model(check_each):
    cases = [(repr(value), value) for value in ["decoder", np.zeros((2, 784)), None, 3]]

    def refused(value):
        expected = "argument `model`. Expected a VAE of this package, or a decoder from models.build_decoder"
        with pytest.raises(TypeError, match=re.escape(f"{expected}. Received: model='{type(value).__name__}'")):
            widgets.LatentExplorer(value)

    check_each(cases, refused)


def _decoder(latent_dim=2, hidden=(("decoder_hidden", 16, "relu"), ("x_reconstructed", 784, "sigmoid"))):
    z = keras.Input(shape=(latent_dim,))
    x = z
    for name, units, activation in hidden:
        x = keras.layers.Dense(units, activation=activation, name=name)(x)
    return keras.Model(z, x)


def test_explorer_accepts_a_bare_decoder_of_the_right_architecture():
    explorer = widgets.LatentExplorer(_decoder(latent_dim=3))
    assert explorer.latent_dim == 3 and explorer.dimensions == [0, 1, 2]


def test_explorer_rejects_decoders_of_another_architecture(check_each):
    mlp_decoder = "argument `model`. Expected this package's MLP decoder: one input z, then Dense(hidden_units, relu)"
    cases = {
        "output not 784": (
            (("decoder_hidden", 16, "relu"), ("x_reconstructed", 100, "sigmoid")),
            ("argument `model`. Expected layer 'x_reconstructed' reading 'decoder_hidden' and drawing the 784 pixels",
             "Received: model='kernel shape (16, 100)'"),
        ),
        "hidden not relu": (
            (("decoder_hidden", 16, "tanh"), ("x_reconstructed", 784, "sigmoid")),
            ("argument `model`. Expected layer 'decoder_hidden' with activation relu. Received: model='activation tanh'",),
        ),
        "output not sigmoid": (
            (("decoder_hidden", 16, "relu"), ("x_reconstructed", 784, "linear")),
            ("argument `model`. Expected layer 'x_reconstructed' with activation sigmoid. Received: model='activation linear'",),
        ),
        "other names": (
            (("dense_a", 16, "relu"), ("dense_b", 784, "sigmoid")),
            (mlp_decoder, "Received: model='layers [\"Dense \\'dense_a\\'\", \"Dense \\'dense_b\\'\"]'"),
        ),
        "an extra layer": (
            (("decoder_hidden", 16, "relu"), ("extra", 16, "relu"), ("x_reconstructed", 784, "sigmoid")),
            (mlp_decoder, "\"Dense \\'extra\\'\""),
        ),
    }

    def refused(case):
        hidden, fragments = case
        with pytest.raises(ValueError, match=".*".join(re.escape(fragment) for fragment in fragments)):
            widgets.LatentExplorer(_decoder(hidden=hidden))

    check_each(cases.items(), refused)


def test_explorer_rejects_a_whole_vae_as_decoder_argument_of_the_checker(small_vae):
    with pytest.raises(ValueError, match=r"argument `model`. Expected this package's MLP decoder.*Received: model='layers \[\"Functional \\'encoder\\'\""):
        widgets.check_decoder(small_vae)  # a VAE is a Keras model, but not a decoder


def test_examples_need_an_encoder(small_vae, digits):
    with pytest.raises(TypeError, match="pass the whole VAE"):
        widgets.LatentExplorer(small_vae.decoder, examples=digits[0])


# --- the explorer ------------------------------------------------------------------------


def test_explorer_is_one_widget_whose_state_the_front_end_draws(explorer):
    assert explorer.latent_dim == 2 and explorer.dimensions == [0, 1]
    state = explorer.get_state()
    assert (state["z_range"], state["step"], state["z"]) == (3.0, 0.01, [0.0, 0.0])
    assert state["dimensions"] == [0, 1] and state["dimension_labels"] == ["z₁", "z₂"]
    assert state["packed_decoder"]["latent_dim"] == 2
    assert not [name for name in state if re.fullmatch(r"z_\d+", name)]  # one list, not a trait per dimension


def test_setting_z_updates_traits_and_sliders(explorer):
    explorer.z = [0.5, -1.25]
    assert explorer.z.dtype == np.float32 and explorer.z.shape == (2,)
    np.testing.assert_allclose(explorer.z, [0.5, -1.25])
    assert explorer.get_state()["z"] == [0.5, -1.25]  # synced as a list of numbers
    explorer.z = np.array([3.0, -3.0])  # the range's ends are allowed
    assert explorer.get_state()["z"] == [3.0, -3.0]


def test_a_z_from_the_browser_is_read_back_as_z(explorer):
    explorer.set_state({"z": [0.0, 0.75]})  # what the front end sends when a slider moves
    np.testing.assert_allclose(explorer.z, [0.0, 0.75])
    assert explorer.z.dtype == np.float32


def test_a_wrong_z_from_the_browser_is_refused_and_changes_nothing(explorer, check_each):
    def refused(value):
        explorer.z = [0.25, 0.5]
        with pytest.raises((TypeError, ValueError), match="z"):
            explorer.set_state({"z": value})
        np.testing.assert_allclose(explorer.z, [0.25, 0.5])

    check_each(((repr(value), value) for value in [[0.5], [0.5, "a"], [0.5, None], [0.5, 9.0], "ab"]), refused)


def test_setting_a_wrong_z_fails_clearly_and_changes_nothing(explorer, check_each):
    cases = [
        ([1.0], ValueError, r"Received: z='shape \(1,\)'"),
        ([1.0, 2.0, 3.0], ValueError, r"Received: z='shape \(3,\)'"),
        ([[1.0, 2.0]], ValueError, r"Received: z='shape \(1, 2\)'"),
        ([3.5, 0.0], ValueError, r"Received: z=\[3.5, 0.0\]"),
        ([0.0, -10.0], ValueError, r"Received: z=\[0.0, -10.0\]"),
        ([np.nan, 0.0], ValueError, r"Received: z=\[nan, 0.0\]"),
        (["a", "b"], TypeError, "Received: z='list'"),
        (None, TypeError, "Received: z=None"),
    ]
    expected = r"argument `z`. Expected 2 finite numbers \(one per latent dimension\) in the slider range \[-3.0, 3.0\]. "

    def refused(case):
        value, error, message = case
        explorer.z = [0.25, 0.5]
        with pytest.raises(error, match=expected + message):
            explorer.z = value
        np.testing.assert_allclose(explorer.z, [0.25, 0.5])

    check_each(((f"z = {case[0]!r}", case) for case in cases), refused)


def test_image_is_the_keras_decoders_output(explorer, small_vae):
    explorer.z = [1.0, -0.5]
    image = explorer.image()
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert 0 <= image.min() and image.max() <= 1
    np.testing.assert_allclose(image.reshape(1, 784), small_vae.decode([[1.0, -0.5]]), atol=1e-6)
    np.testing.assert_allclose(explorer.image([0, 0]).reshape(1, 784), small_vae.decode([[0, 0]]), atol=1e-6)
    np.testing.assert_allclose(explorer.browser_image(), image, atol=2e-3)
    with pytest.raises(ValueError, match="slider range"):
        explorer.image([4.0, 0.0])


def test_examples_start_from_their_encoder_means(explorer, small_vae, digits):
    images, labels = digits
    z_mean = small_vae.encode(data.flatten_and_scale(images))[0]
    np.testing.assert_allclose(explorer.examples_z, z_mean, atol=1e-5)
    stored = explorer.examples
    assert [example["label"] for example in stored] == labels.tolist()
    np.testing.assert_allclose([example["z"] for example in stored], z_mean, atol=1e-4)
    image = np.frombuffer(__import__("base64").b64decode(stored[2]["image"]), dtype=np.uint8)
    np.testing.assert_array_equal(image, images[2].reshape(784))
    explorer.start_from_example(2)
    np.testing.assert_allclose(explorer.z, z_mean[2], atol=1e-4)
    with pytest.raises(ValueError, match=r"`index`. Expected an integer between 0 and 5"):
        explorer.start_from_example(6)
    with pytest.raises(TypeError, match="`index`. Expected an integer"):
        explorer.start_from_example(1.0)


def test_examples_accept_float_pixels(small_vae, digits):
    images, _ = digits
    explorer = widgets.LatentExplorer(small_vae, examples=images.reshape(6, 784) / 255.0)
    assert [example["label"] for example in explorer.examples] == [None] * 6


def test_wrong_examples_fail_clearly(small_vae, check_each):
    cases = {
        "28 by 27 images": (np.zeros((3, 28, 27), np.uint8), None, ValueError,
                            r"argument `examples`. Expected uint8 images of shape \(n, 28, 28\).*Received: examples.shape=\(3, 28, 27\)"),
        "10 pixels": (np.zeros((3, 10)), None, ValueError,
                      r"argument `examples`. Expected a finite array of shape \(n, 784\).*Received: examples.shape=\(3, 10\)"),
        "pixels of 2.0": (np.full((3, 784), 2.0), None, ValueError,
                          r"argument `examples`. Expected .*values between 0.0 and 1.0. Received: examples with values in \[2, 2\]"),
        "21 digits": (np.zeros((21, 28, 28), np.uint8), None, ValueError, "1 to 20 digits"),
        "fewer labels": (np.zeros((3, 28, 28), np.uint8), [1, 2], ValueError,
                         r"argument `labels`. Expected integer labels 0..9 of shape \(3,\).*Received: labels.shape=\(2,\)"),
        "labels alone": (None, [1, 2], ValueError, "argument `labels`. Expected None without examples"),
        "strings": (np.array([["a"] * 784]), None, TypeError,
                    r"argument `examples`. Expected uint8 images \(n, 28, 28\) or float digits \(n, 784\).*Received: examples='dtype <U1'"),
    }

    def refused(case):
        examples, labels, error, message = case
        with pytest.raises(error, match=message):
            widgets.LatentExplorer(small_vae, examples=examples, labels=labels)

    check_each(cases.items(), refused)


def test_z_range_widens_to_hold_the_examples(small_vae, digits):
    assert widgets.LatentExplorer(small_vae).z_range == 3.0  # no examples: the default
    training.set_seed(2)
    vae = models.build_vae(latent_dim=2, hidden_units=16)
    z_mean_layer = vae.encoder.get_layer("z_mean")
    kernel, bias = z_mean_layer.get_weights()
    z_mean_layer.set_weights([kernel * 50, bias])  # encoder means far out
    explorer = widgets.LatentExplorer(vae, examples=digits[0])
    largest = np.abs(explorer.examples_z).max()
    assert largest > 3
    assert explorer.z_range == math.ceil(largest * 2) / 2  # in steps of 0.5
    assert explorer.get_state()["z_range"] == explorer.z_range  # the sliders' ends, in the front end
    explorer.start_from_example(int(np.abs(explorer.examples_z).max(axis=1).argmax()))  # within range


def test_explicit_z_range_clips_the_examples(small_vae, digits):
    explorer = widgets.LatentExplorer(small_vae, examples=digits[0], z_range=0.01)
    assert explorer.z_range == 0.01 and np.abs(explorer.examples_z).max() <= 0.01
    assert explorer.get_state()["z_range"] == 0.01


def test_wrong_settings_fail_clearly(small_vae, check_each):
    cases = [
        ("z_range", 0, ValueError, r"`z_range`. Expected a finite number between 0 and 100"),
        ("z_range", float("inf"), ValueError, "`z_range`. Expected a finite number"),
        ("z_range", "3", TypeError, "`z_range`. Expected a finite number"),
        ("step", 0, ValueError, r"`step`. Expected a finite number between 0 and 3.0"),
        ("step", 5, ValueError, "`step`. Expected"),
        ("step", None, TypeError, "`step`. Expected a finite number"),
        ("image_size", 10, ValueError, "`image_size`. Expected an integer between 28 and 1024"),
        ("image_size", 252.0, TypeError, "`image_size`. Expected an integer"),
    ]

    def refused(case):
        keyword, value, error, message = case
        with pytest.raises(error, match=message):
            widgets.LatentExplorer(small_vae, **{keyword: value})

    check_each(((f"{case[0]}={case[1]!r}", case) for case in cases), refused)


def test_large_latent_dim_shows_the_first_eight_sliders_but_keeps_all_of_z(wide_vae):
    explorer = widgets.LatentExplorer(wide_vae)
    assert explorer.dimensions == list(range(8))
    assert explorer.z.shape == (12,)
    z = np.linspace(-1, 1, 12)
    explorer.z = z
    np.testing.assert_allclose(explorer.z, z, atol=1e-6)
    assert explorer.get_state()["z"][11] == pytest.approx(1.0)


def test_dimensions_can_be_chosen_and_changed(wide_vae):
    explorer = widgets.LatentExplorer(wide_vae, dimensions=[5, 0, 11])
    assert explorer.dimensions == [5, 0, 11]
    labels = explorer.get_state()["dimension_labels"]
    assert [labels[index] for index in explorer.dimensions] == ["z₆", "z₁", "z₁₂"]
    explorer.z = np.full(12, 0.5)
    explorer.show_dimensions([np.int64(2), 3])
    assert explorer.get_state()["dimensions"] == [2, 3]
    np.testing.assert_allclose(explorer.z, 0.5)  # z is kept
    explorer.show_dimensions()
    assert explorer.dimensions == list(range(8))


def test_bad_dimension_choices_fail_clearly(wide_vae, check_each):
    cases = [
        ([0, 12], ValueError, r"in 0\.\.11 \(latent_dim=12\). Received: dimensions=\[0, 12\]"),
        ([-1], ValueError, r"Received: dimensions=\[-1\]"),
        ([1, 1], ValueError, "distinct"),
        ([], ValueError, "non-empty"),
        ([0.0, 1.0], TypeError, "`dimensions`. Expected a non-empty sequence of distinct integers"),
        ([True], TypeError, "`dimensions`. Expected a non-empty sequence of distinct integers"),
        ("01", TypeError, "sequence of distinct integers"),
        (3, TypeError, "sequence of distinct integers"),
    ]

    def refused(case):
        dimensions, error, message = case
        with pytest.raises(error, match=message):
            widgets.LatentExplorer(wide_vae, dimensions=dimensions)

    check_each(((f"dimensions={case[0]!r}", case) for case in cases), refused)


def test_most_active_dimensions_ranks_by_variance_of_z_mean():
    rng = np.random.default_rng(0)
    z_mean = rng.normal(0, 1, (300, 5)) * np.array([0.01, 2.0, 0.5, 1.0, 0.001])
    assert widgets.most_active_dimensions(z_mean, count=3) == [1, 3, 2]
    with pytest.raises(ValueError, match=r"`count`. Expected an integer between 1 and 5"):
        widgets.most_active_dimensions(z_mean, count=6)
    with pytest.raises(ValueError, match="n >= 2"):
        widgets.most_active_dimensions(z_mean[:1], count=1)
    with pytest.raises(TypeError, match="`count`. Expected an integer"):
        widgets.most_active_dimensions(z_mean, count=2.0)


def test_reset_and_random_z(explorer):
    explorer.z = [1.0, 1.0]
    explorer.reset()
    np.testing.assert_array_equal(explorer.z, [0, 0])
    z = explorer.random_z(seed=3)
    np.testing.assert_allclose(explorer.z, z)
    assert np.any(z != 0) and np.all(np.abs(z) <= 3)
    np.testing.assert_allclose(z * 100, np.round(z * 100), atol=1e-3)  # on the slider's steps
    np.testing.assert_array_equal(explorer.random_z(seed=3), z)


def test_repr_is_short_and_stable(explorer):
    bundle, _ = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == "LatentExplorer(latent_dim=2, dimensions=[0, 1])"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert not re.search(r" at 0x[0-9a-f]+", repr(explorer))


def test_widget_state_is_small_for_the_default_model(realistic_decoder):
    explorer = widgets.LatentExplorer(realistic_decoder)
    size = explorer.state_size()
    assert size < 700_000, size  # about 0.55 MB: int8 output kernel, base64
    esm = explorer.get_state()["_esm"]
    assert "export default" in esm and "decode" in esm


def test_slider_labels_follow_the_lessons_notation():
    assert [widgets.slider_label(index) for index in (0, 1, 11)] == ["z₁", "z₂", "z₁₂"]


def test_a_large_state_warns_with_its_size():
    decoder = models.build_decoder(latent_dim=2, hidden_units=4096)
    with pytest.warns(UserWarning, match=r"state is 4\.\d MB .*fewer hidden units \(4096 now\)"):
        widgets.LatentExplorer(decoder)


def test_a_decoder_with_nan_or_inf_weights_is_refused(check_each):
    def refused(case):
        layer, index, bad = case
        decoder = _decoder()
        weights = decoder.get_layer(layer).get_weights()
        weights[index].flat[0] = bad
        decoder.get_layer(layer).set_weights(weights)
        part = f"{layer} {'kernel' if index == 0 else 'bias'}"
        with pytest.raises(ValueError, match=rf"argument `model`. Expected a decoder with finite weights.*Received: model='NaN or infinity in {part}'"):
            widgets.LatentExplorer(decoder)

    cases = [(layer, index, bad) for layer, index in [("decoder_hidden", 0), ("decoder_hidden", 1), ("x_reconstructed", 0)]
             for bad in (np.nan, np.inf)]  # fmt: skip
    check_each(((f"{layer} weights[{index}] = {bad}", (layer, index, bad)) for layer, index, bad in cases), refused)


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the front end's checks")
def test_javascript_refuses_a_bad_z_and_keeps_nan_visible(small_vae, tmp_path):
    """The front end never hides a problem: a short z, strings, NaN weights all fail loudly."""
    packed = widgets.pack_decoder_weights(small_vae.decoder)
    nan_packed = dict(packed, hidden_bias=widgets._to_base64(np.full(16, np.nan), "<f4"))
    (tmp_path / "input.json").write_text(json.dumps({"packed": packed, "nan_packed": nan_packed}))
    script = f"""
        import {{ readFileSync }} from "node:fs";
        import {{ unpack, decode, checkZ, describeZ }} from {json.dumps((widgets.STATIC / "latent_explorer.js").as_uri())};
        const input = JSON.parse(readFileSync({json.dumps(str(tmp_path / "input.json"))}, "utf8"));
        const weights = unpack(input.packed);
        const outcome = (thunk) => {{ try {{ thunk(); return "ok"; }} catch (error) {{ return error.message; }} }};
        const out = new Float64Array(784);
        console.log(JSON.stringify({{
            short: outcome(() => decode(weights, [0.5], out)),
            strings: outcome(() => decode(weights, ["0.5", "1"], out)),
            nan_z: outcome(() => decode(weights, [NaN, 0], out)),
            good: outcome(() => decode(weights, [0.5, -1], out)),
            nan_weights: outcome(() => unpack(input.nan_packed)),
            check: checkZ([1, 2], 2) instanceof Error,
            described: describeZ([0.5, -1]),
        }}));
    """
    result = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["short"] == "z must hold 2 numbers, got 1"
    assert outcome["strings"].startswith("z must hold finite numbers")
    assert outcome["nan_z"].startswith("z must hold finite numbers")
    assert outcome["good"] == "ok" and outcome["check"] is False
    assert outcome["nan_weights"] == "latent explorer: hidden_bias holds NaN or infinity"
    assert outcome["described"] == "z = (0.50, -1.00)"


# --- the conditional explorer: a label chooser next to the sliders -----------------------


@pytest.fixture(scope="module")
def conditional_vae():
    training.set_seed(2)
    return models.build_vae(latent_dim=2, hidden_units=16, vae_class=conditional.ConditionalVAE)


@pytest.fixture
def conditional_explorer(conditional_vae, digits):
    images, labels = digits
    return widgets.LatentExplorer(conditional_vae, examples=images, labels=labels)


def test_conditional_packed_weights_hold_the_label_rows(conditional_vae):
    packed = widgets.pack_decoder_weights(conditional_vae.decoder, condition_dim=10)
    assert packed["latent_dim"] == 2 and packed["condition_dim"] == 10
    kernel = conditional_vae.decoder.get_layer("decoder_hidden").get_weights()[0]
    np.testing.assert_array_equal(widgets.unpack_decoder_weights(packed)["hidden_kernel"], kernel)  # (12, 16)
    assert widgets.pack_decoder_weights(models.build_decoder(2, 8))["condition_dim"] == 0


def test_conditional_browser_image_matches_keras_for_each_label(conditional_explorer, conditional_vae, check_each):
    def matches(label):
        conditional_explorer.label = label
        for z in latent_grid(2, count=5):
            keras_pixels = conditional_vae.decode(z[None, :], label).reshape(28, 28)
            np.testing.assert_allclose(conditional_explorer.browser_image(z), keras_pixels, atol=2e-3)
            np.testing.assert_allclose(conditional_explorer.image(z), keras_pixels, atol=1e-6)
        # an explicit label wins over the current one
        other = (label + 5) % 10
        np.testing.assert_allclose(
            conditional_explorer.image([0.5, -1.0], label=other),
            conditional_vae.decode(np.array([[0.5, -1.0]]), other).reshape(28, 28), atol=1e-6,
        )

    check_each(((f"label {label}", label) for label in (0, 3, 7, 9)), matches)


def test_the_label_changes_the_drawn_digit(conditional_explorer):
    conditional_explorer.z = [0.5, -1.0]
    images = [conditional_explorer.browser_image(label=label) for label in range(10)]
    assert all(not np.allclose(images[0], image) for image in images[1:])


def test_label_trait_is_synced_and_validated(conditional_explorer, explorer):
    assert conditional_explorer.conditional and conditional_explorer.label == 0
    assert conditional_explorer.get_state()["label"] == 0
    conditional_explorer.label = np.int64(4)
    assert conditional_explorer.label == 4 and conditional_explorer.get_state()["label"] == 4
    conditional_explorer.set_state({"label": 8})  # what a click in the browser sends
    assert conditional_explorer.label == 8
    for bad, error in [(10, ValueError), (-1, ValueError), (2.0, TypeError), ("3", TypeError), (None, TypeError)]:
        with pytest.raises(error, match="argument `label`"):
            conditional_explorer.label = bad
        assert conditional_explorer.label == 8  # a wrong value changes nothing
    assert repr(conditional_explorer) == "LatentExplorer(latent_dim=2, dimensions=[0, 1], label=8)"
    # an unconditional explorer has no label and refuses one
    assert not explorer.conditional and explorer.label is None and explorer.get_state()["label"] is None
    with pytest.raises(ValueError, match="argument `label`. Expected None: this model is not conditional"):
        explorer.label = 3
    with pytest.raises(ValueError, match="not conditional"):
        explorer.image(label=3)


def test_conditional_explorer_starting_label_and_examples(conditional_vae, digits):
    images, _ = digits
    assert widgets.LatentExplorer(conditional_vae, label=6).label == 6
    with pytest.raises(ValueError, match=r"argument `label`. Expected an integer between 0 and 9"):
        widgets.LatentExplorer(conditional_vae, label=12)
    with pytest.raises(ValueError, match="argument `labels`. Expected the examples' labels: a conditional VAE's encoder reads them. Received: labels=None"):
        widgets.LatentExplorer(conditional_vae, examples=images)
    with pytest.raises(ValueError, match="this model is not conditional"):
        widgets.LatentExplorer(models.build_vae(latent_dim=2, hidden_units=8), label=1)


def test_conditional_examples_set_z_and_label(conditional_explorer, conditional_vae, digits):
    images, labels = digits
    z_mean, _ = conditional_vae.encode(data.flatten_and_scale(images), labels)
    for index in (0, 3, 5):
        conditional_explorer.start_from_example(index)
        assert conditional_explorer.label == labels[index]
        assert conditional_explorer.examples[index]["label"] == labels[index]
        np.testing.assert_allclose(conditional_explorer.z, z_mean[index], atol=1e-4)
    # the encoder mean depends on the label the encoder reads
    wrong_label_z, _ = conditional_vae.encode(data.flatten_and_scale(images), (labels + 1) % 10)
    assert not np.allclose(conditional_explorer.examples_z, wrong_label_z, atol=1e-3)


def test_decode_with_packed_weights_checks_the_labels(conditional_vae, small_vae):
    packed = widgets.pack_decoder_weights(conditional_vae.decoder, condition_dim=10)
    with pytest.raises(ValueError, match="a conditional VAE needs the labels"):
        widgets.decode_with_packed_weights(packed, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"Received: labels.shape=\(3,\)"):
        widgets.decode_with_packed_weights(packed, np.zeros((2, 2)), [1, 2, 3])
    with pytest.raises(ValueError, match="not conditional"):
        widgets.decode_with_packed_weights(widgets.pack_decoder_weights(small_vae.decoder), np.zeros((1, 2)), [1])


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the front end's forward pass")
def test_javascript_conditional_forward_pass_matches_its_numpy_twin(conditional_vae, tmp_path):
    packed = widgets.pack_decoder_weights(conditional_vae.decoder, condition_dim=10)
    z = latent_grid(2, count=12)
    labels = np.arange(len(z)) % 10
    (tmp_path / "input.json").write_text(json.dumps({"packed": packed, "z": z.tolist(), "labels": labels.tolist()}))
    script = f"""
        import {{ readFileSync }} from "node:fs";
        import {{ unpack, decode, checkLabel, describeState }} from {json.dumps((widgets.STATIC / "latent_explorer.js").as_uri())};
        const input = JSON.parse(readFileSync({json.dumps(str(tmp_path / "input.json"))}, "utf8"));
        const weights = unpack(input.packed);
        const pixels = input.z.map((z, index) => Array.from(decode(weights, z, new Float64Array(784), input.labels[index])));
        const outcome = (thunk) => {{ try {{ thunk(); return "ok"; }} catch (error) {{ return error.message; }} }};
        console.log(JSON.stringify({{
            pixels,
            missing: outcome(() => decode(weights, [0, 0], new Float64Array(784))),
            outside: outcome(() => decode(weights, [0, 0], new Float64Array(784), 10)),
            unconditional: checkLabel(3, 0) instanceof Error,
            described: describeState([0.5, -1], 7),
        }}));
    """
    result = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    np.testing.assert_allclose(np.array(outcome["pixels"]), widgets.decode_with_packed_weights(packed, z, labels), atol=1e-9)
    assert outcome["missing"] == "label must be an integer in 0..9, got null"
    assert outcome["outside"] == "label must be an integer in 0..9, got 10"
    assert outcome["unconditional"] is True and outcome["described"] == "digit 7, z = (0.50, -1.00)"
