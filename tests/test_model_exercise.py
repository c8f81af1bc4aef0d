"""Lesson 4's model-writing exercise on every installed backend: the solution's ``MyVAE``
passes, and each classic mistake of ``tests/exercise_cases/lesson_04.py`` is named.

Keras picks its backend when it is first imported, so each other backend runs in one
fresh Python (this file run as a script prints its verdicts as one JSON line), as
``tests/test_backends.py`` does; this process's backend runs here. The solution and
the mistake that only training reveals each train for seconds; the others are named
by the check's probes, before any training.
"""

import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
BACKEND_PACKAGES = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}
INSTALLED_BACKENDS = [name for name, package in BACKEND_PACKAGES.items() if importlib.util.find_spec(package)]


def verdicts():
    """``{case: status}`` for the solution and every wrong answer of exercise 4, on this backend."""
    from exercise_cases import lesson_04 as cases
    from vae_lessons.exercises import lesson_04

    solution = lesson_04.ex4.verdict(cases.MyVAE)
    found = {"solution": solution.status if solution.status == "correct" else solution.text}
    for exercise, mistake, wrong_answer in cases.WRONG_ANSWERS:
        if exercise is lesson_04.ex4:
            answer = wrong_answer()
            name = getattr(answer, "__name__", f"an instance of {type(answer).__name__}")
            found[f"{mistake}: {name}"] = lesson_04.ex4.verdict(answer).status
    return found


@functools.cache
def verdicts_on(backend):
    import keras

    if backend == keras.backend.backend():
        return verdicts()
    path = os.pathsep.join(part for part in [str(TESTS.parent), str(TESTS), os.environ.get("PYTHONPATH", "")] if part)
    completed = subprocess.run(
        [sys.executable, __file__], env={**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": path},
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_every_mistake_of_the_model_exercise_has_a_case():
    from exercise_cases import lesson_04 as cases
    from vae_lessons.exercises import lesson_04

    tested = {mistake for exercise, mistake, _ in cases.WRONG_ANSWERS if exercise is lesson_04.ex4}
    assert set(lesson_04.ex4.mistakes) <= tested
    assert "ignores_input" in tested


@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
def test_the_model_exercise_names_each_mistake_on_every_backend(backend):
    found = dict(verdicts_on(backend))
    assert found.pop("solution") == "correct", f"{backend}: the solution fails"
    wrong = {case: status for case, status in found.items() if status != case.split(":")[0]}
    assert not wrong, f"{backend}: {wrong}"


if __name__ == "__main__":
    import vae_lessons  # noqa: F401  (the package picks the backend)

    print(json.dumps(verdicts()))
