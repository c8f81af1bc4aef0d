"""The exercises: every solution passes its check, every named mistake gets its message,
empty answers are "not attempted", any other answer a verdict rather than a traceback,
checks never change their input; a function that ignores its input fails; messages never
print the right answer; and the course's mix of exercise kinds holds.

Each test checks every exercise (or every mistake) and names each one that fails.
"""

import ast
import contextlib
import io
import math
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from exercise_cases import (
    lesson_01 as cases_01,
    lesson_02 as cases_02,
    lesson_03 as cases_03,
    lesson_04 as cases_04,
    lesson_05 as cases_05,
    lesson_06 as cases_06,
    lesson_07 as cases_07,
    lesson_08 as cases_08,
    lesson_09 as cases_09,
    lesson_10 as cases_10,
)
from exercise_cases.common import _in_place
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
ALL_EXERCISES = [value for lesson in LESSONS for value in vars(lesson).values() if isinstance(value, checking.Exercise)]
CASES = (cases_01, cases_02, cases_03, cases_04, cases_05, cases_06, cases_07, cases_08, cases_09, cases_10)
# An experiment's check scores the lessons' trained models, which each backend trains for
# itself (minutes on PyTorch's CPU build): experiments are checked on JAX, the lessons'
# backend; every other exercise on all three (.ci/run runs this file on each).
ON_THE_LESSONS_BACKEND = keras.backend.backend() == "jax"


def _checked_here(exercise):
    return ON_THE_LESSONS_BACKEND or exercise.kind != "experiment"


EXERCISES = [exercise for exercise in ALL_EXERCISES if _checked_here(exercise)]
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


def by_name(exercises=EXERCISES):
    return [(exercise.name, exercise) for exercise in exercises]


def test_every_solution_passes_its_check(check_each):
    def passes(exercise):
        verdict = exercise.verdict(solution_answer(exercise))
        assert verdict.status == checking.CORRECT, verdict.text
        assert printed(exercise.check, solution_answer(exercise)).startswith("Correct. ")

    check_each(by_name(), passes)


def test_solutions_fit_the_books_column():
    """The book shows each solution in a code block: lines of 75 characters fit at 1280 px
    (the browser test test_book.py::test_no_code_block_scrolls_sideways_at_1280px measures it)."""
    for exercise in ALL_EXERCISES:
        long = [line for line in exercise.solution_code.splitlines() if len(line) > 75]
        assert not long, f"{exercise.name}: {long}"


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


# --- Wrong answers: tests/exercise_cases/lesson_NN.py, one module per lesson ----------------

ALL_WRONG_ANSWERS = [row for module in CASES for row in module.WRONG_ANSWERS]
WRONG_ANSWERS = [row for row in ALL_WRONG_ANSWERS if _checked_here(row[0])]


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
    tested = {(exercise.name, mistake) for exercise, mistake, _ in ALL_WRONG_ANSWERS}
    for exercise in ALL_EXERCISES:
        for mistake in exercise.mistakes:
            assert (exercise.name, mistake) in tested, (exercise.name, mistake)


def first_answer_forever(function):
    """A function that answers its first question as ``function`` does, then repeats that answer."""
    first = []

    def constant(*arguments, **keywords):
        if not first:
            first.append(function(*arguments, **keywords))
        return first[0]

    return constant


def _answer_is_a_function(exercise):
    """True when the solution's ``answer`` is a function or class it defines (read, not run)."""
    tree = ast.parse(exercise.solution_code)
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    answers = [node.value for node in tree.body
               if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "answer" for target in node.targets)]
    return bool(answers) and (isinstance(answers[-1], ast.Lambda)
                              or (isinstance(answers[-1], ast.Name) and answers[-1].id in defined))


FUNCTION_EXERCISES = [exercise for exercise in EXERCISES if _answer_is_a_function(exercise)]


def test_a_function_that_ignores_its_input_fails(check_each):
    """Right on the check's first input, the same answer after: every function exercise names it."""

    def named(exercise):
        with np.errstate(all="ignore"):
            verdict = exercise.verdict(first_answer_forever(solution_answer(exercise)))
        assert verdict.status == checking.IGNORES_INPUT, f"diagnosed {verdict.status!r}: {verdict.text}"

    check_each(by_name(FUNCTION_EXERCISES), named)


def _statements(code):
    """How many statements the solution's functions and classes hold (docstrings and `answer =` aside)."""
    count = 0
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            body = [statement for statement in node.body
                    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))]
            count += sum(not isinstance(statement, (ast.FunctionDef, ast.ClassDef)) for statement in body)
    return count


def test_the_course_mix():
    """Each lesson: two exercises or more where students write code or run an experiment;
    one-liners at most a third of all; an exercise called "code" is more than one line."""
    for lesson in LESSONS:
        prefix = lesson.__name__.rsplit(".", 1)[1]
        doing = [exercise.name for exercise in ALL_EXERCISES
                 if exercise.name.startswith(prefix) and exercise.kind in ("code", "experiment")]
        assert len(doing) >= 2, f"{prefix}: {doing}"
    one_liners = [exercise.name for exercise in ALL_EXERCISES if exercise.kind == "one-liner"]
    assert len(one_liners) <= len(ALL_EXERCISES) / 3, one_liners
    for exercise in ALL_EXERCISES:
        if exercise.kind == "code":
            assert _statements(exercise.solution_code) >= 2, f"{exercise.name} is a one-liner"


def _numbers(value):
    """The numbers an answer holds (scalars and small arrays; not images, not booleans)."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value) if not isinstance(value, (tuple, list)) else value,
                           dtype=np.float64)
    except Exception:  # noqa: BLE001 -- a model, a dict: nothing to leak
        return []
    if array.dtype == bool or array.size > 20 or np.asarray(value).dtype == bool:
        return []
    return [float(number) for number in array.ravel() if np.isfinite(number)]


def _expected_numbers(exercise):
    """What the right answer is: the solution's value, or its results on the check's own inputs."""
    answer = solution_answer(exercise)
    if not callable(answer):
        return _numbers(answer)
    results = []

    def recorded(*arguments, **keywords):
        results.append(answer(*arguments, **keywords))
        return results[-1]

    with np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        exercise.verdict(recorded)
    return [number for result in results for number in _numbers(result)]


def _leaks(text, expected):
    """Numbers in ``text``, of two significant digits or more, that round an expected number."""
    leaked = []
    for token in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text):
        digits = token.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
        if len(digits) < 2:
            continue
        mantissa = token.split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(token.split("e")[1]) if "e" in token else 0
        half_unit = 0.5 * 10.0 ** (exponent - decimals)
        if any(abs(float(token) - number) <= half_unit for number in expected):
            leaked.append(token)
    return leaked


def test_messages_never_print_the_expected_answer(check_each):
    """No wrong answer's message prints the right answer (to two significant digits or more)."""
    expected = {}

    def silent(case):
        exercise, mistake, wrong_answer = case
        if exercise.name not in expected:
            expected[exercise.name] = _expected_numbers(exercise)
        with np.errstate(all="ignore"):
            text = exercise.verdict(wrong_answer()).text
        assert not _leaks(text, expected[exercise.name]), f"prints {_leaks(text, expected[exercise.name])}: {text}"

    check_each(((f"{exercise.name}: {mistake}", (exercise, mistake, wrong)) for exercise, mistake, wrong in WRONG_ANSWERS),
               silent)


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
