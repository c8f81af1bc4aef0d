"""The test-suite benchmark's helpers: test files from JUnit XML, the machine's busy CPU.

Run with ``pytest benchmarks/`` (not in the default test paths)."""

import sys

import pytest

from benchmarks import full_suite

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="5">
<testcase classname="tests.test_book" name="test_a" time="2.5" />
<testcase classname="tests.test_book" name="test_b[dark]" time="1.0" />
<testcase classname="tests.test_cache.SomeClass" name="test_c" time="0.3" />
<testcase classname="notebooks.01_data.ipynb" name="Cell 0" time="1.0" />
<testcase classname="notebooks.01_data.ipynb" name="Cell 1" time="4.0" />
</testsuite></testsuites>
"""


def test_junit_classnames_map_to_their_files():
    assert full_suite.file_of("tests.test_book") == "tests/test_book.py"
    assert full_suite.file_of("tests.test_cache.SomeClass") == "tests/test_cache.py"
    assert full_suite.file_of("notebooks.08_studies.ipynb") == "notebooks/08_studies.ipynb"
    assert full_suite.file_of("no.such.module") == "no.such.module"  # said as it came, not guessed


def test_seconds_by_file_sums_each_files_tests_largest_first(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT, encoding="utf-8")
    seconds = full_suite.seconds_by_file(report)
    assert seconds == {"notebooks/01_data.ipynb": 5.0, "tests/test_book.py": 3.5, "tests/test_cache.py": 0.3}
    assert list(seconds) == ["notebooks/01_data.ipynb", "tests/test_book.py", "tests/test_cache.py"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_busy_cpu_seconds_grow_while_this_process_computes():
    before = full_suite.busy_cpu_seconds()
    total = 0
    for number in range(3_000_000):  # about 0.2 s of one core
        total += number * number
    after = full_suite.busy_cpu_seconds()
    assert total > 0 and 0.05 < after - before < 60  # seconds, not clock ticks


def test_the_results_page_reports_the_browser_step_when_it_was_timed():
    from benchmarks import run_all

    timing = {"seconds": 100.0, "busy_cpu_seconds": 190.0, "passed": True, "summary": "9 passed in 99.0s"}
    result = {"command": "pytest --nbval", "note": "warm", "cpu_count": 2, "suite": timing,
              "seconds_by_file": {"tests/test_a.py": 3.0}, "alone": {}}  # fmt: skip
    assert not any("pytest -m browser" in line for line in run_all.suite_markdown(result))
    browsers = {**timing, "seconds": 80.0, "busy_cpu_seconds": 150.0, "summary": "19 passed in 79.0s"}
    lines = run_all.suite_markdown({**result, "browsers": browsers})
    assert any("`pytest -m browser`): **80.0 s** (19 passed in 79.0s), 150 busy CPU-seconds." in line for line in lines)


def test_slow_cells_are_listed_slowest_first_above_a_threshold():
    from benchmarks import run_all

    lessons = {"08_studies.ipynb": {"slow_cells": [
        {"cell": 3, "seconds": 1.2, "first_line": "import numpy as np"},
        {"cell": 11, "seconds": 48.7, "first_line": "# An empty cache trains six more | about 50 s"},
    ]}}  # fmt: skip
    assert run_all.slow_cells_table(lessons, 2.0)[2:] == [
        "| 08_studies.ipynb | 11 | 48.7 | `# An empty cache trains six more / about 50 s` |"
    ]
    assert [line.split(" | ")[1] for line in run_all.slow_cells_table(lessons)[2:]] == ["11", "3"]
    lessons["08_studies.ipynb"]["slow_cells"][1]["cache_note"] = "An empty cache trains six more: about 50 s."
    assert run_all.slow_cells_table(lessons, 2.0, notes=True)[2].endswith("| An empty cache trains six more: about 50 s. |")


def test_a_cells_cache_note_is_its_comment_that_names_the_cache():
    from benchmarks import notebook_suite

    source = (
        "import numpy as np  # not a note\n"
        "# An empty cache trains six more (seeds 1 and 2 of each β):\n"
        "# about 50 s.\n"
        "scores = {}\n"
        "# a later comment about the cache\n"
    )
    assert notebook_suite.cache_note(source) == "An empty cache trains six more (seeds 1 and 2 of each β): about 50 s."
    assert notebook_suite.cache_note("# scores\nx = 1\n") == ""
