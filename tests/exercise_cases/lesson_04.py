"""Wrong answers to Lesson 04's exercises: (exercise, mistake named, answer).

Exercise 4's wrong answers are the solution's ``MyVAE`` with one part changed, each the
classic slip its row names (``tests/test_model_exercise.py`` runs them on every backend).
"""

import keras
import numpy as np
from keras import ops

from vae_lessons import training
from vae_lessons.exercises import lesson_04


def _no_return_history(history):
    history["val_loss"]


def _solution_class():
    """The solution's ``MyVAE``, as a notebook cell defines it."""
    namespace = {"keras": keras, "np": np}
    exec(lesson_04.ex4.solution_code, namespace)
    return namespace["MyVAE"]


MyVAE = _solution_class()
DEFAULT = training.TrainingConfig()


def _spread(config, kind="right"):
    """Exercise 3's measurements of the cached model of ``config``: right, or a usual slip."""
    return lesson_04._spreads(config)[kind]


def _bce(x, p, clip=True):
    """Per-pixel Bernoulli negative log-likelihood, (batch, 784)."""
    if clip:
        p = ops.clip(p, 1e-7, 1 - 1e-7)
    return -(x * ops.log(p) + (1 - x) * ops.log(1 - p))


def _kl(z_mean, z_log_var):
    """Per-dimension KL, (batch, latent_dim)."""
    return 0.5 * (ops.exp(z_log_var) + ops.square(z_mean) - 1 - z_log_var)


def _epsilon(model, shape):
    return keras.random.normal(shape, seed=model.seed_generator)


class FixedLatentDim(MyVAE):  # latent_dim written as 2 in the layers
    def __init__(self, latent_dim=2, seed=0, **kwargs):
        super().__init__(latent_dim=2, seed=seed, **kwargs)


class NotAKerasModel:  # a plain class
    def __init__(self, latent_dim=2, seed=0):
        self.latent_dim = latent_dim


