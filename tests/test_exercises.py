"""The exercises: every solution passes its check, every named mistake gets its message,
empty answers are "not attempted", any other answer a verdict rather than a traceback,
checks never change their input; and the student edition drops the solutions.

Each test checks every exercise (or every mistake) and names each one that fails.
"""

import contextlib
import io
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest

from scripts import execute_notebooks, student_edition
from scripts.execute_notebooks import EXECUTION_ENV
from vae_lessons import data, evaluation, losses, models, sampling, training
from vae_lessons.exercises import (
    checking,
    lesson_01,
    lesson_02,
    lesson_03,
    lesson_04,
    lesson_05,
    lesson_06,
    lesson_07,
    lesson_08,
    lesson_09,
    lesson_10,
)

LESSONS = (lesson_01, lesson_02, lesson_03, lesson_04, lesson_05, lesson_06, lesson_07, lesson_08, lesson_09, lesson_10)
EXERCISES = [value for lesson in LESSONS for value in vars(lesson).values() if isinstance(value, checking.Exercise)]
REPO = Path(__file__).resolve().parents[1]


def solution_answer(exercise):
    """Run an exercise's solution code as a notebook cell would, and return its ``answer``."""
    namespace = {"np": np, "keras": keras, "data": data, "losses": losses, "sampling": sampling,
                 "models": models, "training": training, "evaluation": evaluation}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(exercise.solution_code, namespace)
    return namespace["answer"]


def printed(function, *arguments):
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = function(*arguments)
    assert result is None, "a notebook cell calling it must show no return value"
    return output.getvalue()


def test_every_lesson_has_at_least_two_exercises():
    for lesson in LESSONS:
        names = [exercise.name for exercise in EXERCISES if exercise.name.startswith(lesson.__name__.rsplit(".", 1)[1])]
        assert len(names) >= 2, lesson.__name__


def by_name(exercises=EXERCISES):
    return [(exercise.name, exercise) for exercise in exercises]


def test_every_solution_passes_its_check(check_each):
    def passes(exercise):
        verdict = exercise.verdict(solution_answer(exercise))
        assert verdict.status == checking.CORRECT, verdict.text
        assert printed(exercise.check, solution_answer(exercise)).startswith("Correct. ")

    check_each(by_name(), passes)


def test_an_empty_answer_is_not_attempted(check_each):
    def not_attempted(exercise):
        for empty in (..., None):
            text = printed(exercise.check, empty)
            assert text.startswith("Not attempted yet"), f"answer {empty!r}: {text}"
            assert f"{exercise.name}.hint()" in text, f"answer {empty!r}: {text}"

    check_each(by_name(), not_attempted)


def test_hints_and_solution_print(check_each):
    def prints(exercise):
        assert 1 <= len(exercise.hints) <= 3
        assert printed(exercise.hint).startswith(f"Hint 1 of {len(exercise.hints)}: ")
        assert printed(exercise.hint, 9).startswith(f"Hint {len(exercise.hints)} of")  # too high: the last one
        assert exercise.solution_code in printed(exercise.solution)
        assert "answer =" in exercise.solution_code

    check_each(by_name(), prints)


# Any answer, however wrong, gets a printed verdict, never a traceback.
BAD_ANSWERS = {
    "string": "abc", "NaN": math.nan, "infinity": math.inf, "empty list": [], "empty dict": {}, "huge": 1e300,
    "negative": -1, "object": object(), "function returning None": lambda *args: None,
    "function raising": lambda *args: 1 / 0, "NaN array": np.full((3, 3), np.nan), "bool": True,
}


def test_any_wrong_answer_gets_a_verdict_never_a_traceback(check_each):
    def gets_a_verdict(exercise):
        for label, answer in BAD_ANSWERS.items():
            with np.errstate(all="ignore"):
                verdict = exercise.verdict(answer)
            assert verdict.status != checking.CORRECT, f"answer {label}: {verdict.text}"
            assert verdict.text.startswith("Not yet."), f"answer {label}: {verdict.text}"

    check_each(by_name(), gets_a_verdict)


# --- Wrong answers: (exercise, mistake it must name, a function building the wrong answer) ----

def _train():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    return x_train, y_train, x_test, y_test


def _split(validation_indices, shuffle_labels=False):
    x_train, y_train, _, _ = _train()
    is_validation = np.zeros(len(y_train), dtype=bool)
    is_validation[validation_indices] = True
    y_part = y_train[~is_validation][::-1] if shuffle_labels else y_train[~is_validation]
    return x_train[~is_validation], y_part, x_train[validation_indices], y_train[validation_indices]


