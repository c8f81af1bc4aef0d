"""The book's build, without a browser: figure descriptions and launch links.

A small lesson written here (one figure output whose metadata carries its description,
as ``vae_lessons.alt_text`` stores it) is built into a book with
``scripts/build_book.py --notebooks ... --repository-url ...``.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
DESCRIPTION = "Line plot of a loss falling from 3 to 1 over 10 epochs"


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


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    lessons = folder / "notebooks"
    lessons.mkdir()
    cell = nbformat.v4.new_code_cell("plots.loss_curves(history)", execution_count=1, outputs=[figure_output()])
    solution = nbformat.v4.new_code_cell("answer = 42  # SOLUTION", execution_count=2)
    solution.metadata["tags"] = ["solution", "hide-cell"]
    cells = [nbformat.v4.new_markdown_cell("# A lesson"), cell, solution]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lessons / "01_figure.ipynb")
    command = [sys.executable, str(REPO / "scripts" / "build_book.py"), "--output", str(folder / "out")]
    command += ["--notebooks", str(lessons), "--quiet", "--repository-url", "https://github.com/example/vae-lessons"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return folder / "out" / "_build" / "html"


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
    assert name.endswith("01_figure.ipynb") and "SOLUTION" not in lesson and DESCRIPTION in lesson
    assert any(name.endswith(".whl") for name in names), names  # the package, to install
    assert any(name.endswith("README.md") for name in names), names