class EncoderWithZ(MyVAE):  # the encoder returns z as well
    def __init__(self, latent_dim=2, seed=0, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        x = keras.Input(shape=(784,))
        z_mean, z_log_var = self.encoder(x)
        self.encoder = keras.Model(x, [z_mean, z_log_var, z_mean])


class ImageDecoder(MyVAE):  # the decoder returns (batch, 28, 28)
    def __init__(self, latent_dim=2, seed=0, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        z = keras.Input(shape=(latent_dim,))
        self.decoder = keras.Model(z, keras.layers.Reshape((28, 28))(self.decoder(z)))


class NoSigmoid(MyVAE):  # the decoder's last layer is linear
    def __init__(self, latent_dim=2, seed=0, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        z = keras.Input(shape=(latent_dim,))
        hidden = keras.layers.Dense(512, activation="relu")(z)
        self.decoder = keras.Model(z, keras.layers.Dense(784)(hidden))


class SampleAndEpsilon(MyVAE):  # sample returns (z, epsilon)
    def sample(self, z_mean, z_log_var):
        epsilon = _epsilon(self, ops.shape(z_mean))
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon, epsilon


class NoNoise(MyVAE):
    def sample(self, z_mean, z_log_var):
        return z_mean


class SharedEpsilon(MyVAE):  # one draw for the whole batch, as the original notebook
    def sample(self, z_mean, z_log_var):
        epsilon = _epsilon(self, (1, ops.shape(z_mean)[1]))
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class SharedAcrossDimensions(MyVAE):  # epsilon of shape (batch, 1)
    def sample(self, z_mean, z_log_var):
        epsilon = _epsilon(self, (ops.shape(z_mean)[0], 1))
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class VarianceAsSigma(MyVAE):
    def sample(self, z_mean, z_log_var):
        return z_mean + ops.exp(z_log_var) * _epsilon(self, ops.shape(z_mean))


class LogVarianceAsSigma(MyVAE):
    def sample(self, z_mean, z_log_var):
        return z_mean + z_log_var * _epsilon(self, ops.shape(z_mean))


class BatchMeanLoss(MyVAE):  # one number for the batch
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.mean(ops.sum(_bce(x, reconstruction), axis=-1) + ops.sum(_kl(z_mean, z_log_var), axis=-1))


class MeanOverPixels(MyVAE):
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.mean(_bce(x, reconstruction), axis=-1) + ops.sum(_kl(z_mean, z_log_var), axis=-1)


class SwappedCrossEntropy(MyVAE):  # keras.ops.binary_crossentropy(output, target)
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.sum(ops.binary_crossentropy(reconstruction, x), axis=-1) + ops.sum(_kl(z_mean, z_log_var), axis=-1)


class NoKL(MyVAE):
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.sum(_bce(x, reconstruction), axis=-1)


class KLWrongSign(MyVAE):
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.sum(_bce(x, reconstruction), axis=-1) - ops.sum(_kl(z_mean, z_log_var), axis=-1)


class KLAveraged(MyVAE):  # the KL averaged over latent dimensions
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.sum(_bce(x, reconstruction), axis=-1) + ops.mean(_kl(z_mean, z_log_var), axis=-1)


class Unclipped(MyVAE):  # log(0) when a probability is exactly 0 or 1
    def loss_per_digit(self, x, reconstruction, z_mean, z_log_var):
        return ops.sum(_bce(x, reconstruction, clip=False), axis=-1) + ops.sum(_kl(z_mean, z_log_var), axis=-1)


class Narrow(MyVAE):  # 4 hidden units instead of 512: right formulas, far too small
    def __init__(self, latent_dim=2, seed=0, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        x = keras.Input(shape=(784,))
        hidden = keras.layers.Dense(4, activation="relu")(x)
        self.encoder = keras.Model(x, [keras.layers.Dense(latent_dim)(hidden), keras.layers.Dense(latent_dim)(hidden)])
        z = keras.Input(shape=(latent_dim,))
        hidden = keras.layers.Dense(4, activation="relu")(z)
        self.decoder = keras.Model(z, keras.layers.Dense(784, activation="sigmoid")(hidden))


MODEL_MISTAKES = [
    ("ignores_input", FixedLatentDim),
    ("not_a_model", NotAKerasModel),
    ("encoder_outputs", EncoderWithZ),
    ("decoder_outputs", ImageDecoder),
    ("decoder_range", NoSigmoid),
    ("sample_shape", SampleAndEpsilon),
    ("no_noise", NoNoise),
    ("shared_epsilon", SharedEpsilon),
    ("shared_epsilon_dimensions", SharedAcrossDimensions),
    ("variance_instead_of_sigma", VarianceAsSigma),
    ("log_variance_as_sigma", LogVarianceAsSigma),
    ("not_per_digit", BatchMeanLoss),
    ("mean_instead_of_sum", MeanOverPixels),
    ("swapped_cross_entropy", SwappedCrossEntropy),
    ("kl_missing", NoKL),
    ("kl_wrong_sign", KLWrongSign),
    ("kl_wrong", KLAveraged),
    ("log_of_zero", Unclipped),
    ("trains_worse", Narrow),
]

WRONG_ANSWERS = [
    (lesson_04.ex1, "counted_from_zero", lambda: lambda h: int(np.argmin(h["val_loss"]))),
    (lesson_04.ex1, "training_loss", lambda: lambda h: int(np.argmin(h["loss"])) + 1),
    (lesson_04.ex1, "returned_the_loss", lambda: lambda h: min(h["val_loss"])),
    (lesson_04.ex1, "not_a_function", lambda: 7),
    (lesson_04.ex1, "returned_none", lambda: _no_return_history),
    (lesson_04.ex1, "ignores_input", lambda: lambda h: 7),
    (lesson_04.ex2, "option_a", lambda: "a"),
    (lesson_04.ex2, "option_b", lambda: " B "),
    (lesson_04.ex2, "option_d", lambda: "d"),
    (lesson_04.ex2, "wrong_type", lambda: 3),
    (lesson_04.ex3, "swapped_models", lambda: (_spread(lesson_04.NO_KL), _spread(DEFAULT))),
    (lesson_04.ex3, "used_z_log_var", lambda: (_spread(DEFAULT, "z_log_var"), _spread(lesson_04.NO_KL, "z_log_var"))),
    (lesson_04.ex3, "posterior_width", lambda: (_spread(DEFAULT, "sigma"), _spread(lesson_04.NO_KL, "sigma"))),
    (lesson_04.ex3, "wrong_type", lambda: 2.5),
    (lesson_04.ex3, "wrong_shape", lambda: (np.ones(3), np.ones(3))),
    *[(lesson_04.ex4, mistake, lambda wrong=wrong: wrong) for mistake, wrong in MODEL_MISTAKES],
    (lesson_04.ex4, "not_a_model", lambda: MyVAE()),  # an instance, not the class
]
