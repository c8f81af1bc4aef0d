"""Lesson 2 exercises: the reparameterization trick, one epsilon per example, and why log sigma^2.

Each function answer is called on several inputs, fixed and seeded-random, whose right
answers differ: a function that returns one array whatever it is given fails.
"""

from __future__ import annotations

import keras
import numpy as np

from vae_lessons import sampling
from vae_lessons.exercises.checking import (
    Mistake,
    as_array,
    call,
    choose,
    close,
    exercise,
    results_on,
)

TOLERANCE = 1e-5  # relative and absolute, float32 arithmetic
STATISTICS_TOLERANCE = (
    0.1  # relative error allowed on a sample's mean and spread
)
# Between two dimensions of independent noise the sample correlation is about
# 1/sqrt(n) = 0.03 for n = 1,000 draws; shared noise gives 1.
CORRELATION_LIMIT = 0.2
# Excess kurtosis: 0 for normal noise, -1.2 for uniform, +3 for Laplace; its standard
# error is sqrt(24 / n) = 0.15 for n = 1,000 draws, so 0.75 is five standard errors.
KURTOSIS_LIMIT = 0.75


def _latents():
    """Test inputs (z_mean, z_log_var, epsilon): a fixed (5, 3) one and a seeded-random (8, 2) one.

    Both have negative and positive log-variances, so sigma and sigma^2 differ.
    """
    inputs = []
    for seed, shape in ((0, (5, 3)), (11, (8, 2))):
        rng = np.random.default_rng(seed)
        z_mean = rng.normal(size=shape).astype(np.float32)
        z_log_var = rng.uniform(-2.0, 2.0, size=shape).astype(np.float32)
        epsilon = rng.standard_normal(shape).astype(np.float32)
        inputs.append((z_mean, z_log_var, epsilon))
    return inputs


def _reparameterization_mistakes(z_mean, z_log_var, epsilon):
    """The classic wrong versions of z = z_mean + exp(z_log_var / 2) * epsilon: name -> (z, message)."""
    return {
        "variance_instead_of_sigma": (
            z_mean + np.exp(z_log_var) * epsilon,
            (
                "You scaled the noise by exp(z_log_var), the variance sigma^2 (as if z_log_var "
                "were log sigma: off by a factor of 2 in the exponent). Scale by sigma, the "
                "square root of the variance."
            ),
        ),
        "log_var_without_exp": (
            z_mean + z_log_var * epsilon,
            "You multiplied the noise by z_log_var itself. It is a log: undo it before scaling.",
        ),
        "forgot_mean": (
            np.exp(z_log_var / 2) * epsilon,
            "The spread is right but z is not centred on z_mean: add z_mean.",
        ),
        "forgot_sigma": (
            z_mean + epsilon,
            "You added the noise without scaling it: multiply epsilon by sigma.",
        ),
    }


@exercise(
    name="lesson_02.ex1",
    why="Writing z as mean plus sigma times noise is what lets gradients reach the encoder; "
    "and sigma is exp(z_log_var / 2), because z_log_var is the log of the variance.",
    hints=(
        "z = mu + sigma * epsilon. What is sigma, given the log of the variance?",
        "log(sigma^2) = 2 log(sigma), so sigma = exp(z_log_var / 2).",
        "sigma = np.exp(z_log_var / 2), then return z_mean + sigma * epsilon",
    ),
    solution="""
        def reparameterize(z_mean, z_log_var, epsilon):
            sigma = np.exp(z_log_var / 2)  # z_log_var is log(sigma^2)
            return z_mean + sigma * epsilon  # (batch, latent_dim)


        answer = reparameterize
    """,
    mistakes=(
        "variance_instead_of_sigma",
        "log_var_without_exp",
        "sqrt_of_log_var",
        "forgot_mean",
        "forgot_sigma",
        "wrong_shape",
        "not_a_function",
        "returned_none",
        "changed_input",
        "ignores_input",
    ),
)
def ex1(answer):
    """A function ``reparameterize(z_mean, z_log_var, epsilon) -> z``, all (batch, latent_dim)."""
    inputs = _latents()
    expected = [
        keras.ops.convert_to_numpy(sampling.reparameterize(*arguments))
        for arguments in inputs
    ]
    results = results_on(answer, inputs, expected)
    for (z_mean, z_log_var, epsilon), result, right in zip(
        inputs, results, expected
    ):
        try:
            z = as_array(result, z_mean.shape, "z")
        except Mistake as mistake:
            if mistake.name == "not_finite" and np.array_equal(
                np.isnan(np.asarray(result, dtype=float)), z_log_var < 0
            ):
                raise Mistake(
                    "sqrt_of_log_var",
                    "NaN exactly where z_log_var is negative: you took a square root (or log) "
                    "of the log-variance. A log-variance can be negative; undo the log with exp.",
                ) from None
            raise
        if close(z, right, TOLERANCE, TOLERANCE):
            continue
        mistakes = _reparameterization_mistakes(
            *(
                array.astype(np.float64)
                for array in (z_mean, z_log_var, epsilon)
            )
        )
        for name, (wrong, message) in mistakes.items():
            if close(z, wrong, TOLERANCE, TOLERANCE):
                raise Mistake(name, message)
        raise Mistake(
            "wrong_value",
            "z differs from z_mean + sigma * epsilon (tolerance 1e-5). Try one example by "
            "hand: z_mean=0, z_log_var=0, epsilon=1 should give z=1.",
        )


