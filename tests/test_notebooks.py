"""The lesson notebooks are clean, complete and stored with their outputs.

`pytest --nbval` re-executes them and compares outputs; these checks catch what it
cannot: stray metadata, execution counts, missing outputs, oversized outputs, lessons
that do not open and close the same way, and any reach for the network.
"""

import ast
import json
import re
from pathlib import Path

from scripts.execute_notebooks import (
    ALLOWED_CELL_METADATA,
    ALLOWED_NOTEBOOK_METADATA,
)

REPO = Path(__file__).resolve().parents[1]

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# Cells whose outputs nbval may not compare, each for a stated reason (never whole notebooks).
OUTPUT_EXCLUSIONS = {
    # interact draws into an Output widget; nbval has no widget front end and records
    # that widget's contents as plain cell outputs.
    ("06_decoder.ipynb", "ipywidgets.interact(show_digit"),
}
MAX_NOTEBOOK_BYTES = 1_500_000  # the whole file, images and widget state included
MAX_TEXT_OUTPUT_CHARS = 4_000  # one text output


def load(path):
    return json.loads(path.read_text())


def each_notebook():
    """``(name, path)`` of every lesson, for ``check_each``."""
    assert NOTEBOOKS, "no lesson notebooks found"
    return [(path.name, path) for path in NOTEBOOKS]


def test_notebook_is_clean(check_each):
    def check(path):
        notebook = load(path)
        assert set(notebook["metadata"]) <= ALLOWED_NOTEBOOK_METADATA, "stray notebook metadata"
        assert notebook["metadata"]["kernelspec"]["name"] == "python3"
        assert path.stat().st_size < MAX_NOTEBOOK_BYTES, f"{path.name} is {path.stat().st_size} bytes"
        code_cells = 0
        for index, cell in enumerate(notebook["cells"]):
            where = f"{path.name} cell {index}"
            assert set(cell.get("metadata", {})) <= ALLOWED_CELL_METADATA, f"{where}: stray metadata"
            if cell["cell_type"] != "code":
                continue
            code_cells += 1  # a fresh top-to-bottom run numbers the code cells 1, 2, ...
            assert cell["execution_count"] == code_cells, f"{where}: execution count {cell['execution_count']}"
            assert not any(
                first["output_type"] == second["output_type"] == "stream" and first["name"] == second["name"]
                for first, second in zip(cell["outputs"], cell["outputs"][1:])
            ), f"{where}: a stream split in pieces (scripts/execute_notebooks.py merges them)"
            for output in cell["outputs"]:
                assert output.get("execution_count", code_cells) == code_cells, f"{where}: execution count in output"
                assert output["output_type"] != "error", f"{where}: stored error"
                assert not (output["output_type"] == "stream" and output["name"] == "stderr"), f"{where}: stderr"
                text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
                assert len(text) <= MAX_TEXT_OUTPUT_CHARS, f"{where}: text output too long"
                assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{where}: memory address in output"

    check_each(each_notebook(), check)


