"""Re-execute the lesson notebooks and store their outputs (and widget state), cleanly.

Usage::

    python scripts/execute_notebooks.py                       # every notebooks/*.ipynb
    python scripts/execute_notebooks.py notebooks/03_loss.ipynb

Each notebook runs top to bottom on a fresh kernel in ``notebooks/`` on the JAX
backend, the outputs that ``pytest --nbval`` compares against. The stored notebook is
then cleaned: execution counts 1, 2, ... in order, no cell metadata but tags, minimal notebook
metadata (plus the widget state the book needs). A notebook whose cleaned content did
not change is not rewritten. It prints the seconds each notebook took.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
ALLOWED_CELL_METADATA = {"tags"}
ALLOWED_NOTEBOOK_METADATA = {"kernelspec", "language_info", "widgets"}
EXECUTION_ENV = {"KERAS_BACKEND": "jax", "PYTHONHASHSEED": "0"}


def clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Number code cells 1, 2, ... in order, strip stray metadata and merge each run of
    stream outputs into one, in place.

    nbval needs execution counts (it treats a cell without one as never run), so a
    clean notebook carries exactly the counts of a fresh top-to-bottom run. Where a
    kernel splits a cell's printed text into several stream outputs depends on timing,
    not on the code: merged (nbconvert's ``CoalesceStreamsPreprocessor``, as nbval does
    before it compares), a re-executed lesson differs from its stored copy only where
    its text does.
    """
    CoalesceStreamsPreprocessor().preprocess(notebook, {})
    notebook.metadata = nbformat.from_dict(
        {key: value for key, value in notebook.metadata.items() if key in ALLOWED_NOTEBOOK_METADATA}
    )
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata["language_info"] = {"name": "python"}
    code_cells = 0
    for cell in notebook.cells:
        cell.metadata = nbformat.from_dict(
            {key: value for key, value in cell.metadata.items() if key in ALLOWED_CELL_METADATA}
        )
        if cell.cell_type == "code":
            code_cells += 1
            cell.execution_count = code_cells
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = code_cells
    return notebook


def run(notebook: nbformat.NotebookNode, folder: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Execute ``notebook`` top to bottom on a fresh kernel in ``folder``, storing widget state.

    The one way the maintenance scripts run a lesson (the stored outputs, the student
    edition): the environment of :data:`EXECUTION_ENV`, the lesson's own folder.
    """
    os.environ.update(EXECUTION_ENV)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        store_widget_state=True,
    )
    client.execute()
    return notebook


def execute(path: Path, timeout: int = 600) -> float:
    """Execute one notebook in place; returns the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    run(notebook, path.parent, timeout)
    seconds = time.perf_counter() - start
    text = nbformat.writes(clean(notebook)) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return seconds


def lesson_paths(given: list[Path]) -> list[Path]:
    """The notebooks a command was given, or every lesson; exits (status 2) naming any missing one."""
    paths = given or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(missing)}", file=sys.stderr)
        raise SystemExit(2)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-execute lesson notebooks and store clean outputs.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = parser.parse_args(argv)
    paths = lesson_paths(args.notebooks)
    total = 0.0
    for path in paths:
        seconds = execute(path.resolve())
        total += seconds
        print(f"{seconds:6.1f} s  {path.name}", flush=True)
    print(f"{total:6.1f} s  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
