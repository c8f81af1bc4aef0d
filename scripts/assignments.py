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

Each exercise of a lesson (an answer cell ``answer = ...``, the check cell
``lesson_NN.exK.check(answer)`` under it, then the solution cell tagged ``solution``)
becomes one question worth one point:

* the solution cell becomes the question's solution: the student's answer cell as the
  prompt (``# BEGIN PROMPT``), the solution code in a ``# BEGIN SOLUTION NO PROMPT``
  block, so the student version shows exactly the lesson's answer cell;
* the check cell stays where it was: students still read why an answer is wrong;
* the exercise's own check becomes the otter test: ``lesson_NN.exK.verdict(answer).status``
  must be ``'correct'`` (the check runs the answer on several inputs, so no constant
  passes it). Public by default; with ``--hidden`` it is hidden, and a public test that
  only says whether the question was attempted takes its place in ``grader.check``.

Left out, as in the student edition: the worked answers of the open questions (markdown
or code cells tagged ``solution`` that follow no check cell), which no test can grade.
"""

from __future__ import annotations

import argparse
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


def solution_source(prompt: str, solution: str, exercise: str) -> str:
    """The master's solution cell: the student's answer cell as prompt, then the solution.

    ``solution`` is the lesson's solution cell without its trailing check line(s).
    """
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
        If the lesson has no exercise, or an exercise's cells are not in the lessons' order
        (answer cell, check cell, solution cell).
    """
    path = Path(path)
    lesson = nbformat.read(path, as_version=4)
    cells = lesson.cells
    exercises = {}  # index of the check cell -> (lesson, exercise, index of the solution cell)
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or SOLUTION_TAG not in _tags(cell) or index < 2:
            continue
        match = CHECK_CELL.match(cells[index - 1].source)
        if match is None:
            continue  # the worked answer of an open question: left out
        if cells[index - 2].cell_type != "code":
            raise ValueError(f"{path.name}: {match.group(0)} has no answer cell above it")
        exercises[index - 1] = (match.group(1), match.group(2), index)
    if not exercises:
        raise ValueError(f"{path.name}: no exercise with a check cell and a solution cell")
    answer_cells = {check - 1 for check in exercises}
    prompt_cells = {
        check - 2
        for check in exercises
        if check >= 2 and cells[check - 2].cell_type == "markdown" and cells[check - 2].source.lstrip().startswith("**Exercise")
    }
    out = [_raw(assignment_config(path.stem))]
    for index, cell in enumerate(cells):
        if SOLUTION_TAG in _tags(cell):
            continue  # solutions live in the questions' solution cells; worked answers are left out
        if index in answer_cells or index in prompt_cells:
            continue  # written with their question
        if index in exercises:
            name, exercise, solution_index = exercises[index]
            solution_cell = cells[solution_index]
            solution = CHECK_CELL.sub("", solution_cell.source).rstrip()
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
