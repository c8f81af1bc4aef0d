"""Benchmark the README's test command: ``pytest --nbval``, the whole suite, warm.

Usage::

    python -m benchmarks.full_suite             # prints JSON; run_all.py stores it
    python -m benchmarks.full_suite --alone 0   # without the files run alone

``make test`` runs ``pytest --nbval`` after its setup, with the project's pytest settings
(pytest-xdist, one worker per core). This runs that command on the caller's model cache,
warm: ``pytest --nbval notebooks`` runs once first, untimed, to train whatever the cache
lacks. Then it measures:

* the suite's wall seconds, and the CPU-seconds the whole machine was busy meanwhile,
  read from ``/proc/stat`` (Linux), so the lessons' kernels, Chromium and the Jupyter
  servers the tests start all count, as ``resource.getrusage`` would not count them.
  Busy CPU-seconds over the wall time says how saturated the cores were; the suite cannot
  finish faster than its CPU-seconds over the core count without doing less work;
* each file's seconds: the sum of its tests' times (setup, call and teardown) from
  pytest's JUnit XML report, in the parallel run, where the files share the cores;
* with ``--alone N``: the N files with the most seconds, each run again alone in one
  process (``pytest -n 0 FILE``), with the busy CPU-seconds it costs the machine;
* the browser tests, which ``pytest --nbval`` leaves out (``-m 'not browser'`` in the
  project's settings) and CI runs next (``make test-browsers``: ``pytest -m browser``),
  with their wall and busy CPU-seconds.

Timings are never asserted in tests; the machine may be shared, so read them next to
the load average ``run_all.py`` records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
ALONE_FILES = 6


def busy_cpu_seconds() -> float | None:
    """CPU-seconds all cores have spent busy since boot (user, nice, system, irq, softirq).

    ``None`` where ``/proc/stat`` does not exist (not Linux).
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()  # "cpu  user nice system idle iowait irq softirq ..."
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def file_of(classname: str) -> str:
    """The test file a JUnit ``classname`` belongs to, as a path from the repository.

    ``tests.test_book`` (or ``tests.test_book.SomeClass``) -> ``tests/test_book.py``;
    ``notebooks.01_data.ipynb`` (an nbval cell) -> ``notebooks/01_data.ipynb``.
    """
    if classname.endswith(".ipynb"):
        folder, name = classname.split(".", 1)
        return f"{folder}/{name}"
    parts = classname.split(".")
    for length in range(len(parts), 0, -1):
        candidate = "/".join(parts[:length]) + ".py"
        if (REPO / candidate).is_file():
            return candidate
    return classname


def seconds_by_file(junit_xml: Path) -> dict[str, float]:
    """Each test file's summed test seconds from a JUnit XML report, largest first."""
    totals: Counter[str] = Counter()
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        totals[file_of(case.get("classname", ""))] += float(case.get("time", 0.0))
    return {name: round(seconds, 1) for name, seconds in totals.most_common()}


def timed(command: list[str], environment: dict[str, str] | None = None) -> dict:
    """Run ``command`` in the repository; its wall seconds, busy CPU-seconds and outcome.

    ``environment``: variables set for the command on top of this process's own.
    """
    busy_before, start = busy_cpu_seconds(), time.perf_counter()
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(environment or {})}
    process = subprocess.run(command, check=False, capture_output=True, text=True, cwd=REPO, env=environment)
    seconds, busy_after = time.perf_counter() - start, busy_cpu_seconds()
    busy = None if busy_before is None else round(busy_after - busy_before, 1)
    summary = (process.stdout.strip().splitlines() or [""])[-1]
    return {"seconds": round(seconds, 1), "busy_cpu_seconds": busy, "passed": process.returncode == 0, "summary": summary}


def run(alone: int = ALONE_FILES) -> dict:
    """The whole suite once (wall, busy CPU, seconds per file), ``alone`` files alone, then the browser tests."""
    warm_up = timed([sys.executable, "-m", "pytest", "--nbval", "-q", "notebooks"])  # fills the model cache
    print(f"  warm-up, pytest --nbval notebooks: {warm_up['seconds']} s", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="vae-lessons-suite-") as folder:
        report = Path(folder) / "junit.xml"
        suite = timed([sys.executable, "-m", "pytest", "--nbval", "-q", f"--junitxml={report}"])
        files = seconds_by_file(report) if report.is_file() else {}
    print(f"  pytest --nbval: {suite['seconds']} s, {suite['busy_cpu_seconds']} CPU-s ({suite['summary']})", file=sys.stderr, flush=True)
    result = {
        "command": "pytest --nbval",
        "note": "what `make test` runs after its setup, the project's pytest settings, on a warm model cache",
        "cpu_count": os.cpu_count(),
        "suite": suite,
        "seconds_by_file": files,
        "alone": {},
    }
    for name in list(files)[:alone]:
        result["alone"][name] = timed([sys.executable, "-m", "pytest", "-n", "0", "-q", "--nbval", name])
        print(f"  {name} alone: {result['alone'][name]}", file=sys.stderr, flush=True)
    result["browsers"] = timed([sys.executable, "-m", "pytest", "-q", "-m", "browser"])
    print(f"  pytest -m browser: {result['browsers']}", file=sys.stderr, flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alone", type=int, default=ALONE_FILES, help="run this many of the slowest files alone too")
    args = parser.parse_args(argv)
    print(json.dumps(run(alone=args.alone), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