def _l1_ex3_farthest():
    x_train, y_train, _, _ = _train()
    x = data.flatten_and_scale(x_train)
    means = np.stack([x[y_train == d].mean(axis=0) for d in range(10)])
    distances = np.linalg.norm(means[:, None] - means[None, :], axis=-1)
    return tuple(int(i) for i in np.unravel_index(np.argmax(distances), distances.shape))


def _kl_terms(mu, log_var):
    return np.exp(log_var) + mu**2 - 1 - log_var


def _no_return(*arguments):
    arguments[0] + 1


def _in_place(z_mean, *rest):
    z_mean -= z_mean.mean(axis=0)
    return z_mean


def _clip(p):
    return np.clip(p, 1e-7, 1 - 1e-7)


def _global_noise(z_mean, z_log_var, seed):
    return z_mean + np.exp(z_log_var / 2) * np.random.standard_normal(z_mean.shape)


def _numbered_steps(z_a, z_b, n):
    t = (np.arange(n) / n)[:, None]
    return (1 - t) * z_a + t * z_b


WRONG_ANSWERS = [
    (lesson_01.ex1, "percent", lambda: 100 * np.mean(_train()[0] == 0)),
    (lesson_01.ex1, "count", lambda: int(np.sum(_train()[0] == 0))),
    (lesson_01.ex1, "test_set", lambda: np.mean(_train()[2] == 0)),
    (lesson_01.ex1, "ink_fraction", lambda: np.mean(_train()[0] != 0)),
    (lesson_01.ex1, "wrong_shape", lambda: np.mean(_train()[0] == 0, axis=0)),
    (lesson_01.ex2, "wrong_type", lambda: data.train_validation_split(*_train()[:2], 400, seed=0)),
    (lesson_01.ex2, "wrong_size", lambda: _split(data.stratified_indices(_train()[1], 300, seed=0))),
    (lesson_01.ex2, "validation_from_test", lambda: (*_train()[:2], _train()[2][:400], _train()[3][:400])),
    (lesson_01.ex2, "with_replacement", lambda: _split(np.random.default_rng(0).integers(0, 4000, 400))),
    (lesson_01.ex2, "validation_in_training", lambda: (*[a[:3600] for a in _train()[:2]], _train()[0][3200:3600], _train()[1][3200:3600])),
    (lesson_01.ex2, "labels_mismatch", lambda: _split(data.stratified_indices(_train()[1], 400, seed=0), shuffle_labels=True)),
    (lesson_01.ex2, "not_stratified", lambda: _split(np.arange(400))),
    (lesson_01.ex3, "wrong_type", lambda: 3),
    (lesson_01.ex3, "same_class", lambda: (4, 4)),
    (lesson_01.ex3, "farthest_pair", _l1_ex3_farthest),
    (lesson_01.ex3, "wrong_value", lambda: (2, 3)),  # neither closest (4, 9) nor farthest (0, 1)
    (lesson_07.ex3, "wrong_value", lambda: lambda v: float(np.var(v))),
    (lesson_02.ex1, "variance_instead_of_sigma", lambda: lambda m, v, e: m + np.exp(v) * e),
    (lesson_02.ex1, "log_var_without_exp", lambda: lambda m, v, e: m + v * e),
    (lesson_02.ex1, "sqrt_of_log_var", lambda: lambda m, v, e: m + np.sqrt(v) * e),
    (lesson_02.ex1, "forgot_mean", lambda: lambda m, v, e: np.exp(v / 2) * e),
    (lesson_02.ex1, "forgot_sigma", lambda: lambda m, v, e: m + e),
    (lesson_02.ex1, "wrong_shape", lambda: lambda m, v, e: np.sum(m + np.exp(v / 2) * e, axis=1)),
    (lesson_02.ex1, "not_a_function", lambda: np.zeros((5, 3))),
    (lesson_02.ex1, "returned_none", lambda: _no_return),
    (lesson_02.ex1, "changed_input", lambda: _in_place),
    (lesson_02.ex2, "shared_epsilon", lambda: lambda m, v, s: m + np.exp(v / 2) * np.random.default_rng(s).standard_normal((1, m.shape[1]))),
    (lesson_02.ex2, "not_reproducible", lambda: _global_noise),
    (lesson_02.ex2, "variance_instead_of_sigma", lambda: lambda m, v, s: m + np.exp(v) * np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_mean", lambda: lambda m, v, s: np.exp(v / 2) * np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_spread", lambda: lambda m, v, s: m + np.random.default_rng(s).standard_normal(m.shape)),
    (lesson_02.ex2, "wrong_shape", lambda: lambda m, v, s: (m + np.exp(v / 2) * np.random.default_rng(s).standard_normal(m.shape))[0]),
    (lesson_03.ex1, "mean_instead_of_sum", lambda: lambda x, p: -np.mean(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)), axis=-1)),
    (lesson_03.ex1, "swapped_arguments", lambda: lambda x, p: -np.sum(p * np.log(_clip(x)) + (1 - p) * np.log(1 - _clip(x)), axis=-1)),
    (lesson_03.ex1, "wrong_sign", lambda: lambda x, p: np.sum(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)), axis=-1)),
    (lesson_03.ex1, "no_clipping", lambda: lambda x, p: -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)),
    (lesson_03.ex1, "wrong_shape", lambda: lambda x, p: -np.sum(x * np.log(_clip(p)) + (1 - x) * np.log(1 - _clip(p)))),
    (lesson_03.ex1, "not_a_function", lambda: 543.4),
    (lesson_03.ex2, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * np.sum(_kl_terms(m, 2 * v), axis=-1)),
    (lesson_03.ex2, "missing_half", lambda: lambda m, v: np.sum(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "mean_over_dimensions", lambda: lambda m, v: 0.5 * np.mean(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "wrong_sign", lambda: lambda m, v: -0.5 * np.sum(_kl_terms(m, v), axis=-1)),
    (lesson_03.ex2, "wrong_shape", lambda: lambda m, v: 0.5 * _kl_terms(m, v)),
    (lesson_03.ex2, "not_finite", lambda: lambda m, v: 0.5 * np.sum(v + m**2 - 1 - np.log(v), axis=-1)),
    (lesson_03.ex3, "mean_instead_of_sum", lambda: np.log(2)),
    (lesson_03.ex3, "bits_instead_of_nats", lambda: 784.0),
    (lesson_03.ex3, "wrong_sign", lambda: -784 * np.log(2)),
    (lesson_03.ex3, "wrong_shape", lambda: np.full(3, 784 * np.log(2))),
    (lesson_04.ex1, "counted_from_zero", lambda: lambda h: int(np.argmin(h["val_loss"]))),
    (lesson_04.ex1, "training_loss", lambda: lambda h: int(np.argmin(h["loss"])) + 1),
    (lesson_04.ex1, "returned_the_loss", lambda: lambda h: min(h["val_loss"])),
    (lesson_04.ex1, "not_a_function", lambda: 7),
    (lesson_04.ex1, "returned_none", lambda: _no_return_history),
    (lesson_04.ex2, "reversed_sign", lambda: lambda h: h["loss"][-1] - h["val_loss"][-1]),
    (lesson_04.ex2, "best_values", lambda: lambda h: min(h["val_loss"]) - min(h["loss"])),
    (lesson_04.ex2, "first_epoch", lambda: lambda h: h["val_loss"][0] - h["loss"][0]),
    (lesson_04.ex2, "not_a_function", lambda: 10.1),
    (lesson_05.ex1, "same_class", lambda: _closest_with_diagonal),
    (lesson_05.ex1, "farthest_pair", lambda: _farthest_classes),
    (lesson_05.ex1, "wrong_type", lambda: lambda z, y: 3),
    (lesson_05.ex1, "changed_input", lambda: lambda z, y: (_in_place(z), (3, 7))[1]),
    (lesson_05.ex2, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * _kl_terms(m, 2 * v).mean(axis=0)),
    (lesson_05.ex2, "sum_over_digits", lambda: lambda m, v: 0.5 * _kl_terms(m, v).sum(axis=0)),
    (lesson_05.ex2, "wrong_shape", lambda: lambda m, v: 0.5 * _kl_terms(m, v)),
    (lesson_05.ex2, "not_finite", lambda: lambda m, v: (0.5 * (v + m**2 - 1 - np.log(v))).mean(axis=0)),
    (lesson_05.ex3, "standard_deviation", lambda: lambda z: int(np.sum(z.std(axis=0) > 0.01))),
    (lesson_05.ex3, "wrong_axis", lambda: lambda z: int(np.sum(z.var(axis=1) > 0.01))),
    (lesson_05.ex3, "wrong_shape", lambda: lambda z: z.var(axis=0) > 0.01),
    (lesson_06.ex1, "end_missing", lambda: _numbered_steps),
    (lesson_06.ex1, "reversed", lambda: lambda a, b, n: np.linspace(0, 1, n)[:, None] * (a - b) + b),
    (lesson_06.ex1, "wrong_shape", lambda: lambda a, b, n: (np.linspace(0, 1, n)[:, None] * (b - a) + a).T),
    (lesson_06.ex1, "not_a_function", lambda: np.zeros((6, 3))),
    (lesson_06.ex2, "squared_distance", lambda: lambda images: float(np.max(np.sum(np.diff(images, axis=0) ** 2, axis=1)))),
    (lesson_06.ex2, "distance_from_first", lambda: lambda images: float(np.max(np.linalg.norm(images - images[0], axis=1)))),
    (lesson_06.ex2, "mean_step", lambda: lambda images: float(np.mean(np.linalg.norm(np.diff(images, axis=0), axis=1)))),
    (lesson_06.ex2, "not_a_function", lambda: 4.0),
    (lesson_07.ex1, "nats_per_pixel", lambda: lambda nats: nats / 784),
    (lesson_07.ex1, "bits_per_digit", lambda: lambda nats: nats / np.log(2)),
    (lesson_07.ex1, "log10", lambda: lambda nats: nats / (784 * np.log(10))),
    (lesson_07.ex1, "not_a_function", lambda: 0.3),
    (lesson_07.ex2, "mean_of_logs", lambda: lambda w: w.mean(axis=0)),
    (lesson_07.ex2, "forgot_log_k", lambda: lambda w: np.logaddexp.reduce(w, axis=0)),
    (lesson_07.ex2, "not_finite", lambda: lambda w: np.log(np.mean(np.exp(w), axis=0))),
    (lesson_07.ex2, "wrong_shape", lambda: lambda w: np.logaddexp.reduce(w, axis=1) - np.log(w.shape[1])),
    (lesson_07.ex2, "not_a_function", lambda: -800.0),
    (lesson_07.ex3, "standard_deviation", lambda: lambda v: float(np.std(v, ddof=1))),
    (lesson_07.ex3, "divided_by_n", lambda: lambda v: float(np.std(v, ddof=1) / len(v))),
    (lesson_07.ex3, "population_std", lambda: lambda v: float(np.std(v) / np.sqrt(len(v)))),
    (lesson_07.ex3, "not_a_function", lambda: 4.0),
    (lesson_08.ex1, "sum_over_digits", lambda: lambda m, v: 0.5 * _kl_terms(m, v).sum(axis=0) > 0.1),
    (lesson_08.ex1, "missing_half", lambda: lambda m, v: _kl_terms(m, v).mean(axis=0) > 0.1),
    (lesson_08.ex1, "log_var_as_log_sigma", lambda: lambda m, v: 0.5 * _kl_terms(m, 2 * v).mean(axis=0) > 0.1),
    (lesson_08.ex1, "by_variance", lambda: lambda m, v: m.var(axis=0) > 0.01),
    (lesson_08.ex1, "wrong_shape", lambda: lambda m, v: int(np.sum(0.5 * _kl_terms(m, v).mean(axis=0) > 0.1))),
    (lesson_08.ex1, "not_a_function", lambda: np.array([True, False])),
    (lesson_08.ex1, "wrong_value", lambda: lambda m, v: np.zeros(m.shape[1], dtype=bool)),
    (lesson_08.ex2, "unpaired", lambda: lambda a, b: ((a - b).mean(), np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))),
    (lesson_08.ex2, "standard_deviation", lambda: lambda a, b: ((a - b).mean(), np.std(a - b, ddof=1))),
    (lesson_08.ex2, "divided_by_n", lambda: lambda a, b: ((a - b).mean(), np.std(a - b, ddof=1) / len(a))),
    (lesson_08.ex2, "population_std", lambda: lambda a, b: ((a - b).mean(), np.std(a - b) / np.sqrt(len(a)))),
    (lesson_08.ex2, "reversed_sign", lambda: lambda a, b: ((b - a).mean(), np.std(a - b, ddof=1) / np.sqrt(len(a)))),
    (lesson_08.ex2, "wrong_shape", lambda: lambda a, b: a - b),
    (lesson_08.ex2, "not_a_function", lambda: (3.4, 0.3)),
    (lesson_08.ex2, "wrong_value", lambda: lambda a, b: ((a - b).mean(), 1.0)),
    (lesson_09.ex1, "no_bias", lambda: lambda k, c, f: k * k * c * f),
    (lesson_09.ex1, "per_pixel", lambda: lambda k, c, f: (784 * c + 1) * f),
    (lesson_09.ex1, "wrong_value", lambda: lambda k, c, f: k * c * f + f),
    (lesson_09.ex1, "not_a_function", lambda: 160),
    (lesson_09.ex2, "not_a_model", lambda: _conv_decoder(2)),
    (lesson_09.ex2, "not_a_model", lambda: lambda latent_dim: _conv_decoder(latent_dim).layers),
    (lesson_09.ex2, "image_shape", lambda: lambda latent_dim: _conv_decoder(latent_dim, flat=False)),
    (lesson_09.ex2, "no_sigmoid", lambda: lambda latent_dim: _conv_decoder(latent_dim, last=None)),
    (lesson_09.ex2, "wrong_size", lambda: lambda latent_dim: _conv_decoder(latent_dim, filters=32)),
    (lesson_09.ex2, "not_a_function", lambda: 7),
    (lesson_10.ex1, "off_by_one", lambda: lambda e, w, t: t * min(1.0, (e + 1) / w)),
    (lesson_10.ex1, "no_cap", lambda: lambda e, w, t: t * e / w),
    (lesson_10.ex1, "wrong_value", lambda: lambda e, w, t: t),
    (lesson_10.ex1, "not_a_function", lambda: 0.5),
    (lesson_10.ex2, "not_binary", lambda: lambda x, seed: x),
    (lesson_10.ex2, "not_reproducible", lambda: lambda x, seed: (np.random.random(x.shape) < x).astype(float)),
    (lesson_10.ex2, "threshold", lambda: lambda x, seed: (x > 0.5).astype(float)),
    (lesson_10.ex2, "inverted", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < 1 - x) * 1.0),
    (lesson_10.ex2, "wrong_shape", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < x)[0] * 1.0),
    (lesson_10.ex2, "wrong_value", lambda: lambda x, seed: np.ones_like(x)),
    (lesson_10.ex2, "not_a_function", lambda: np.zeros((5, 784))),
]


