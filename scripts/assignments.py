"""Export the lessons as otter-grader assignments: the exercises become graded questions.

Usage::

    python -m scripts.assignments                         # every lesson, into build/assignments/
    python -m scripts.assignments notebooks/03_loss.ipynb --output build/assignments
    python -m scripts.assignments --hidden                # the graded tests hidden from students

Writes one master notebook per lesson in otter-grader's notebook format ("Otter Assign",
format v1), which ``otter assign MASTER DIST`` turns into a student notebook, an
autograder notebook and the ``autograder.zip`` that ``otter run`` and Gradescope grade
with (``make assignments`` does both, in a separate environment: otter brings pandas,
which Keras imports whenever it is installed, so otter stays out of the lessons' one).

Each exercise of a lesson (an answer cell ``answer = ...``, then the check cell
``lesson_NN.exK.check(answer)`` under it) becomes one question worth one point:

* the question's solution is the exercise's own, from the package
  (``vae_lessons.exercises.lesson_NN.exK.solution_code``, what ``.solution()`` prints;
  it sets ``answer``): the student's answer cell as the prompt (``# BEGIN PROMPT``), the
  solution code in a ``# BEGIN SOLUTION NO PROMPT`` block, so the student version shows
  exactly the lesson's answer cell;
* the check cell stays where it was: students still read why an answer is wrong;
* the exercise's own check becomes the otter test: ``lesson_NN.exK.verdict(answer).status``
  must be ``'correct'`` (the check runs the answer on several inputs, so no constant
  passes it). Public by default; with ``--hidden`` it is hidden, and a public test that
  only says whether the question was attempted takes its place in ``grader.check``.

A cell tagged ``solution`` (the lessons hold none; tests/test_notebooks.py checks it) is
left out, as no test could grade it.
"""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import nbformat

from scripts.execute_notebooks import REPO, lesson_paths

SOLUTION_TAG = "solution"
DEFAULT_OUTPUT = REPO / "build" / "assignments"
CHECK_CELL = re.compile(r"^(lesson_\d\d)\.(ex\d+)\.check\(answer\)", re.MULTILINE)
CORRECT = "'correct'"  # what the test cell prints for a right answer: repr of the verdict's status


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def assignment_config(name: str) -> str:
    """The notebook's ``# ASSIGNMENT CONFIG`` cell (YAML): no PDFs, an autograder zip."""
    return "\n".join(
        [
            "# ASSIGNMENT CONFIG",
            f"name: {name}",
            "init_cell: true",
            "check_all_cell: false",
            "export_cell: false",
            "solutions_pdf: false",
            "generate: true",
        ]
    )


def solution_code(lesson: str, exercise: str) -> str:
    """The solution of ``lesson.exercise`` (``"lesson_03"``, ``"ex1"``) from the package:
    the code ``vae_lessons.exercises.lesson_03.ex1.solution()`` prints; it sets ``answer``.

    Raises
    ------
    ValueError
        If the package has no such exercise.
    """
    try:
        module = importlib.import_module(f"vae_lessons.exercises.{lesson}")
    except ModuleNotFoundError:
        raise ValueError(f"{lesson}.{exercise}: there is no module vae_lessons.exercises.{lesson}") from None
    code = getattr(getattr(module, exercise, None), "solution_code", None)
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"{lesson}.{exercise}: vae_lessons.exercises.{lesson} has no exercise {exercise} with a solution")
    return code


def solution_source(prompt: str, solution: str, exercise: str) -> str:
    """The master's solution cell: the student's answer cell as prompt, then the solution."""
    if '"""' in prompt:
        raise ValueError(f"{exercise}: the answer cell contains triple quotes, which the prompt block uses")
    return "\n".join(
        [
            '""" # BEGIN PROMPT',
            prompt.rstrip(),
            '""" # END PROMPT',
            "# BEGIN SOLUTION NO PROMPT",
            solution.rstrip(),
            "# END SOLUTION",
        ]
    )


def graded_name(lesson: str, exercise: str) -> str:
    """The name under which a question's answer is kept for grading: ``graded_lesson_03_ex1``."""
    return f"graded_{lesson}_{exercise}"


def test_cell(lesson: str, exercise: str, hidden: bool) -> nbformat.NotebookNode:
    """The otter test of one exercise: its own check must find the answer correct."""
    config = [
        '""" # BEGIN TEST CONFIG',
        f"hidden: {'true' if hidden else 'false'}",
        "points: 1",
        f'failure_message: "Not yet: run {lesson}.{exercise}.check(answer) to see what is wrong."',
        '""" # END TEST CONFIG',
    ]
    cell = nbformat.v4.new_code_cell("\n".join([*config, f"{lesson}.{exercise}.verdict({graded_name(lesson, exercise)}).status"]))
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": CORRECT}, execution_count=1)]
    return cell


