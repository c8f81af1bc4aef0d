"""A property-based sweep of the public API (Hypothesis): every function, given good
arguments with one of them replaced by a bad value, either returns a finite result of
the right shape or raises TypeError/ValueError in Keras's words, naming one of its
arguments ("Invalid value received for argument `x`. Expected ... Received: ...").

Deterministic (derandomize=True) and small (max_examples per function), so CI runs
the same examples every time. The hand-written counter-examples of issue #28 live in
test_guarantees.py.
"""

from __future__ import annotations

import inspect
import math
import re

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vae_lessons import (
    architectures,
    conditional,
    data,
    evaluation,
    losses,
    models,
    plots,
    sampling,
    validation,
    widgets,
)
from vae_lessons.exercises import lesson_01, lesson_02, lesson_03, lesson_05, lesson_07

SWEEP = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KERAS_MESSAGE = re.compile(
    r"^Invalid value received for arguments? `(?P<names>[^`]+)`\. Expected .+\. Received: ",
    re.DOTALL,
)


# --- strategies ---------------------------------------------------------------------


def _generated(draw_array):
    """Arrays drawn from a seeded NumPy generator: Hypothesis picks the seed and size."""
    return st.integers(0, 2**32 - 1).map(
        lambda seed: draw_array(np.random.default_rng(seed))
    )


def digits(n=4):
    """Flat digits as the model sees them: float32 (n, 784) in [0, 1]."""
    return _generated(lambda rng: rng.uniform(size=(n, 784)).astype(np.float32))


def codes(n=4, latent_dim=2, scale=2.0):
    """Latent codes: float32 (n, latent_dim), finite."""
    return _generated(
        lambda rng: (scale * rng.standard_normal((n, latent_dim))).astype(np.float32)
    )


def labels(n=4):
    return _generated(lambda rng: rng.integers(0, 10, n))


# Seeds as a student writes them: Python ints and NumPy integers, up to MAX_SEED.
seeds = st.integers(0, validation.MAX_SEED).flatmap(
    lambda seed: st.sampled_from([seed, np.int64(seed), np.uint32(seed)])
)

# One bad value of each kind: missing, text, bool, complex, NaN/inf, negative or huge
# numbers, NumPy scalars, empty and wrong-shaped arrays, arrays holding NaN or 0..255
# pixels, containers of the wrong kind.
bad_values = st.sampled_from(
    [
        None,
        "text",
        True,
        1 + 2j,
        math.nan,
        math.inf,
        -math.inf,
        -1,
        0,
        10**12,
        2**40,
        -2.5,
        np.int64(-5),
        np.float32(math.nan),
        [],
        [[]],
        ["a", "b"],
        {"a": 1},
        np.zeros((0, 784), np.float32),
        np.full((2, 784), np.nan, np.float32),
        np.full((2, 784), 255.0, np.float32),
        np.ones((2, 3), np.float32),
        np.ones((3,), np.float32),
        np.ones((2, 2), np.complex64),
        np.array(["x", "y"]),
    ]
)


# --- the contract -------------------------------------------------------------------


def _finite(result):
    """True when every number in ``result`` (an array, a tuple of them, a dataclass) is finite."""
    if isinstance(result, (tuple, list)):
        return all(_finite(item) for item in result)
    if isinstance(result, dict):
        return all(_finite(item) for item in result.values())
    if isinstance(result, evaluation.HeldOutScore):
        return all(
            math.isfinite(value)
            for value in (result.negative_elbo, result.reconstruction, result.kl)
        )
    try:
        array = np.asarray(keras.ops.convert_to_numpy(result), dtype=np.float64)
    except Exception:  # noqa: BLE001 -- a figure, a layer, a model: nothing numeric to check
        return True
    return bool(np.isfinite(array).all())


