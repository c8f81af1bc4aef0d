"""The book's build, without a browser: figure descriptions, launch links, solutions.

A small lesson written here (one figure output whose metadata carries its description,
as ``vae_lessons.alt_text`` stores it, and one exercise: an answer cell and its check
cell, with no solution, as the lessons are) is built into a book with
``scripts/build_book.py --notebooks ... --repository-url ...``. The book puts the
exercise's solution, from the package, collapsed under the check cell.
"""

from __future__ import annotations

import base64
import html
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from scripts import build_book
from vae_lessons.exercises import lesson_03

REPO = Path(__file__).resolve().parents[1]
DESCRIPTION = "Line plot of a loss falling from 3 to 1 over 10 epochs"
CHECK = "lesson_03.ex3.check(answer)\n# Stuck? lesson_03.ex3.hint(), then hint(2), hint(3);\n# the solution: lesson_03.ex3.solution()"


def figure_output():
    """A display_data output as IPython makes it for a described Figure."""
    from matplotlib.figure import Figure

    from vae_lessons import alt_text

    figure = Figure(figsize=(2, 2))
    figure.add_subplot().plot(range(10), [3 - index / 4.5 for index in range(10)])
    alt_text.describe(figure, DESCRIPTION)
    png, metadata = alt_text.png_with_alt(figure)
    return nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": DESCRIPTION}, metadata={"image/png": metadata}
    )


def synthetic_lesson(folder: Path) -> Path:
    """A lesson with a described figure and one exercise (answer cell, check cell), no solution."""
    cell = nbformat.v4.new_code_cell("plots.loss_curves(history)", execution_count=1, outputs=[figure_output()])
    answer = nbformat.v4.new_code_cell("answer = ...  # a number, nats per digit", execution_count=2)
    check = nbformat.v4.new_code_cell(CHECK, execution_count=3)
    check.outputs = [nbformat.v4.new_output("stream", name="stdout", text=lesson_03.ex3.verdict(...).text + "\n")]
    cells = [nbformat.v4.new_markdown_cell("# A lesson"), cell, nbformat.v4.new_markdown_cell("**Exercise 1.** The loss?"),
             answer, check]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    path = folder / "01_figure.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    lesson = synthetic_lesson(folder / "notebooks")
    before = lesson.read_bytes()
    command = [sys.executable, str(REPO / "scripts" / "build_book.py"), "--output", str(folder / "out")]
    command += ["--notebooks", str(lesson.parent), "--quiet", "--repository-url", "https://github.com/example/vae-lessons"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert lesson.read_bytes() == before, "the build changed the lesson itself"
    return folder / "out" / "_build" / "html"


def solution_lines(code: str) -> list[str]:
    """A solution's lines as the HTML holds them (tags stripped, entities unescaped)."""
    return [line.strip() for line in code.splitlines() if len(line.strip()) > 12]


def page_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_book_shows_each_solution_collapsed_under_its_check(built):
    page = (built / "notebooks" / "01_figure.html").read_text(encoding="utf-8")
    cells = re.findall(r'<div class="cell ([^"]*)"', page)
    assert len(cells) == 4, cells  # the figure, the answer, the check, then the solution
    assert "tag_solution" in cells[3] and "tag_hide-cell" in cells[3], cells
    start = page.index(f'<div class="cell {cells[3]}"')
    solution = page[start:]
    assert "Show the solution" in solution[:2000] and "<details" in solution[:2000]  # a closed toggle
    assert "cell_output" not in solution  # the last cell: no output (nothing was run)
    text = page_text(solution)
    lines = solution_lines(lesson_03.ex3.solution_code)
    assert lines and all(line in text for line in lines), "the package's solution, whole"
    assert "Not attempted yet" in page_text(page[:start])  # the check's output stays as the lesson stores it
    assert "Correct." not in page_text(page)  # a solution, never its output


def test_the_solution_cell_is_collapsed_in_jupyterlab_too(tmp_path):
    """The staged copy (what a reader may download from the page): collapsed, no output."""
    lesson = synthetic_lesson(tmp_path / "notebooks")
    assert build_book.insert_solutions(lesson) == 1
    cells = nbformat.read(lesson, as_version=4).cells
    solution = cells[-1]
    assert cells[-2].source == CHECK and solution.cell_type == "code" and solution.outputs == []
    assert solution.source == lesson_03.ex3.solution_code and solution.execution_count is None
    assert solution.metadata["jupyter"] == {"source_hidden": True}
    assert set(solution.metadata["tags"]) == {"solution", "hide-cell"}


def test_a_check_cell_naming_no_exercise_stops_the_build(tmp_path):
    lesson = synthetic_lesson(tmp_path / "notebooks")
    notebook = nbformat.read(lesson, as_version=4)
    notebook.cells[-1].source = CHECK.replace("ex3", "ex9")
    nbformat.write(notebook, lesson)
    with pytest.raises(SystemExit, match=r"01_figure.ipynb cell 4: lesson_03.ex9.check\(answer\) names no exercise"):
        build_book.insert_solutions(lesson)


def test_a_figures_description_becomes_its_alt_text(built):
    page = (built / "notebooks" / "01_figure.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", page)
    figures = [tag for tag in images if "_images/" in tag]
    assert len(figures) == 1, images
    assert f'alt="{DESCRIPTION}"' in figures[0]


def test_a_configured_repository_gives_launch_links(built):
    page = (built / "notebooks" / "01_figure.html").read_text(encoding="utf-8")
    assert "https://colab.research.google.com/github/example/vae-lessons/blob/main/notebooks/01_figure.ipynb" in page
    assert "https://mybinder.org/v2/gh/example/vae-lessons/main?urlpath=lab/tree/notebooks/01_figure.ipynb" in page
    assert not re.search(r"<script[^>]+src=\"https?://", page)  # links only: nothing loads from them


def test_png_with_alt_is_plain_png_for_an_undescribed_figure():
    from matplotlib.figure import Figure

    from vae_lessons import alt_text

    figure = Figure(figsize=(1, 1))
    figure.add_subplot()  # IPython draws no PNG for a figure without axes
    png = alt_text.png_with_alt(figure)
    assert isinstance(png, str) and base64.b64decode(png).startswith(b"\x89PNG")
    assert alt_text.alt_text(figure) is None
    assert alt_text.describe(figure, "  Two\n words ") is figure and alt_text.alt_text(figure) == "Two words"
    with pytest.raises(ValueError, match="non-empty description"):
        alt_text.describe(figure, " ")
    with pytest.raises(TypeError, match="matplotlib Figure"):
        alt_text.describe(io.BytesIO(), "text")


def test_the_intro_offers_the_student_edition_for_download(built):
    links = re.findall(r'href="(_downloads/[^"]+\.zip)"', (built / "intro.html").read_text(encoding="utf-8"))
    assert len(links) == 1, links
    with zipfile.ZipFile(built / links[0]) as archive:
        names = archive.namelist()
        (name,) = [name for name in names if name.endswith(".ipynb")]
        lesson = archive.read(name).decode()
    assert name.endswith("01_figure.ipynb") and DESCRIPTION in lesson
    assert not any(line in lesson for line in solution_lines(lesson_03.ex3.solution_code))  # the lesson as it is
    assert any(name.endswith(".whl") for name in names), names  # the package, to install
    assert any(name.endswith("README.md") for name in names), names
