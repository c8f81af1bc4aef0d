"""The matrix-product convolutions compute exactly Keras's Conv2D and Conv2DTranspose."""

import keras
import numpy as np
import pytest

from vae_lessons import architectures, matmul_convolutions, models
from vae_lessons.matmul_convolutions import (
    MatmulConv2D,
    MatmulConv2DTranspose,
    same_padding,
)

# (kernel_size, strides, image height and width): the lesson's (3, 2) on 28 and 7 pixels,
# and odd sizes, even kernels, kernels shorter than the stride, stride 1 and 3
CASES = [
    (3, 2, (28, 28)),
    (3, 2, (7, 7)),
    (5, 2, (9, 6)),
    (4, 2, (7, 10)),
    (1, 2, (6, 6)),
    (2, 3, (8, 7)),
    (3, 1, (5, 5)),
]


def keras_twin(keras_class, matmul_class, kernel_size, strides, input_shape, filters=4, seed=0):
    """Keras's layer and the matrix-product layer, built with the same random weights."""
    keras_layer = keras_class(filters, kernel_size, strides=strides, padding="same", activation="relu")
    matmul_layer = matmul_class(filters, kernel_size, strides=strides, padding="same", activation="relu")
    keras_layer.build(input_shape)
    matmul_layer.build(input_shape)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in keras_layer.get_weights()]  # kernel, bias
    keras_layer.set_weights(weights)
    matmul_layer.set_weights(weights)
    return keras_layer, matmul_layer


@pytest.mark.parametrize("keras_class, matmul_class", [(keras.layers.Conv2D, MatmulConv2D), (keras.layers.Conv2DTranspose, MatmulConv2DTranspose)], ids=["Conv2D", "Conv2DTranspose"])
@pytest.mark.parametrize("kernel_size, strides, image_size", [CASES[0], CASES[2]])
def test_outputs_equal_keras_layers(keras_class, matmul_class, kernel_size, strides, image_size):
    images = np.random.default_rng(1).normal(size=(3, *image_size, 2)).astype("float32")  # (3, h, w, 2)
    keras_layer, matmul_layer = keras_twin(keras_class, matmul_class, kernel_size, strides, images.shape)
    expected = keras.ops.convert_to_numpy(keras_layer(images))
    result = keras.ops.convert_to_numpy(matmul_layer(images))
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)
    assert matmul_layer.compute_output_shape(images.shape) == keras_layer.compute_output_shape(images.shape)


@pytest.mark.parametrize("kernel_size, strides, image_size", CASES)
def test_the_functions_equal_keras_ops_on_every_backend(kernel_size, strides, image_size):
    """The layers use Keras's own convolutions off JAX; the matrix products themselves work everywhere."""
    rng = np.random.default_rng(2)
    images = rng.normal(size=(2, *image_size, 3)).astype("float32")  # (2, h, w, 3)
    kernel = rng.normal(size=(kernel_size, kernel_size, 3, 4)).astype("float32")  # Conv2D: (kh, kw, in, out)
    expected = keras.ops.convert_to_numpy(keras.ops.conv(images, kernel, strides, padding="same"))
    result = keras.ops.convert_to_numpy(matmul_convolutions.conv2d(images, kernel, (strides, strides)))
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)
    kernel = rng.normal(size=(kernel_size, kernel_size, 4, 3)).astype("float32")  # Conv2DTranspose: (kh, kw, out, in)
    expected = keras.ops.convert_to_numpy(keras.ops.conv_transpose(images, kernel, strides, padding="same"))
    result = keras.ops.convert_to_numpy(matmul_convolutions.conv2d_transpose(images, kernel, (strides, strides)))
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)


def test_a_wrong_offset_would_be_caught():
    """The tests above can fail: shifting the transposed convolution's output by one pixel breaks equality."""
    rng = np.random.default_rng(1)
    images = rng.normal(size=(2, 7, 7, 2)).astype("float32")
    kernel = rng.normal(size=(3, 3, 4, 2)).astype("float32")
    expected = keras.ops.convert_to_numpy(keras.ops.conv_transpose(images, kernel, 2, padding="same"))  # (2, 14, 14, 4)
    result = keras.ops.convert_to_numpy(matmul_convolutions.conv2d_transpose(images, kernel, (2, 2)))
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)
    assert not np.allclose(np.roll(result, 1, axis=1), expected, atol=1e-4)


def test_same_padding_is_keras_s_split():
    assert same_padding(28, 3, 2) == (0, 1)  # 14 outputs reach 29 pixels: one more after
    assert same_padding(9, 5, 2) == (2, 2)
    assert same_padding(7, 4, 2) == (1, 2)
    assert same_padding(6, 1, 2) == (0, 0)


@pytest.mark.parametrize(
    "matmul_class, kwargs, text",
    [
        (MatmulConv2D, {"padding": "valid"}, "Received: padding='valid'"),
        (MatmulConv2D, {"dilation_rate": 2}, "Received: dilation_rate=(2, 2)"),
        (MatmulConv2D, {"groups": 2}, "Received: groups=2"),
        (MatmulConv2D, {"data_format": "channels_first"}, "Received: data_format='channels_first'"),
        (MatmulConv2DTranspose, {"padding": "valid"}, "Received: padding='valid'"),
        (MatmulConv2DTranspose, {"output_padding": 1, "strides": 2}, "Received: output_padding=(1, 1)"),
    ],
)
def test_settings_they_do_not_compute_are_refused(matmul_class, kwargs, text):
    arguments = {"filters": 4, "kernel_size": 3, "padding": "same", **kwargs}
    with pytest.raises(ValueError, match=text.replace("(", r"\(").replace(")", r"\)")) as raised:
        matmul_class(**arguments)
    assert matmul_class.__name__ in str(raised.value)


def test_the_conv_vae_is_built_from_them_and_round_trips(tmp_path):
    vae = architectures.build_conv_vae(latent_dim=2, filters=(4, 8))
    convolutions = [layer for model in (vae.encoder, vae.decoder) for layer in model.layers if isinstance(layer, keras.layers.Conv2D | keras.layers.Conv2DTranspose)]
    assert [type(layer).__name__ for layer in convolutions] == ["MatmulConv2D", "MatmulConv2D", "MatmulConv2DTranspose", "MatmulConv2DTranspose"]
    path = tmp_path / "conv.keras"
    models.save_vae(vae, path)
    loaded = models.load_vae(path)  # safe_mode=True
    x = np.random.default_rng(0).random((3, 784)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.decoder(loaded.encoder(x)[0])),
        keras.ops.convert_to_numpy(vae.decoder(vae.encoder(x)[0])),
    )
    assert [type(layer).__name__ for layer in loaded.encoder.layers if "conv" in layer.name] == ["MatmulConv2D", "MatmulConv2D"]