def _conv_decoder(latent_dim, flat=True, last="sigmoid", filters=16):
    """Lesson 9 exercise 2's decoder, or one with a named mistake."""
    z = keras.Input(shape=(latent_dim,))
    hidden = keras.layers.Reshape((7, 7, 32))(keras.layers.Dense(7 * 7 * 32, activation="relu")(z))
    hidden = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(hidden)
    hidden = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation=last)(hidden)
    return keras.Model(z, keras.layers.Reshape((784,))(hidden) if flat else hidden)


def _no_return_history(history):
    history["val_loss"]


def _centre_distances(z_mean, labels):
    centres = np.stack([z_mean[labels == d].mean(axis=0) for d in range(10)])
    return np.linalg.norm(centres[:, None] - centres[None, :], axis=-1)


def _closest_with_diagonal(z_mean, labels):
    distances = _centre_distances(z_mean, labels)
    return tuple(int(i) for i in np.unravel_index(np.argmin(distances), distances.shape))


def _farthest_classes(z_mean, labels):
    distances = _centre_distances(z_mean, labels)
    return tuple(int(i) for i in np.unravel_index(np.argmax(distances), distances.shape))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.__name__.rsplit(".", 1)[1])
def test_each_mistake_gets_its_message(lesson, check_each):
    """Every named mistake of the lesson's exercises, made on purpose, is named."""

    def named(case):
        exercise, mistake, wrong_answer = case
        with np.errstate(all="ignore"):
            verdict = exercise.verdict(wrong_answer())
        assert verdict.status == mistake, f"diagnosed {verdict.status!r}: {verdict.text}"
        assert verdict.text.startswith("Not yet. ") and len(verdict.text) > 40, verdict.text

    lesson_exercises = {id(value) for value in vars(lesson).values() if isinstance(value, checking.Exercise)}
    cases = [row for row in WRONG_ANSWERS if id(row[0]) in lesson_exercises]
    check_each(((f"{exercise.name}: {mistake}", (exercise, mistake, wrong)) for exercise, mistake, wrong in cases), named)


