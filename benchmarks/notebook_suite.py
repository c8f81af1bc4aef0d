"""Benchmark the lesson notebooks: suite times warm and cold, per lesson and per slow cell.

Usage::

    python -m benchmarks.notebook_suite              # prints JSON; run_all.py stores it
    python -m benchmarks.notebook_suite --warm-only  # only the warm runs, on your model cache

Two measurements, each on an empty model cache (cold: a student's first day, every model
trained) and then on the cache the cold run filled (warm: a teacher re-running the suite):

* ``pytest --nbval notebooks`` as users type it, with the project's pytest settings
  (pytest-xdist, one worker per core, a notebook whole in one worker): the suite's wall
  time, the figure the targets are about;
* each lesson alone, one fresh kernel top to bottom (``nbclient``, as
  ``scripts/execute_notebooks.py`` runs them, JAX backend, working folder ``notebooks/``):
  seconds per lesson, the kernel's start-up, and every cell slower than ``--slow``
  seconds with its first source line, from the timestamps nbclient records.

With the suite's wall time goes the CPU-seconds the machine was busy meanwhile
(``full_suite.timed``): over the core count, the shortest wall time the same work could
take. Notebooks are executed in memory: the files in the repository are never touched.

The cache is a temporary folder (``VAE_LESSONS_CACHE``), so the user's cache is neither
used nor changed; JAX's compilation cache lives in it (``jax-compilation``, see
``vae_lessons/__init__.py``), so a cold run compiles everything and a warm run compiles
nothing. The machine may be shared: read timings next to the load average.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.full_suite import timed

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SLOW_CELL_SECONDS = 0.5


def _timestamp(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def cache_note(source: str) -> str:
    """What a cell's own comment says an empty model cache costs, or "".

    The first block of consecutive comment lines that mentions the cache (the lessons
    say it where they train, e.g. "# An empty cache trains six more (seeds 1 and 2 of
    each β):" and "# about 50 s."), joined into one line without the ``#``.
    """
    blocks, block = [], []
    for line in source.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
        elif block:
            blocks.append(" ".join(block))
            block = []
    return next((text for text in blocks if "cache" in text.lower()), "")


def time_notebook(path: Path, slow: float = SLOW_CELL_SECONDS) -> dict:
    """Execute one notebook on a fresh kernel; its seconds, kernel start-up and slow cells.

    Parameters
    ----------
    path : Path
        A lesson notebook; executed in memory with ``notebooks/`` as working folder.
    slow : float
        Report every code cell that took longer than this many seconds.

    Returns
    -------
    timing : dict
        ``seconds`` (start of the kernel to the last reply), ``kernel_start_seconds``
        (until the first cell began), ``cells_seconds`` (sum over code cells) and
        ``slow_cells``: ``[{"cell": index among code cells, "seconds", "first_line",
        "cache_note"}]`` (``cache_note``: what the cell says an empty cache costs).
    """
    import nbformat
    from nbclient import NotebookClient

    from scripts.execute_notebooks import EXECUTION_ENV

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    saved = {key: os.environ.get(key) for key in EXECUTION_ENV}
    os.environ.update(EXECUTION_ENV)
    try:
        start = time.time()
        client.execute()
        end = time.time()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    cells = []
    for index, cell in enumerate(code_cells, start=1):
        execution = cell.metadata.get("execution", {})
        if "iopub.status.busy" not in execution or "shell.execute_reply" not in execution:
            continue
        began = _timestamp(execution["iopub.status.busy"])
        seconds = _timestamp(execution["shell.execute_reply"]) - began
        first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
        cells.append({"cell": index, "began": began, "seconds": round(seconds, 2), "first_line": first_line[:90],
                      "cache_note": cache_note(cell.source)})  # fmt: skip
    first_began = min((cell["began"] for cell in cells), default=end)
    return {
        "seconds": round(end - start, 1),
        "kernel_start_seconds": round(first_began - start, 1),
        "cells_seconds": round(sum(cell["seconds"] for cell in cells), 1),
        "slow_cells": [
            {key: cell[key] for key in ("cell", "seconds", "first_line", "cache_note")}
            for cell in cells
            if cell["seconds"] > slow
        ],
    }


def time_lessons(cache: Path | None, slow: float) -> dict:
    """Each lesson alone, in order, with ``cache`` as the model cache (None: the caller's)."""
    if cache is not None:
        os.environ["VAE_LESSONS_CACHE"] = str(cache)
    lessons, failures = {}, {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        try:
            lessons[path.name] = time_notebook(path, slow)
        except Exception as error:  # a lesson being written may not run yet: say so, go on
            failures[path.name] = f"{type(error).__name__}: {str(error).strip().splitlines()[-1:]}"
            print(f"  {path.name}: failed ({type(error).__name__})", file=sys.stderr, flush=True)
            continue
        print(f"  {path.name}: {lessons[path.name]['seconds']} s", file=sys.stderr, flush=True)
    return {
        "lessons": lessons,
        "total_seconds": round(sum(lesson["seconds"] for lesson in lessons.values()), 1),
        "failed": failures,
    }


def time_pytest(cache: Path | None) -> dict:
    """``pytest --nbval notebooks`` with the project's settings, ``cache`` as the model cache (None: the caller's)."""
    command = [sys.executable, "-m", "pytest", "--nbval", "-q", "notebooks"]
    result = timed(command, None if cache is None else {"VAE_LESSONS_CACHE": str(cache)})
    print(f"  pytest --nbval notebooks: {result['seconds']} s, {result['busy_cpu_seconds']} CPU-s ({result['summary']})", file=sys.stderr, flush=True)
    return result


def run(cold: bool = True, slow: float = SLOW_CELL_SECONDS) -> dict:
    """The suite's times: cold (empty caches) then warm (the caches the cold runs filled).

    With ``cold=False``, only the warm runs, on the caller's model cache
    (``VAE_LESSONS_CACHE`` or the default), assumed filled by earlier runs.
    """
    result = {
        "pytest_command": "pytest --nbval notebooks (the project's pytest settings: pytest-xdist -n auto --dist loadfile)",
        "lesson_command": "each lesson alone on a fresh kernel (nbclient, JAX), in notebooks/",
        "cpu_count": os.cpu_count(),
        "slow_cell_seconds": slow,
    }
    if not cold:
        result["warm"] = {"pytest": time_pytest(None), **time_lessons(None, slow)}
        return result
    saved = os.environ.get("VAE_LESSONS_CACHE")
    try:
        with tempfile.TemporaryDirectory(prefix="vae-lessons-cache-") as folder:
            pytest_cache, lesson_cache = Path(folder) / "pytest", Path(folder) / "lessons"
            print(" cold (empty model cache):", file=sys.stderr, flush=True)
            result["cold"] = {"pytest": time_pytest(pytest_cache), **time_lessons(lesson_cache, slow)}
            print(" warm:", file=sys.stderr, flush=True)
            result["warm"] = {"pytest": time_pytest(pytest_cache), **time_lessons(lesson_cache, slow)}
    finally:
        if saved is None:
            os.environ.pop("VAE_LESSONS_CACHE", None)
        else:
            os.environ["VAE_LESSONS_CACHE"] = saved
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-only", action="store_true", help="only the warm runs, on the current model cache")
    parser.add_argument("--slow", type=float, default=SLOW_CELL_SECONDS, help="report cells slower than this (seconds)")
    args = parser.parse_args(argv)
    print(json.dumps(run(cold=not args.warm_only, slow=args.slow), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
