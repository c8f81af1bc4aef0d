"""The lessons' code is formatted (ruff, the line length in pyproject.toml) so that it
fits the book's code column without sideways scrolling; tests/test_book.py checks that
this line length fits the column in a browser."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def ruff_command():
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff")


def line_length():
    """The lessons' line length, from ``[tool.ruff]`` in pyproject.toml."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["ruff"]["line-length"]


def test_lesson_code_is_formatted_to_fit_the_book():
    ruff = ruff_command()
    assert ruff, "ruff is not installed: pip install -e '.[test]'"
    result = subprocess.run(
        [ruff, "format", "--check", "--diff", "notebooks/"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        f"lesson code is not formatted to {line_length()} columns; run `ruff format notebooks/`, "
        f"then re-execute the changed notebooks:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
    )


def test_no_lesson_code_line_is_longer_than_the_book_column():
    """``ruff format`` cannot split a long string; such a line scrolls sideways in the book."""
    import json

    limit = line_length()
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            for line in "".join(cell["source"]).splitlines():
                assert len(line) <= limit, f"{path.name} cell {index}: {len(line)} characters > {limit}: {line}"
