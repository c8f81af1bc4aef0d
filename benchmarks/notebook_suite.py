"""Benchmark the lesson notebooks: seconds to execute each one, and the total.

Usage::

    python -m benchmarks.notebook_suite        # prints JSON; run_all.py stores it

Copies ``notebooks/*.ipynb`` into a temporary folder and executes the copies with the
repository's own command (``scripts/execute_notebooks.py``'s ``execute``: a fresh
kernel per notebook, JAX backend), so the notebooks in the repository are never
touched. Models come from the training cache: run ``scripts/train_study.py`` (and the
lessons once) first, or the first run also measures training.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run() -> dict:
    from scripts import execute_notebooks

    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    timings, failures = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for path in notebooks:
            copy = Path(folder) / path.name
            shutil.copy(path, copy)
            try:
                timings[path.name] = round(execute_notebooks.execute(copy), 1)
            except Exception as error:  # a lesson being written may not run yet: say so, go on
                failures[path.name] = f"{type(error).__name__}: {str(error).strip().splitlines()[-1:]}"
                print(f"  {path.name}: failed ({type(error).__name__})", file=sys.stderr, flush=True)
                continue
            print(f"  {path.name}: {timings[path.name]} s", file=sys.stderr, flush=True)
    return {
        "command": "scripts/execute_notebooks.py's execute() on copies, fresh kernel each, JAX",
        "seconds": timings,
        "total_seconds": round(sum(timings.values()), 1),
        "failed": failures,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