def check_contract(function, arguments, replaced, expected_shape=None):
    """Call ``function(**arguments)``; assert the sweep's contract.

    ``replaced`` is the argument that holds a bad value (or None); the error must be
    TypeError/ValueError in Keras's words naming one of the function's arguments.
    """
    names = set(inspect.signature(function).parameters)
    try:
        result = function(**arguments)
    except (TypeError, ValueError) as error:
        text = str(error)
        match = KERAS_MESSAGE.match(text)
        assert match, f"{function.__qualname__}({replaced}=...): not in Keras's words: {text[:300]}"
        named = {re.split(r"[\[.]", name.strip())[0] for name in match["names"].split(",")}
        assert named & names, f"{function.__qualname__}: names {named}, not an argument of {sorted(names)}"
        return None
    except Exception as error:  # noqa: BLE001 -- the point of the sweep: anything else fails
        pytest.fail(
            f"{function.__qualname__}({replaced}=...) raised {type(error).__name__}: {error}"
        )
    assert _finite(result), f"{function.__qualname__}({replaced}=...) returned NaN or infinity"
    if expected_shape is not None and replaced is None:
        assert np.shape(keras.ops.convert_to_numpy(result)) == expected_shape
    return result


def _sweep_case(data_strategy, function, good, expected_shape=None):
    """Draw good arguments, maybe replace one by a bad value, check the contract."""
    arguments = {name: data_strategy.draw(strategy, label=name) for name, strategy in good.items()}
    replaced = data_strategy.draw(st.sampled_from([None, *good]), label="replaced")
    if replaced is not None:
        arguments[replaced] = data_strategy.draw(bad_values, label="bad value")
    return check_contract(function, arguments, replaced, expected_shape)


# --- the public functions, with their good arguments --------------------------------

N, LATENT = 4, 2
NUMERIC = {
    "losses.reconstruction_loss": (
        losses.reconstruction_loss,
        {"x": digits(), "x_reconstructed": digits()},
        (N,),
    ),
    "losses.kl_divergence": (
        losses.kl_divergence,
        {"z_mean": codes(), "z_log_var": codes()},
        (N,),
    ),
    "losses.kl_divergence_per_dimension": (
        losses.kl_divergence_per_dimension,
        {"z_mean": codes(), "z_log_var": codes()},
        (N, LATENT),
    ),
    "losses.elbo": (
        losses.elbo,
        {"x": digits(), "x_reconstructed": digits(), "z_mean": codes(), "z_log_var": codes()},
        (N,),
    ),
    "losses.log_normal_density": (
        losses.log_normal_density,
        {"z": codes(), "mean": codes(), "log_var": codes()},
        (N,),
    ),
    "losses.monte_carlo_standard_error": (
        losses.monte_carlo_standard_error,
        {"samples": codes(), "axis": st.sampled_from([0, 1, np.int64(0), -1])},
        None,
    ),
    "sampling.reparameterize": (
        sampling.reparameterize,
        {"z_mean": codes(), "z_log_var": codes(), "epsilon": codes()},
        (N, LATENT),
    ),
    "sampling.monte_carlo_kl": (
        sampling.monte_carlo_kl,
        {"z_mean": codes(), "z_log_var": codes(), "num_samples": st.integers(1, 5), "seed": seeds},
        (N,),
    ),
    "sampling.score_function_gradient": (
        sampling.score_function_gradient,
        {"f_values": _generated(lambda rng: rng.standard_normal(N)), "z": codes(),
         "z_mean": codes(), "z_log_var": codes()},  # fmt: skip
        None,
    ),
    "sampling.reparameterized_gradient": (
        sampling.reparameterized_gradient,
        {"f_gradient": codes(), "epsilon": codes(), "z_log_var": codes()},
        None,
    ),
    "data.flatten_and_scale": (
        data.flatten_and_scale,
        {"images": _generated(lambda rng: rng.integers(0, 256, (N, 28, 28), dtype=np.uint8))},
        (N, 784),
    ),
    "data.check_digits": (data.check_digits, {"x": digits()}, (N, 784)),
    "data.stratified_indices": (
        data.stratified_indices,
        {"labels": labels(20), "size": st.integers(0, 20), "seed": seeds},
        None,
    ),
    "data.train_validation_split": (
        data.train_validation_split,
        {"images": _generated(lambda rng: rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)),
         "labels": labels(20), "validation_size": st.integers(0, 20), "seed": seeds},  # fmt: skip
        None,
    ),
    "data.class_counts": (data.class_counts, {"labels": labels(20)}, None),
    "conditional.one_hot": (conditional.one_hot, {"labels": labels()}, (N, 10)),
    "conditional.with_labels": (
        conditional.with_labels,
        {"rows": codes(), "labels": labels()},
        (N, LATENT + 10),
    ),
    "architectures.binarize": (architectures.binarize, {"x": digits(), "seed": seeds}, (N, 784)),
    "evaluation.mean_kl_per_dimension": (
        evaluation.mean_kl_per_dimension,
        {"z_mean": codes(), "z_log_var": codes()},
        (LATENT,),
    ),
    "evaluation.latent_activity": (evaluation.latent_activity, {"z_mean": codes()}, (LATENT,)),
    "evaluation.active_dimensions": (
        evaluation.active_dimensions,
        {"z_mean": codes(), "threshold": st.floats(0, 10)},
        (LATENT,),
    ),
    "evaluation.paired_difference": (
        evaluation.paired_difference,
        {"a": _generated(lambda rng: rng.standard_normal(8)),
         "b": _generated(lambda rng: rng.standard_normal(8))},  # fmt: skip
        None,
    ),
    "widgets.gray_levels": (widgets.gray_levels, {"x_reconstructed": digits()}, None),
    "widgets.most_active_dimensions": (
        widgets.most_active_dimensions,
        {"z_mean": codes(latent_dim=5), "count": st.integers(1, 5)},
        None,
    ),
    "widgets.quantize_columns": (widgets.quantize_columns, {"kernel": codes(6, 3)}, None),
    "validation.check_seed": (
        lambda seed: validation.check_seed("seed", seed),
        {"seed": seeds},
        (),
    ),
}


