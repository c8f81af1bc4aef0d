"""Grading with otter-grader: `make assignments` exports each lesson as an otter master
notebook (scripts/assignments.py), and otter itself grades it.

The masters are checked here against the lessons. The round trip with otter (`otter
assign`, then `otter run` on a correct, a wrong and an empty submission) installs
otter-grader in a virtual environment of its own: otter brings pandas, which Keras
imports whenever it is installed, so it stays out of `.venv`. It takes minutes: CI runs
it after `make test` with VAE_LESSONS_CHECK_ASSIGNMENTS=1 (`.ci/run`).
"""

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from scripts import assignments

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "notebooks").glob("*.ipynb"))


def exercises_of(lesson_path):
    """(check cell, answer cell, solution code) of each exercise: the cells from the lesson,
    the solution from the package (what lesson_NN.exK.solution() prints)."""
    cells = nbformat.read(lesson_path, as_version=4).cells
    found = []
    for index, cell in enumerate(cells):
        match = assignments.CHECK_CELL.match(cell.source) if cell.cell_type == "code" else None
        if match:
            lesson, exercise = match.groups()
            module = importlib.import_module(f"vae_lessons.exercises.{lesson}")
            found.append((cell, cells[index - 1], getattr(module, exercise).solution_code))
    return found


def questions(master):
    """Each question of a master notebook: its name and its cells, BEGIN QUESTION to END QUESTION."""
    found, current = [], None
    for cell in master.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            current = (re.search(r"^name: (\S+)$", cell.source, flags=re.M).group(1), [])
        elif cell.cell_type == "raw" and cell.source == "# END QUESTION":
            found.append(current)
            current = None
        elif current is not None:
            current[1].append(cell)
    assert current is None, "a question is not closed"
    return found


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_exercise_becomes_a_graded_question(lesson):
    master = assignments.master_notebook(lesson)
    exercises = exercises_of(lesson)
    assert len(exercises) >= 2
    assert master.cells[0].cell_type == "raw" and master.cells[0].source.startswith("# ASSIGNMENT CONFIG\n")
    found = questions(master)
    assert [name for name, _ in found] == [
        "_".join(assignments.CHECK_CELL.match(check.source).groups()) for check, _, _ in exercises
    ]
    for (name, cells), (check, answer, solution) in zip(found, exercises):
        kinds = [(cell.cell_type, cell.source if cell.cell_type == "raw" else "") for cell in cells]
        begin = kinds.index(("raw", "# BEGIN SOLUTION"))
        assert kinds[begin + 2:begin + 5] == [("raw", "# END SOLUTION"), ("code", ""), ("raw", "# BEGIN TESTS")]
        assert kinds[-1] == ("raw", "# END TESTS")
        source = cells[begin + 1].source
        prompt = source.split('""" # BEGIN PROMPT\n', 1)[1].split('\n""" # END PROMPT\n', 1)[0]
        assert prompt == answer.source.rstrip()  # the student sees the lesson's own answer cell
        block = source.split("# BEGIN SOLUTION NO PROMPT\n", 1)[1]
        assert block.endswith("\n# END SOLUTION")
        assert block.removesuffix("\n# END SOLUTION") == solution.rstrip()  # the package's solution, as is
        assert re.search(r"^answer = ", solution, flags=re.M), "a solution sets `answer`"
        graded = f"graded_{name} = answer"
        assert cells[begin + 3].source == f"{check.source.rstrip()}\n{graded}"  # the student's feedback stays
        (test,) = cells[begin + 5:-1]
        lesson_module, exercise = name.rsplit("_", 1)
        assert test.source.endswith(f"\n{lesson_module}.{exercise}.verdict(graded_{name}).status")
        assert "hidden: false" in test.source and test.outputs[0]["data"]["text/plain"] == "'correct'"
    # no solution reaches a cell outside a solution block
    outside = "\n".join(cell.source for cell in master.cells if "BEGIN SOLUTION NO PROMPT" not in cell.source)
    for *_, solution in exercises:
        assert solution.strip() not in outside
    assert not [cell for cell in master.cells if "solution" in cell.metadata.get("tags", [])]


def test_a_check_cell_naming_no_exercise_is_refused(tmp_path):
    lesson = tmp_path / "lesson.ipynb"
    cells = [nbformat.v4.new_code_cell("answer = ..."), nbformat.v4.new_code_cell("lesson_03.ex9.check(answer)")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), lesson)
    with pytest.raises(ValueError, match="lesson_03.ex9: vae_lessons.exercises.lesson_03 has no exercise ex9"):
        assignments.master_notebook(lesson)


def test_hidden_tests_leave_students_a_public_attempted_test():
    master = assignments.master_notebook(REPO / "notebooks" / "03_loss.ipynb", hidden=True)
    for name, cells in questions(master):
        tests = [cell for cell in cells if cell.cell_type == "code" and cell.source.startswith('""" # BEGIN TEST CONFIG')]
        public, hidden = tests
        assert "points: 0" in public.source and "hidden" not in public.source.split("# END TEST CONFIG")[0]
        assert public.outputs[0]["data"]["text/plain"] == "True"
        assert "hidden: true" in hidden.source and "points: 1" in hidden.source


