"""Write the student edition of the lessons: the lessons without their solution cells.

Usage::

    python -m scripts.student_edition                        # every notebooks/*.ipynb
    python -m scripts.student_edition notebooks/03_loss.ipynb --output build/student-edition

For each lesson, nbconvert's ``TagRemovePreprocessor`` drops every cell tagged
``solution``, and the notebook is cleaned (execution counts 1, 2, ... again). Nothing is
re-executed: the teacher's edition already stores what a student sees in every other
cell, because each check cell runs right under the student's ``answer = ...`` and
prints "Not attempted yet" there too; only the solution cells (which set ``answer`` and
print "Correct.") go. Two tests keep this true: no cell after a solution uses a name
that only solution cells define (tests/test_notebooks.py), and CI runs the whole
student edition under ``pytest --nbval`` (tests/test_exercises.py). It also writes a
zip of the edition, which the book offers for download.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

from scripts.execute_notebooks import REPO, clean, lesson_paths

SOLUTION_TAG = "solution"
DEFAULT_OUTPUT = REPO / "build" / "student-edition"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed timestamps: the same edition gives the same zip bytes


def remove_solutions(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``notebook`` without the cells tagged ``solution`` (nbconvert's TagRemovePreprocessor)."""
    preprocessor = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    notebook, _ = preprocessor.preprocess(notebook, {})
    return notebook


def has_solutions(path: Path) -> bool:
    """True when the notebook at ``path`` has at least one cell tagged ``solution``."""
    notebook = nbformat.read(path, as_version=4)
    return any(SOLUTION_TAG in cell.get("metadata", {}).get("tags", []) for cell in notebook.cells)


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The student edition of one lesson: solution cells removed, cleaned."""
    return clean(remove_solutions(nbformat.read(path, as_version=4)))


def write_student_edition(paths, output: Path = DEFAULT_OUTPUT) -> list[Path]:
    """Write the student edition of each lesson in ``paths`` into the folder ``output``.

    Returns
    -------
    written : list of Path
        One notebook per lesson, same file names.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        path = Path(path).resolve()
        target = output / path.name
        target.write_text(nbformat.writes(student_notebook(path)) + "\n")
        written.append(target)
    return written


def write_zip(path: Path, notebooks) -> Path:
    """Zip the student-edition ``notebooks`` into ``path`` (for the book's download link).

    The archive holds the notebooks under ``vae-lessons-student/``, with fixed
    timestamps, so the same notebooks always give the same bytes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for notebook in sorted(Path(notebook) for notebook in notebooks):
            info = zipfile.ZipInfo(f"vae-lessons-student/{notebook.name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, notebook.read_bytes())
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the student edition of the lessons (no solutions).")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for the edition")
    parser.add_argument("--zip", type=Path, default=None, help="zip file (default: OUTPUT.zip)")
    args = parser.parse_args(argv)
    paths = lesson_paths(args.notebooks)
    written = write_student_edition(paths, args.output)
    archive = write_zip(args.zip or args.output.with_suffix(".zip"), written)
    print(f"student edition: {len(written)} notebooks in {args.output}, zipped in {archive}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