@pytest.mark.parametrize("name", sorted(NUMERIC))
@SWEEP
@given(data_strategy=st.data())
def test_numeric_functions_return_finite_results_or_refuse_clearly(name, data_strategy):
    function, good, shape = NUMERIC[name]
    _sweep_case(data_strategy, function, good, shape)


def _images(n=3):
    return st.one_of(
        digits(n),
        _generated(lambda rng: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
    )


PLOTS = {
    "image_grid": (plots.image_grid, {"images": _images(), "num_columns": st.integers(1, 4)}),
    "comparison_grid": (
        plots.comparison_grid,
        {"originals": _images(), "reconstructions": _images()},
    ),
    "latent_scatter": (plots.latent_scatter, {"z": codes(20), "labels": labels(20)}),
    "manifold": (
        plots.manifold,
        {"images": digits(4), "num_points": st.just(2), "values": st.just([-1.0, 1.0])},
    ),
    "interpolation_strip": (plots.interpolation_strip, {"images": _images()}),
    "samples_vs_normal": (
        plots.samples_vs_normal,
        {"z": codes(50), "mean": st.just(np.zeros(2)), "std": st.just(np.ones(2)),
         "bins": st.integers(1, 30)},  # fmt: skip
    ),
    "loss_curves": (
        plots.loss_curves,
        {"history": st.just({"loss": [3.0, 2.0], "reconstruction": [2.0, 1.5], "kl": [1.0, 0.5]})},
    ),
    "bound_vs_samples": (
        plots.bound_vs_samples,
        {"sample_counts": st.just([1, 10]), "negative_log_likelihoods": st.just([100.0, 98.0]),
         "negative_elbo": st.floats(90, 110)},  # fmt: skip
    ),
    "kl_per_dimension": (
        plots.kl_per_dimension,
        {"kl_by_label": st.just({"a": np.array([1.0, 0.5]), "b": np.array([0.2, 0.0])})},
    ),
    "gradient_estimates": (
        plots.gradient_estimates,
        {"estimates": st.just({"score": np.linspace(-1, 1, 50)}), "exact": st.floats(-1, 1),
         "bins": st.integers(1, 50)},  # fmt: skip
    ),
    "aggregate_posterior": (plots.aggregate_posterior, {"z": codes(20), "labels": labels(20)}),
    "labelled_image_rows": (
        plots.labelled_image_rows,
        {"rows": st.tuples(_images(), _images()).map(lambda pair: {"a": pair[0], "b": pair[1]}),
         "compact": st.booleans()},  # fmt: skip
    ),
}


@pytest.mark.parametrize("name", sorted(PLOTS))
@SWEEP
@given(data_strategy=st.data())
def test_plots_draw_or_refuse_clearly(name, data_strategy):
    function, good = PLOTS[name]
    _sweep_case(data_strategy, function, good)


@pytest.fixture(scope="module")
def vae():
    return models.build_vae(LATENT, 16, seed=0)


MODEL_FUNCTIONS = {
    "VAE.encode": (lambda vae: vae.encode, {"x": digits()}),
    "VAE.decode": (lambda vae: vae.decode, {"z": codes()}),
    "evaluation.held_out_score": (
        lambda vae: lambda x, seed: evaluation.held_out_score(vae, x, seed=seed),
        {"x": digits(), "seed": seeds},
    ),
    "evaluation.importance_weighted_log_likelihood": (
        lambda vae: lambda x, num_samples, seed: evaluation.importance_weighted_log_likelihood(
            vae, x, num_samples=num_samples, seed=seed
        ),
        {"x": digits(2), "num_samples": st.integers(1, 3), "seed": seeds},
    ),
}


@pytest.mark.parametrize("name", sorted(MODEL_FUNCTIONS))
@SWEEP
@given(data_strategy=st.data())
def test_model_functions_return_finite_results_or_refuse_clearly(name, vae, data_strategy):
    make, good = MODEL_FUNCTIONS[name]
    _sweep_case(data_strategy, make(vae), good)


BUILDERS = {
    "models.build_vae": (
        models.build_vae,
        {"latent_dim": st.integers(1, 4), "hidden_units": st.integers(1, 8),
         "kl_weight": st.floats(0, 4), "seed": seeds},  # fmt: skip
    ),
    "architectures.build_conv_vae": (
        architectures.build_conv_vae,
        {"latent_dim": st.integers(1, 3), "filters": st.just((2,))},
    ),
    "sampling.Sampling": (sampling.Sampling, {"kl_weight": st.floats(0, 4), "seed": seeds}),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
@settings(SWEEP, max_examples=8)
@given(data_strategy=st.data())
def test_builders_build_or_refuse_clearly(name, data_strategy):
    function, good = BUILDERS[name]
    _sweep_case(data_strategy, function, good)


EXERCISES = [lesson_01.ex1, lesson_01.ex3, lesson_02.ex1, lesson_03.ex1, lesson_05.ex1, lesson_07.ex1]

any_answer = st.one_of(
    bad_values,
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=10),
    st.tuples(st.floats(-20, 20), st.floats(-20, 20)),
    st.lists(st.integers(-3, 12), max_size=4),
    st.just(lambda *arguments: None),
    st.just(lambda *arguments: 1 / 0),
    st.just(lambda *arguments: "text"),
)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.name)
@SWEEP
@given(answer=any_answer)
def test_exercise_checks_give_a_verdict_for_any_answer(exercise, answer):
    """Never an error from the check itself, never "Correct" for a junk answer."""
    verdict = exercise.verdict(answer)
    assert verdict.text.startswith(("Not yet. ", "Not attempted yet", "Correct. "))
    assert verdict.status != "correct", (exercise.name, answer)
    for internal in ("len() of unsized object", "Cannot cast", "ComplexWarning"):
        assert internal not in verdict.text, (exercise.name, answer, verdict.text)
