"""The lesson notebooks are clean, complete and stored with their outputs.

`pytest --nbval` re-executes them and compares outputs; these checks catch what it
cannot: stray metadata, execution counts, missing outputs, oversized outputs, lessons
that do not open and close the same way, exercises out of shape or showing a solution,
and any reach for the network.
"""

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

from vae_lessons.exercises import checking

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


# Cell tags and what reads them: the book (hide-cell), nbval (nbval-ignore-output),
# vae_lessons.nbval_tolerance (from-training...). No `solution`: the lessons hold no
# solutions (test_no_lesson_shows_a_solution).
KNOWN_TAGS = re.compile(r"hide-cell|nbval-ignore-output|from-training(-within-\d+(\.\d+)?)?")


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

    check_each(each_notebook(), check)


# --- exercises: solutions on request only (issue #26) -----------------------------------------

CHECK_CELL = re.compile(r"^(lesson_\d\d)\.ex(\d+)\.check\(answer\)")


def exercises_of(module_name):
    """The exercises of ``vae_lessons.exercises.<module_name>``, by number: {1: ex1, ...}."""
    module = importlib.import_module(f"vae_lessons.exercises.{module_name}")
    return {
        int(name.removeprefix("ex")): value
        for name, value in vars(module).items()
        if isinstance(value, checking.Exercise) and re.fullmatch(r"ex\d+", name)
    }


def all_exercises():
    """Every exercise of the package (vae_lessons/exercises/lesson_NN.py), lesson by lesson."""
    import vae_lessons.exercises

    modules = sorted(info.name for info in pkgutil.iter_modules(vae_lessons.exercises.__path__) if info.name.startswith("lesson_"))
    assert modules, "no exercise modules"
    return [exercise for module in modules for exercise in exercises_of(module).values()]


def test_each_exercise_has_its_answer_cell_and_check_cell(check_each):
    """An exercise in a lesson: a markdown cell ``**Exercise K.** ...``, a code cell ending
    ``answer = ...``, and the check cell ``lesson_NN.exK.check(answer)`` that says how to
    ask for hints and the solution, storing the "Not attempted yet" line. Every exercise
    of the lesson's module appears, in order."""

    def check(path):
        cells = load(path)["cells"]
        module = f"lesson_{path.name[:2]}"
        exercises = exercises_of(module)
        found = []
        for index, cell in enumerate(cells):
            source = "".join(cell["source"])
            match = CHECK_CELL.match(source) if cell["cell_type"] == "code" else None
            if match is None:
                assert ".check(answer)" not in source or cell["cell_type"] != "code", (
                    f"{path.name} cell {index}: a check call not at the start of its cell"
                )
                continue
            where = f"{path.name} cell {index}"
            assert match.group(1) == module, f"{where}: {match.group(0)} in the lesson of {module}"
            number = int(match.group(2))
            name = f"{module}.ex{number}"
            assert number in exercises, f"{where}: vae_lessons.exercises.{module} has no ex{number}"
            found.append(number)
            answer, question = cells[index - 1], cells[index - 2]
            assert answer["cell_type"] == "code" and re.search(r"^answer = \.\.\.", "".join(answer["source"]), re.M), (
                f"{where}: the cell above the check is the answer cell, with a line `answer = ...`"
            )
            assert question["cell_type"] == "markdown" and re.search(
                rf"^\*\*Exercise {number}\b", "".join(question["source"]), re.M
            ), f"{where}: the markdown cell above the answer cell states **Exercise {number}.**"
            assert f"{name}.hint()" in source and f"# the solution: {name}.solution()" in source, (
                f"{where}: the check cell's comments say how to ask for hints and the solution"
            )
            outputs = [(output["output_type"], "".join(output.get("text", ""))) for output in cell["outputs"]]
            expected = exercises[number].verdict(...).text + "\n"  # "Not attempted yet: ..."
            assert outputs == [("stream", expected)], f"{where}: the stored output is the \"Not attempted yet\" line"
        assert found == sorted(exercises), f"{path.name}: exercises {found}, the package has {sorted(exercises)}"
        assert len(found) >= 2, f"{path.name}: at least two checked exercises"

    check_each(each_notebook(), check)


def statements(code):
    """The simple statements of ``code`` as ``ast.unparse`` writes them (comments and
    layout do not count), without those a lesson's scaffold shares with a solution:
    ``answer = name``, ``...``, ``pass``, imports."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or hasattr(node, "body"):
            continue  # compound statements count by the simple statements they hold
        if isinstance(node, (ast.Pass, ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # `...`, a docstring
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Constant)) and [
            target.id for target in node.targets if isinstance(target, ast.Name)
        ] == ["answer"]:
            continue
        found.add(ast.unparse(node))
    return found


FENCED_CODE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1", flags=re.S | re.M)


def shown_code(cell):
    """The code a cell shows: a code cell's source, a markdown cell's fenced code blocks."""
    source = "".join(cell["source"])
    if cell["cell_type"] == "code":
        return [source]
    return [block for _, block in FENCED_CODE.findall(source)]


def test_no_lesson_shows_a_solution(check_each):
    """Solutions on request only: a student who opens a lesson (JupyterLab, Notebook 7,
    Colab) sees none unless they ask (``lesson_NN.exK.solution()``). No cell is tagged
    ``solution``; no cell shows half or more of any exercise's solution statements (a
    lesson may share a setup line with one); no output is a check's "Correct." verdict or
    a printed solution."""
    solutions = {
        # a choice's solution is its one line, `answer = "c"`
        exercise.name: statements(exercise.solution_code)
        or {ast.unparse(node) for node in ast.parse(exercise.solution_code).body}
        for exercise in all_exercises()
    }
    assert all(solutions.values()), [name for name, found in solutions.items() if not found]

    def check(path):
        for index, cell in enumerate(load(path)["cells"]):
            where = f"{path.name} cell {index}"
            assert "solution" not in cell.get("metadata", {}).get("tags", []), (
                f"{where} is tagged `solution`: the lessons hold no solutions (make it a checked exercise)"
            )
            shown = set().union(*(statements(code) for code in shown_code(cell)))
            for name, solution in solutions.items():
                common = shown & solution
                assert 2 * len(common) < len(solution), f"{where} shows {name}'s solution: {sorted(common)}"
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
                assert not text.lstrip().startswith("Correct."), f"{where}: a check's verdict on a right answer"
                assert "Solution to lesson_" not in text, f"{where}: a printed solution (.solution()) is stored"

    check_each(each_notebook(), check)


def test_notebook_does_not_reach_the_network(check_each):
    def check(path):
        source = "\n".join("".join(cell["source"]) for cell in load(path)["cells"] if cell["cell_type"] == "code")
        assert not re.search(r"load_mnist\(\s*[\"']keras[\"']|urllib|requests\.|https?://", source)

    check_each(each_notebook(), check)