def test_every_declared_mistake_is_tested():
    tested = {(exercise.name, mistake) for exercise, mistake, _ in WRONG_ANSWERS}
    for exercise in EXERCISES:
        for mistake in exercise.mistakes:
            assert (exercise.name, mistake) in tested, (exercise.name, mistake)


def test_an_answer_that_raises_is_reported_kindly():
    def broken(z_mean, z_log_var, epsilon):
        return z_mean @ z_log_var  # (5, 3) @ (5, 3): shapes do not match

    verdict = lesson_02.ex1.verdict(broken)
    assert verdict.status == "raised"
    assert "ValueError" in verdict.text and "lesson_02.ex1.hint()" in verdict.text


def test_checks_do_not_change_their_input():
    # Array answers passed read-only: a check that wrote to them would raise.
    answer = tuple(checking.read_only(*solution_answer(lesson_01.ex2)))
    assert lesson_01.ex2.verdict(answer).status == checking.CORRECT
    # Function answers receive read-only copies: the wrong answer above that writes fails kindly.
    assert lesson_02.ex1.verdict(_in_place).status == "changed_input"


def test_output_is_deterministic():
    wrong = WRONG_ANSWERS[0]
    first = printed(wrong[0].check, wrong[2]())
    assert printed(wrong[0].check, wrong[2]()) == first
    assert "0x" not in first  # no object addresses
    assert repr(lesson_03.ex1) == "Exercise lesson_03.ex1: .check(answer), .hint(level), .solution()"