def test_a_lesson_without_exercises_is_refused(tmp_path):
    lesson = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), lesson)
    with pytest.raises(ValueError, match=r"lesson.ipynb: no exercise \(an answer cell, then its check cell"):
        assignments.master_notebook(lesson)


def test_the_same_lesson_gives_the_same_master(tmp_path):
    first = assignments.write_assignments([LESSONS[2]], tmp_path / "a")
    second = assignments.write_assignments([LESSONS[2]], tmp_path / "b")
    assert first[0].read_bytes() == second[0].read_bytes()


# --- the round trip with otter itself ---------------------------------------------------------


def otter_environment(folder: Path) -> Path:
    """A virtual environment with this package and its `grading` extra; returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{REPO}[grading]"],
                   check=True, env=environment, timeout=1800)
    return folder / "bin"


def student_tests(notebook) -> dict:
    """The test cases otter put in a student notebook (its metadata), by question."""
    tests = notebook.metadata["otter"]["tests"]
    return {name: [case["code"].strip() for suite in test["suites"] for case in suite["cases"]] for name, test in tests.items()}


def scores(results: Path) -> dict:
    return {test["name"]: test["score"] for test in json.loads(results.read_text())["tests"] if test.get("score") is not None}


@pytest.mark.skipif(
    not os.environ.get("VAE_LESSONS_CHECK_ASSIGNMENTS"),
    reason="installs otter-grader in its own environment and runs it (minutes): CI sets "
    "VAE_LESSONS_CHECK_ASSIGNMENTS=1 (.ci/run)",
)
def test_otter_assigns_and_grades_a_lesson(tmp_path):
    with tempfile.TemporaryDirectory() as scratch:  # the environment goes when the test ends
        bin_folder = otter_environment(Path(scratch) / "venv")
        environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        environment["PATH"] = f"{bin_folder}{os.pathsep}{environment['PATH']}"
        lesson = REPO / "notebooks" / "03_loss.ipynb"
        (master,) = assignments.write_assignments([lesson], tmp_path / "public")
        (hidden_master,) = assignments.write_assignments([lesson], tmp_path / "hidden", hidden=True)
        for path in (master, hidden_master):  # otter runs the solutions against the tests here
            result = subprocess.run([str(bin_folder / "otter"), "assign", path.name, "dist"], cwd=path.parent,
                                    env=environment, capture_output=True, text=True, timeout=1800)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

        dist = master.parent / "dist"
        exercises = exercises_of(lesson)
        questions_of_lesson = ["_".join(assignments.CHECK_CELL.match(check.source).groups()) for check, _, _ in exercises]
        assert len(questions_of_lesson) >= 2
        student = nbformat.read(dist / "student" / lesson.name, as_version=4)
        answers = [cell.source for cell in student.cells if "otter_answer_cell" in cell.metadata.get("tags", [])]
        assert answers == [answer.source.rstrip() for _, answer, _ in exercises]
        sources = "\n".join(cell.source for cell in student.cells)
        for *_, solution in exercises:  # no solution left for the student
            assert solution.strip() not in sources
        # the tests a student's grader.check runs: the checks themselves, or with --hidden only
        # whether each question was attempted (the graded tests stay in the autograder)
        def call(question):
            lesson_module, exercise = question.rsplit("_", 1)
            return f"{lesson_module}.{exercise}.verdict(graded_{question}).status"

        assert student_tests(student) == {question: [f">>> {call(question)}\n'correct'"] for question in questions_of_lesson}
        hidden_student = nbformat.read(hidden_master.parent / "dist" / "student" / lesson.name, as_version=4)
        assert student_tests(hidden_student) == {
            question: [f">>> {call(question)} != 'not_attempted'\nTrue"] for question in questions_of_lesson
        }

        autograder = dist / "autograder" / lesson.name
        submissions = tmp_path / "submissions"
        submissions.mkdir()
        (submissions / "correct.ipynb").write_text(autograder.read_text())  # the solutions
        # the wrong submission: the first question answered by a constant, which no check accepts
        wrong = nbformat.read(autograder, as_version=4)
        first_solution = exercises[0][2].strip()
        (cell,) = [cell for cell in wrong.cells if cell.cell_type == "code" and first_solution in cell.source]
        cell.source = "def constant(*arguments):\n    return 0.0\n\n\nanswer = constant"
        nbformat.write(wrong, submissions / "wrong.ipynb")
        (submissions / "empty.ipynb").write_text((dist / "student" / lesson.name).read_text())
        (zip_file,) = (dist / "autograder").glob("*.zip")
        found = {}
        for name in ("correct", "wrong", "empty"):
            output = tmp_path / f"results-{name}"
            output.mkdir()
            result = subprocess.run([str(bin_folder / "otter"), "run", "-a", str(zip_file), "-o", str(output),
                                     str(submissions / f"{name}.ipynb")],
                                    cwd=submissions, env=environment, capture_output=True, text=True, timeout=1800)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            found[name] = scores(output / "results.json")
    assert found["correct"] == dict.fromkeys(questions_of_lesson, 1)
    assert found["wrong"] == {question: int(index > 0) for index, question in enumerate(questions_of_lesson)}
    assert found["empty"] == dict.fromkeys(questions_of_lesson, 0)
