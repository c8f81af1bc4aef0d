import keras
import numpy as np
import pytest

from vae_lessons import architectures, models, sampling, saving, training


def digits(n=64, seed=0):
    return np.random.default_rng(seed).random((n, 784)).astype(np.float32)


def test_shapes_match_the_mlp_builders(check_each):
    rows = [
        ((8, 16), None, False, ["z", "decoder_dense", "to_feature_maps", "decoder_conv_1", "decoder_conv_2", "x_reconstructed"]),
        ((4,), 5, False, ["z", "decoder_dense", "to_feature_maps", "decoder_conv_1", "x_reconstructed"]),
        ((8, 16), 5, True, ["z", "decoder_dense", "to_feature_maps", "decoder_conv_1", "decoder_conv_2", "decoder_output", "x_reconstructed"]),
    ]

    def check(row):
        filters, dense_units, final_convolution, decoder_layers = row
        encoder = architectures.build_conv_encoder(3, filters, dense_units)
        decoder = architectures.build_conv_decoder(3, filters, final_convolution=final_convolution)
        x = digits(5)
        z_mean, z_log_var, z = (keras.ops.convert_to_numpy(t) for t in encoder(x))
        assert z_mean.shape == z_log_var.shape == z.shape == (5, 3)
        x_reconstructed = keras.ops.convert_to_numpy(decoder(z))
        assert x_reconstructed.shape == (5, 784)
        assert x_reconstructed.min() >= 0 and x_reconstructed.max() <= 1
        assert [layer.name for layer in decoder.layers] == decoder_layers
        assert ("encoder_dense" in [layer.name for layer in encoder.layers]) == (dense_units is not None)

    check_each(rows=rows, check=check)


def test_the_decoder_mirrors_the_encoder():
    encoder = architectures.build_conv_encoder(2, (8, 16))
    decoder = architectures.build_conv_decoder(2, (8, 16))
    assert [tuple(layer.output.shape) for layer in encoder.layers[2:4]] == [(None, 14, 14, 8), (None, 7, 7, 16)]
    assert [tuple(layer.output.shape) for layer in decoder.layers[2:5]] == [(None, 7, 7, 16), (None, 14, 14, 8), (None, 28, 28, 1)]
    keras_io = architectures.build_conv_decoder(2, (32, 64), final_convolution=True)
    assert [layer.filters for layer in keras_io.layers if hasattr(layer, "filters")] == [64, 32, 1]
    # Keras's own layers, not subclasses: what the student reads is what Keras documents
    convolutions = [type(layer) for model in (encoder, keras_io) for layer in model.layers if hasattr(layer, "filters")]
    assert convolutions == [keras.layers.Conv2D] * 2 + [keras.layers.Conv2DTranspose] * 2 + [keras.layers.Conv2D]


def test_builders_reject_bad_arguments(check_each):
    rows = [
        ({"filters": (8, 16, 32)}, ValueError, "Expected a non-empty list of positive integers, at most 2"),
        ({"filters": ()}, ValueError, "Received: filters=()"),
        ({"filters": "16"}, TypeError, "Received: filters='16'"),
        ({"filters": (8, 0)}, ValueError, "Received: filters=0"),
        ({"filters": (8, 2.0)}, TypeError, "Received: filters=2.0"),
        ({"latent_dim": 0}, ValueError, "Received: latent_dim=0"),
        ({"kernel_size": np.int64(0)}, ValueError, "Received: kernel_size=0"),
    ]

    def check(row):
        kwargs, error, text = row
        for build in (architectures.build_conv_encoder, architectures.build_conv_decoder):
            with pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")):
                build(**kwargs)
        with pytest.raises(ValueError, match="Received: dense_units=0"):
            architectures.build_conv_encoder(dense_units=0)
        with pytest.raises(TypeError, match="Expected True or False"):
            architectures.build_conv_decoder(final_convolution="yes")

    check_each(rows=rows, check=check)


def test_numpy_sizes_are_accepted():
    encoder = architectures.build_conv_encoder(np.int64(2), [np.int32(4)], np.int64(3))
    assert encoder.outputs[0].shape == (None, 2)


def test_images_must_be_flat_784_vectors(conv_vae):
    vae = conv_vae()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 784\), found shape=\(3, 28, 28\)"):
        vae(np.zeros((3, 28, 28), np.float32))


def test_save_and_load_round_trip_with_safe_mode(tmp_path, conv_vae):
    training.set_seed(0)
    vae = conv_vae(latent_dim=3, dense_units=4, final_convolution=True, kl_weight=0.25)
    saving.save_vae(vae, tmp_path / "conv.keras")
    loaded = saving.load_vae(tmp_path / "conv.keras")  # safe_mode=True: no Lambda layers
    x = digits(8)
    for original, reloaded in zip(vae.encoder(x)[:2], loaded.encoder(x)[:2]):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded), keras.ops.convert_to_numpy(original), rtol=1e-6)
    z = np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded.decoder(z)), keras.ops.convert_to_numpy(vae.decoder(z)), rtol=1e-6
    )
    layer = loaded.encoder.get_layer("z")
    assert isinstance(layer, sampling.Sampling)
    assert float(keras.ops.convert_to_numpy(layer.kl_weight)) == 0.25
    assert loaded.latent_dim == 3


def test_binarize_is_seeded_and_follows_the_grey_levels():
    x = np.full((200, 784), 0.3, np.float32)
    x[:, :10] = 0.0
    x[:, 10:20] = 1.0
    binary = architectures.binarize(x, seed=3)
    assert binary.dtype == np.float32 and set(np.unique(binary)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary, architectures.binarize(x, seed=3))
    assert not np.array_equal(binary, architectures.binarize(x, seed=4))
    assert binary[:, :10].max() == 0 and binary[:, 10:20].min() == 1
    assert abs(binary[:, 20:].mean() - 0.3) < 0.01