def _noise_inputs():
    """(z_mean, z_log_var) pairs whose rows all repeat one mean and log-variance.

    A fixed one (1,000 rows; sigma 2 and 0.5) and a seeded-random one (1,200 rows, 3
    dimensions). Identical rows show a shared epsilon at once (identical rows of z), and
    the draws of each column are a sample of one normal distribution.
    """
    fixed = (
        np.tile(np.array([[1.0, -1.0]], dtype=np.float32), (1000, 1)),
        np.tile(
            np.log(np.array([[4.0, 0.25]], dtype=np.float32)), (1000, 1)
        ),
    )
    rng = np.random.default_rng(7)
    row_mean = rng.uniform(-3.0, 3.0, size=(1, 3)).astype(np.float32)
    row_log_var = rng.uniform(-3.0, 2.0, size=(1, 3)).astype(np.float32)
    seeded = (np.tile(row_mean, (1200, 1)), np.tile(row_log_var, (1200, 1)))
    return fixed, seeded


def _sample(z_mean, z_log_var, seed):
    """The solution's sample (the right answer for ``answers_follow_inputs``)."""
    epsilon = np.random.default_rng(seed).standard_normal(z_mean.shape)
    return z_mean + np.exp(z_log_var / 2) * epsilon


def _excess_kurtosis(values):
    """Excess kurtosis of each column: 0 for normal draws, -1.2 uniform, +3 Laplace."""
    standardized = (values - values.mean(axis=0)) / values.std(axis=0)
    return np.mean(standardized**4, axis=0) - 3


