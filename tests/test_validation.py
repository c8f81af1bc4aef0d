"""The one argument-checking helper: Keras's message shape, NumPy scalars as numbers."""

import math

import numpy as np
import pytest

from vae_lessons import validation


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_integers_of_any_numpy_type_are_accepted(value):
    result = validation.check_integer("epochs", value, minimum=1)
    assert result == 3 and type(result) is int


@pytest.mark.parametrize("value", [0.5, np.float32(0.5), np.float64(0.5)])
def test_floats_of_any_numpy_type_are_accepted(value):
    result = validation.check_number("kl_weight", value, minimum=0)
    assert result == 0.5 and type(result) is float


@pytest.mark.parametrize(
    ("check", "value", "error", "expected"),
    [
        (validation.check_integer, True, TypeError, "Expected an integer >= 1. Received: n=True"),
        (validation.check_integer, 2.0, TypeError, "Expected an integer >= 1. Received: n=2.0"),
        (validation.check_integer, "2", TypeError, "Received: n='2'"),
        (validation.check_integer, 0, ValueError, "Expected an integer >= 1. Received: n=0"),
        (validation.check_number, math.nan, ValueError, "Expected a finite number >= 1. Received: n=nan"),
        (validation.check_number, math.inf, ValueError, "Received: n=inf"),
        (validation.check_number, None, TypeError, "Received: n=None"),
        (validation.check_number, np.bool_(True), TypeError, "Received: n="),
        (validation.check_number, 0.5, ValueError, "Expected a finite number >= 1. Received: n=0.5"),
    ],
)
def test_bad_values_name_the_argument_what_was_expected_and_what_was_received(check, value, error, expected):
    with pytest.raises(error, match="Invalid value received for argument `n`") as raised:
        check("n", value, minimum=1)
    assert expected in str(raised.value)


def test_bounds_inclusive_and_strict():
    assert validation.check_integer("seed", 2**32 - 1, minimum=0, maximum=2**32 - 1) == 2**32 - 1
    with pytest.raises(ValueError, match="between 0 and 4294967295"):
        validation.check_integer("seed", 2**32, minimum=0, maximum=2**32 - 1)
    with pytest.raises(ValueError, match="> 0"):
        validation.check_number("learning_rate", 0, minimum=0, above=True)


def test_choice():
    assert validation.check_choice("source", "sample", ("sample", "keras")) == "sample"
    with pytest.raises(ValueError, match="Expected one of 'sample', 'keras'. Received: source='kerass'"):
        validation.check_choice("source", "kerass", ("sample", "keras"))


def test_check_array_returns_float32_and_names_what_is_wrong():
    assert validation.check_array("z", [[0, 1]], shape=(None, 2)).dtype == np.float32
    with pytest.raises(ValueError, match=r"Expected a finite array of shape \(n, 2\). Received: z.shape=\(1, 3\)"):
        validation.check_array("z", np.zeros((1, 3)), shape=(None, 2))
    with pytest.raises(ValueError, match=r"Received: z.shape=\(0, 2\)"):
        validation.check_array("z", np.zeros((0, 2)), shape=(None, 2))
    with pytest.raises(ValueError, match="Received: z with NaN or infinite values"):
        validation.check_array("z", [[np.nan, 0.0]], shape=(None, 2))
    with pytest.raises(ValueError, match=r"with values between 0.0 and 1.0. Received: x with values in \[-1, 2\]"):
        validation.check_array("x", [[-1.0, 2.0]], shape=(1, 2), minimum=0.0, maximum=1.0)
    with pytest.raises(TypeError, match="Received: x.dtype=object"):
        validation.check_array("x", np.array([[None]]), shape=(1, 1))