# --- The student edition ------------------------------------------------------------------

SOLUTION_CODE = "answer = 784 * np.log(2)  # SECRET-SOLUTION"


def synthetic_lesson(path):
    """A tiny lesson with one exercise: question, answer cell, check cell, solution cell."""
    cells = [
        nbformat.v4.new_markdown_cell("# A lesson\n\n## Exercises\n\n1. The all-0.5 decoder's loss?"),
        nbformat.v4.new_code_cell("import numpy as np\n\nfrom vae_lessons.exercises import lesson_03"),
        nbformat.v4.new_code_cell("answer = ...  # the loss, in nats per digit"),
        nbformat.v4.new_code_cell("lesson_03.ex3.check(answer)"),
        nbformat.v4.new_code_cell(f"{SOLUTION_CODE}\nlesson_03.ex3.check(answer)"),
    ]
    cells[-1].metadata["tags"] = ["solution", "hide-cell"]
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def execution_env(monkeypatch):
    """The lessons' execution environment, restored after the test (the script sets it)."""
    for key, value in EXECUTION_ENV.items():
        monkeypatch.setenv(key, value)


def test_student_edition_drops_solutions_and_answers(tmp_path, execution_env):
    lesson = synthetic_lesson(tmp_path / "lesson.ipynb")
    teacher = execute_notebooks.run(nbformat.read(lesson, as_version=4), tmp_path)
    nbformat.write(execute_notebooks.clean(teacher), lesson)  # the stored teacher's edition
    assert student_edition.has_solutions(lesson)
    (written,) = student_edition.write_student_edition([lesson], tmp_path / "student")
    text = written.read_text()
    assert "SECRET-SOLUTION" not in text and '"solution"' not in text
    assert "Correct." not in text  # no answer output
    notebook = nbformat.read(written, as_version=4)
    check_outputs = [output.text for output in notebook.cells[-1].outputs]
    assert check_outputs == [lesson_03.ex3.verdict(...).text + "\n"]
    assert not student_edition.has_solutions(written)
    archive = student_edition.write_zip(tmp_path / "student.zip", [written])
    again = student_edition.write_zip(tmp_path / "again.zip", [written])
    assert archive.read_bytes() == again.read_bytes()  # reproducible download


LESSONS_WITH_SOLUTIONS = [path for path in sorted((REPO / "notebooks").glob("*.ipynb")) if student_edition.has_solutions(path)]


@pytest.mark.skipif(not LESSONS_WITH_SOLUTIONS, reason="no lesson carries a `solution` cell yet")
@pytest.mark.skipif(
    not os.environ.get("VAE_LESSONS_CHECK_STUDENT_EDITION"),
    reason="re-runs every lesson (minutes): CI sets VAE_LESSONS_CHECK_STUDENT_EDITION=1 (.ci/run)",
)
def test_student_edition_of_the_lessons_passes_nbval(tmp_path, execution_env):
    """The teacher's edition runs under `pytest --nbval notebooks/`; here, the student's."""
    written = student_edition.write_student_edition(LESSONS_WITH_SOLUTIONS, tmp_path)
    for path in written:
        text = path.read_text()
        assert "Correct." not in text, f"{path.name}: a solution's output is left"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbval", "-p", "no:cacheprovider", "-p", "vae_lessons.nbval_tolerance",
         *map(str, written)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