@exercise(
    name="lesson_02.ex2",
    why="With one epsilon per example and dimension, every digit in a batch gets its own "
    "sample; a shared epsilon (the 2018 notebook's bug) moves the whole batch together and "
    "makes its gradient far noisier.",
    hints=(
        "Draw epsilon with the same shape as z_mean, (batch, latent_dim), from a standard normal.",
        (
            "rng = np.random.default_rng(seed); epsilon = rng.standard_normal(z_mean.shape). "
            "A shape of (1, latent_dim) would share one draw across the batch, (batch, 1) "
            "across the dimensions."
        ),
        "return z_mean + np.exp(z_log_var / 2) * epsilon, with epsilon of shape z_mean.shape",
    ),
    solution="""
        def sample_z(z_mean, z_log_var, seed):
            rng = np.random.default_rng(seed)
            # (batch, latent_dim): one draw per example and dimension
            epsilon = rng.standard_normal(z_mean.shape)
            return z_mean + np.exp(z_log_var / 2) * epsilon


        answer = sample_z
    """,
    mistakes=(
        "shared_epsilon",
        "shared_across_dimensions",
        "not_reproducible",
        "ignores_seed",
        "variance_instead_of_sigma",
        "uniform_noise",
        "not_normal",
        "wrong_mean",
        "wrong_spread",
        "wrong_shape",
        "ignores_input",
    ),
)
def ex2(answer):
    """A function ``sample_z(z_mean, z_log_var, seed) -> z`` drawing epsilon with NumPy."""
    fixed, seeded = _noise_inputs()
    calls = [(*fixed, 0), (*seeded, 2)]
    results = results_on(
        answer, calls, [_sample(*arguments) for arguments in calls]
    )
    samples = [
        as_array(result, arguments[0].shape, "z")
        for result, arguments in zip(results, calls)
    ]
    again = as_array(call(answer, *fixed, 0), fixed[0].shape, "z")
    if not np.array_equal(samples[0], again):
        raise Mistake(
            "not_reproducible",
            "The same seed gave different z: draw from np.random.default_rng(seed), not np.random.",
        )
    if np.array_equal(
        samples[0], as_array(call(answer, *fixed, 1), fixed[0].shape, "z")
    ):
        raise Mistake(
            "ignores_seed",
            "Seeds 0 and 1 gave the same z: create the generator from the `seed` argument, "
            "np.random.default_rng(seed), not from a number of your own.",
        )
    for (z_mean, z_log_var), z in zip((fixed, seeded), samples):
        if np.allclose(z, z[:1]):
            raise Mistake(
                "shared_epsilon",
                "Every example got the same z: one epsilon for the whole batch (the 2018 bug). "
                "Draw epsilon with one row per example.",
            )
        epsilon = (z - z_mean) / np.exp(
            z_log_var / 2
        )  # the noise, if z is right
        correlation = np.corrcoef(epsilon, rowvar=False)
        if (
            np.max(np.abs(correlation - np.eye(len(correlation))))
            > CORRELATION_LIMIT
        ):
            raise Mistake(
                "shared_across_dimensions",
                "The dimensions of z move together: the noise of one example is the same draw "
                "in every dimension (epsilon of shape (batch, 1)?). Each dimension needs its "
                "own independent draw.",
            )
    (z_mean, z_log_var), z = fixed, samples[0]
    sigma = np.exp(z_log_var[0].astype(np.float64) / 2)
    spread = z.std(axis=0)
    if np.all(np.abs(spread - sigma**2) <= STATISTICS_TOLERANCE * sigma**2):
        raise Mistake(
            "variance_instead_of_sigma",
            "The spread of z is sigma^2, not sigma: you scaled epsilon by the variance "
            "exp(z_log_var). Scale it by the square root of the variance.",
        )
    for (z_mean, z_log_var), z in zip((fixed, seeded), samples):
        kurtosis = _excess_kurtosis(z)
        if np.any(kurtosis < -KURTOSIS_LIMIT):
            raise Mistake(
                "uniform_noise",
                "The draws of z are spread too evenly, with no tails: the noise looks uniform "
                "(rng.random, rng.uniform), not normal. Plot a histogram of one column of z; "
                "draw epsilon from a standard normal.",
            )
        if np.any(kurtosis > KURTOSIS_LIMIT):
            raise Mistake(
                "not_normal",
                "The draws of z have tails far heavier than a normal distribution's. Plot a "
                "histogram of one column of z; draw epsilon from a standard normal.",
            )
        sigma = np.exp(z_log_var[0].astype(np.float64) / 2)
        if np.any(
            np.abs(z.mean(axis=0) - z_mean[0])
            > STATISTICS_TOLERANCE * sigma + 4 * sigma / np.sqrt(len(z))
        ):
            raise Mistake(
                "wrong_mean",
                "z is not centred on z_mean: its average over many draws should be z_mean. "
                "Did you add z_mean, and is your noise centred on 0?",
            )
        if np.any(
            np.abs(z.std(axis=0) - sigma) > STATISTICS_TOLERANCE * sigma
        ):
            raise Mistake(
                "wrong_spread",
                "The spread of z around z_mean is more than 10% off in at least one "
                "dimension. Print z.std(axis=0) next to the sigma you meant, and check how you "
                "turned z_log_var into sigma and that epsilon has standard deviation 1.",
            )


LOG_VARIANCE_OPTIONS = {
    "a": (
        "Not so: sigma^2 and its log carry the same information, but a Dense layer can "
        "output any real number, and a negative number is no variance."
    ),
    "b": (
        "A negative 'variance' has no square root: sigma is NaN and training breaks."
    ),
    "c": (
        "Not so: z = z_mean + sqrt(variance) * epsilon is still differentiable in the "
        "variance where it is positive. The reparameterization works for any smooth "
        "parameterization of sigma; the trouble is the outputs that are not positive."
    ),
    "d": (
        "Not so: the KL term has a closed form in sigma^2 as well, "
        "0.5 * (sigma^2 + mu^2 - 1 - log sigma^2). It needs a positive sigma^2, which a "
        "Dense layer does not guarantee."
    ),
}


@exercise(
    name="lesson_02.ex3",
    why="A Dense layer outputs any real number, and exp(z_log_var) turns every one of them "
    "into a positive variance. The log also spreads small variances (1e-4 to 1) over a "
    "comfortable range of outputs (about -9 to 0) instead of squeezing them next to zero.",
    hints=(
        "What values can a Dense layer output? What values can a variance take?",
        "Take an output of -0.5 and try to compute sigma from it.",
        "np.sqrt(-0.5) is NaN; np.exp(-0.5) is a fine variance.",
    ),
    solution="""
        # A Dense layer can output -0.5: np.sqrt(-0.5) is NaN,
        # while np.exp(-0.5) is a positive variance.
        answer = "b"
    """,
    mistakes=("option_a", "option_c", "option_d", "wrong_type"),
    kind="judgement",
)
def ex3(answer):
    """One of "a", "b", "c", "d": what goes wrong when a Dense layer outputs sigma^2 directly."""
    choose(answer, LOG_VARIANCE_OPTIONS, correct="b")