def test_binarization_rejects_what_is_not_flat_digits(check_each):
    rows = [
        (np.zeros((3, 28, 28)), ValueError, r"Received: x.shape=\(3, 28, 28\)"),
        (np.full((3, 784), 255.0), ValueError, r"argument `x`. Expected .*values between 0.0 and 1.0. Received: x with values in \[255, 255\]"),
        (np.array([["a"] * 784]), TypeError, r"argument `x`. Expected a finite array of shape \(n, 784\).*Received: x.dtype=<U1"),
    ]

    def check(row):
        x, error, text = row
        with pytest.raises(error, match=text):
            architectures.binarize(x)
        with pytest.raises(error, match=text):
            architectures.DynamicBinarization(x)

    check_each(rows=rows, check=check)


def test_dynamic_binarization_reshuffles_and_redraws_every_epoch():
    one_hot = np.eye(784, dtype=np.float32)[:70]  # digit i has only pixel i on: binarizing it is exact
    dataset = architectures.DynamicBinarization(one_hot, batch_size=32, seed=0)
    assert len(dataset) == 3

    def epoch_order():
        batches = [dataset[index] for index in range(len(dataset))]
        assert all(np.array_equal(x, y) for x, y in batches)
        return np.concatenate([x.argmax(axis=1) for x, _ in batches])

    first = epoch_order()
    assert sorted(first) == list(range(70))  # every digit once per epoch, the last batch smaller
    dataset.on_epoch_end()
    second = epoch_order()
    assert sorted(second) == list(range(70)) and not np.array_equal(first, second)

    grey = architectures.DynamicBinarization(np.full((64, 784), 0.5, np.float32), batch_size=64, seed=0)
    draws = grey[0][0]
    np.testing.assert_array_equal(draws, architectures.DynamicBinarization(np.full((64, 784), 0.5, np.float32), batch_size=64, seed=0)[0][0])
    assert abs(draws.mean() - 0.5) < 0.01
    grey.on_epoch_end()
    assert not np.array_equal(draws, grey[0][0])


def test_kl_warm_up_schedule_and_its_effect_on_training(conv_vae):
    warm_up = architectures.KLWarmUp(warmup_epochs=2, target=0.5)
    assert [warm_up.weight(epoch) for epoch in range(4)] == [0.0, 0.25, 0.5, 0.5]
    training.set_seed(0)
    vae = conv_vae(filters=(4,))
    vae.compile(optimizer="adam")
    history = vae.fit(digits(64), digits(64), epochs=3, batch_size=32, verbose=0, callbacks=[warm_up]).history
    assert history["kl"][0] == 0.0  # the weighted KL term: nothing in the first epoch
    assert history["kl"][1] > 0 and history["kl"][2] > 0
    layer = vae.encoder.get_layer("z")
    assert float(keras.ops.convert_to_numpy(layer.kl_weight)) == 0.5


def test_kl_warm_up_explains_what_it_needs():
    for bad, error in [({"warmup_epochs": 0}, ValueError), ({"warmup_epochs": 2, "target": -1.0}, ValueError)]:
        with pytest.raises(error, match="Invalid value received"):
            architectures.KLWarmUp(**bad)
    plain = keras.Sequential([keras.Input((784,)), keras.layers.Dense(784)])
    plain.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="no Sampling layer"):
        plain.fit(digits(8), digits(8), epochs=1, verbose=0, callbacks=[architectures.KLWarmUp(2)])


def test_kl_warm_up_works_with_the_mlp_s_ordinary_sampling_layer():
    training.set_seed(0)
    mlp = models.build_vae(latent_dim=2, hidden_units=8)
    mlp.compile(optimizer="adam")
    warm_up = architectures.KLWarmUp(2)
    history = mlp.fit(digits(8), digits(8), epochs=2, verbose=0, callbacks=[warm_up]).history
    assert history["kl"][0] == 0.0 and history["kl"][1] > 0


def test_training_config_builds_and_validates_the_conv_options():
    config = training.TrainingConfig(architecture="conv", filters=[np.int64(8)], kl_warmup_epochs=np.int64(2))
    assert config.filters == (8,) and config.kl_warmup_epochs == 2 and config.binarized is False
    assert config == training.TrainingConfig(architecture="conv", filters=(8,), kl_warmup_epochs=2)
    training.set_seed(0)
    vae = training.build(config)
    assert isinstance(vae, models.VAE) and vae.encoder.get_layer("encoder_conv_1").filters == 8
    for bad, error in [
        ({"architecture": "cnn"}, ValueError),
        ({"filters": (8, 16, 32)}, ValueError),
        ({"binarized": 1}, TypeError),
        ({"kl_warmup_epochs": -1}, ValueError),
        ({"conditional": True, "architecture": "conv"}, ValueError),
        ({"conditional": True, "binarized": True}, ValueError),
    ]:
        with pytest.raises(error, match="Invalid value received for argument"):
            training.TrainingConfig(**bad)


def test_train_on_binarized_digits_with_warm_up_through_the_config():
    config = training.TrainingConfig(
        architecture="conv", filters=(4,), epochs=2, train_size=40, validation_size=20, binarized=True, kl_warmup_epochs=1
    )
    vae, history = training.train(config)
    assert history["kl"][0] == 0.0 and history["kl"][1] > 0  # warm-up: no KL in the first epoch
    assert len(history["val_loss"]) == 2 and all(np.isfinite(history["loss"]))
    again, _ = training.train(config)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(again.decoder.weights[0]), keras.ops.convert_to_numpy(vae.decoder.weights[0])
    )