def test_output_exclusions_are_deliberate(check_each):
    def check(path):
        for cell in load(path)["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            if {"nbval-ignore-output", "nbval-skip"} & set(tags):
                source = "".join(cell["source"])
                assert any(name == path.name and marker in source for name, marker in OUTPUT_EXCLUSIONS), (
                    f"{path.name}: an unlisted cell is excluded from nbval's comparison:\n{source[:200]}"
                )

    check_each(each_notebook(), check)


# Cell tags and what reads them: the book (hide-cell), the student edition (solution),
# nbval (nbval-ignore-output), vae_lessons.nbval_tolerance (from-training...).
KNOWN_TAGS = re.compile(r"solution|hide-cell|nbval-ignore-output|from-training(-within-\d+(\.\d+)?)?")


def test_cell_tags_are_known(check_each):
    """A misspelt tag would be ignored: from-trainig would compare a cell exactly."""

    def check(path):
        for index, cell in enumerate(load(path)["cells"]):
            for tag in cell.get("metadata", {}).get("tags", []):
                assert KNOWN_TAGS.fullmatch(tag), f"{path.name} cell {index}: unknown tag {tag!r}"
            if any(tag.startswith("from-training") for tag in cell.get("metadata", {}).get("tags", [])):
                assert cell["cell_type"] == "code" and cell["outputs"], f"{path.name} cell {index}: from-training on a cell without outputs"

    check_each(each_notebook(), check)


def test_notebook_has_stored_outputs(check_each):
    def check(path):
        code_cells = [cell for cell in load(path)["cells"] if cell["cell_type"] == "code"]
        assert sum(bool(cell["outputs"]) for cell in code_cells) >= 3, "run scripts/execute_notebooks.py"

    check_each(each_notebook(), check)


def test_figures_are_stored_as_png(check_each):
    def check(path):
        outputs = [output for cell in load(path)["cells"] if cell["cell_type"] == "code" for output in cell["outputs"]]
        figures = [output for output in outputs if "<Figure size" in "".join(output.get("data", {}).get("text/plain", ""))]
        assert all("image/png" in output["data"] for output in figures), "a figure was stored without its PNG"
        assert not any("image/svg+xml" in output.get("data", {}) for output in outputs), "SVG text differs run to run"

    check_each(each_notebook(), check)


def test_lesson_opens_and_closes_the_same_way(check_each):
    def check(path):
        cells = load(path)["cells"]
        markdown = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
        assert markdown[0].startswith("# "), "first cell: a title"
        assert "Learning objectives" in markdown[0] or "Learning objectives" in markdown[1]
        first_code = next("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        assert "import" in first_code, "the first code cell holds the imports"
        imports = first_code.splitlines()
        if "import keras" in imports:  # Keras reads KERAS_BACKEND once, on import: the Keras way to choose it
            backend_line = next((i for i, line in enumerate(imports) if 'os.environ.setdefault("KERAS_BACKEND"' in line), None)
            assert backend_line is not None and backend_line < imports.index("import keras"), (
                'set the backend the Keras way first: os.environ.setdefault("KERAS_BACKEND", "jax") before import keras'
            )
        later_code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"][1:]
        assert not any(re.match(r"\s*(from \S+ )?import ", source) for source in later_code), "one imports cell"
        headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
        assert headings[-2:] == ["## Summary", "## Exercises"]
        # Checked exercises (issue #11): at least two per lesson, each with a check cell under
        # the student's answer and a solution the student edition drops and the book collapses.
        tags = [set(cell.get("metadata", {}).get("tags", [])) for cell in cells]
        checks = [
            cell for cell, cell_tags in zip(cells, tags)
            if cell["cell_type"] == "code" and "solution" not in cell_tags and ".check(answer)" in "".join(cell["source"])
        ]
        assert len(checks) >= 2, "at least two checked exercises: lesson_0N.exK.check(answer) under an answer cell"
        solutions = [cell for cell, cell_tags in zip(cells, tags) if cell["cell_type"] == "code" and "solution" in cell_tags]
        assert len(solutions) >= len(checks), "each checked exercise has a solution cell tagged solution"
        assert all("hide-cell" in set(cell["metadata"]["tags"]) for cell in solutions), "solutions collapse in the book"
        assert not any("hide-input" in cell_tags for cell_tags in tags), "solutions: solution + hide-cell, not hide-input"

    check_each(each_notebook(), check)


def test_notebook_does_not_reach_the_network(check_each):
    def check(path):
        source = "\n".join("".join(cell["source"]) for cell in load(path)["cells"] if cell["cell_type"] == "code")
        assert not re.search(r"load_mnist\(\s*[\"']keras[\"']|urllib|requests\.|https?://", source)

    check_each(each_notebook(), check)


def _names(source, context):
    """Names a cell's code stores (``ast.Store``) or reads (``ast.Load``)."""
    tree = ast.parse(source)
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, context)}
    if context is ast.Store:  # def f(...) and import x define names too
        found |= {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return found


def test_the_student_edition_needs_no_solution(check_each):
    """No cell uses a name that only solution cells define: the student edition drops them."""

    def check(path):
        cells = [cell for cell in load(path)["cells"] if cell["cell_type"] == "code"]
        is_solution = ["solution" in cell.get("metadata", {}).get("tags", []) for cell in cells]
        defined_elsewhere = set().union(
            *(_names("".join(cell["source"]), ast.Store) for cell, solution in zip(cells, is_solution) if not solution)
        )
        only_in_solutions = set().union(
            *(_names("".join(cell["source"]), ast.Store) for cell, solution in zip(cells, is_solution) if solution)
        ) - defined_elsewhere
        for cell, solution in zip(cells, is_solution):
            if not solution:
                used = _names("".join(cell["source"]), ast.Load) & only_in_solutions
                assert not used, f"{path.name}: a cell uses {sorted(used)}, defined only in solution cells"

    check_each(each_notebook(), check)