def attempted_cell(lesson: str, exercise: str) -> nbformat.NotebookNode:
    """A public test worth no point: the answer is no longer ``...`` (with ``--hidden``)."""
    config = [
        '""" # BEGIN TEST CONFIG',
        "points: 0",
        'failure_message: "Not attempted yet: replace the ... in `answer = ...`."',
        '""" # END TEST CONFIG',
    ]
    source = "\n".join([*config, f'{lesson}.{exercise}.verdict({graded_name(lesson, exercise)}).status != "not_attempted"'])
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "True"}, execution_count=1)]
    return cell


def master_notebook(path: Path, hidden: bool = False) -> nbformat.NotebookNode:
    """The otter master notebook of one lesson (see the module docstring).

    Raises
    ------
    ValueError
        If the lesson has no exercise, a check cell has no answer cell above it, or the
        package has no solution for an exercise a check cell names.
    """
    path = Path(path)
    lesson = nbformat.read(path, as_version=4)
    cells = lesson.cells
    exercises = {}  # index of the check cell -> (lesson, exercise, solution code)
    for index, cell in enumerate(cells):
        match = CHECK_CELL.match(cell.source) if cell.cell_type == "code" else None
        if match is None:
            continue
        if index < 1 or cells[index - 1].cell_type != "code":
            raise ValueError(f"{path.name}: {match.group(0)} has no answer cell above it")
        exercises[index] = (match.group(1), match.group(2), solution_code(*match.groups()))
    if not exercises:
        raise ValueError(f"{path.name}: no exercise (an answer cell, then its check cell lesson_NN.exK.check(answer))")
    answer_cells = {check - 1 for check in exercises}
    prompt_cells = {
        check - 2
        for check in exercises
        if check >= 2 and cells[check - 2].cell_type == "markdown" and cells[check - 2].source.lstrip().startswith("**Exercise")
    }
    out = [_raw(assignment_config(path.stem))]
    for index, cell in enumerate(cells):
        if SOLUTION_TAG in _tags(cell):
            continue  # no test could grade it (the lessons hold none)
        if index in answer_cells or index in prompt_cells:
            continue  # written with their question
        if index in exercises:
            name, exercise, solution = exercises[index]
            out.append(_raw(f"# BEGIN QUESTION\nname: {name}_{exercise}"))
            if index - 2 in prompt_cells:
                out.append(cells[index - 2])
            out.append(_raw("# BEGIN SOLUTION"))
            out.append(
                nbformat.v4.new_code_cell(
                    solution_source(cells[index - 1].source, solution, f"{name}.{exercise}")
                )
            )
            out.append(_raw("# END SOLUTION"))
            # the check cell: the student's feedback, as in the lesson; otter runs its tests
            # after the whole notebook, when `answer` holds the last exercise's answer, so
            # each question's answer is also kept under its own name
            out.append(nbformat.v4.new_code_cell(f"{cell.source.rstrip()}\n{graded_name(name, exercise)} = answer"))
            out.append(_raw("# BEGIN TESTS"))
            if hidden:
                out.append(attempted_cell(name, exercise))
            out.append(test_cell(name, exercise, hidden))
            out.append(_raw("# END TESTS"))
            out.append(_raw("# END QUESTION"))
            continue
        out.append(cell)
    master = nbformat.v4.new_notebook(cells=out, metadata=lesson.metadata)
    for number, cell in enumerate(master.cells):
        cell.id = f"cell-{number}"  # the same lesson always gives the same master
        if cell.cell_type == "code" and not cell.source.startswith('""" # BEGIN TEST CONFIG'):
            cell.outputs = []
            cell.execution_count = None
    return master


def write_assignments(paths, output: Path = DEFAULT_OUTPUT, hidden: bool = False) -> list[Path]:
    """Write the otter master notebook of each lesson in ``paths`` to ``output/NN_name/NN_name.ipynb``."""
    written = []
    for path in paths:
        path = Path(path)
        folder = Path(output) / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        nbformat.write(master_notebook(path, hidden=hidden), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the lessons as otter-grader assignments.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for the master notebooks")
    parser.add_argument(
        "--hidden", action="store_true", help="hide the graded tests; students' grader.check says only 'attempted'"
    )
    args = parser.parse_args(argv)
    written = write_assignments(lesson_paths(args.notebooks), args.output, args.hidden)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
