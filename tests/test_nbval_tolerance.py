"""Numbers from training compare within a tolerance; everything else exactly.

The comparison on its own (``differences``), then ``pytest --nbval`` on small notebooks
whose stored outputs were edited: a cell tagged ``from-training`` passes a number moved
within the tolerance and fails one moved beyond it, or moved words; an untagged cell
fails any change. Last, a real regression: lesson 4 trained with another learning rate
fails its training cells.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from vae_lessons import nbval_tolerance

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("stored", "fresh"),
    [
        ("val_loss 163.9", "val_loss 165.5"),  # 1% of 163.9 is 1.64
        ("kl 5.3", "kl 5.5"),  # 2 units of the last digit
        ("sigma [0.087 0.103]", "sigma [0.089 0.101]"),
        ("nearer another centre: 474", "nearer another centre: 478"),
        ("KL: [16.47  4.71  5.1   5.35]", "KL: [16.47  4.7   5.11  5.34]"),  # NumPy's padding
        ("z_mean [-1.3  0. ]", "z_mean [-1.3  0.1]"),
        ("centre (-0.0, -1.1)", "centre ( 0.1, -1.1)"),  # f"{x:4.1f}" pads by sign
        ("3,600 digits, -221.5 nats, +2.5 ± 0.3", "3,600 digits, -221.3 nats, +2.4 ± 0.2"),
    ],
)
def test_numbers_within_the_tolerance_match(stored, fresh):
    assert nbval_tolerance.differences(stored, fresh) == []


@pytest.mark.parametrize(
    ("stored", "fresh", "moved"),
    [
        ("val_loss 163.9", "val_loss 165.6", "165.6"),
        ("kl 5.3", "kl 5.6", "5.6"),
        ("lowest at epoch 29", "lowest at epoch 26", "26"),
        ("sigma [0.087 0.103]", "sigma [0.087 0.107]", "0.107"),
        ("loss 160.9", "loss nan", None),  # a word where a number was: the text differs
    ],
)
def test_numbers_beyond_the_tolerance_are_named(stored, fresh, moved):
    found = nbval_tolerance.differences(stored, fresh)
    if moved is None:
        assert found is None
    else:
        assert len(found) == 1 and found[0].startswith(f"{moved} is ")


@pytest.mark.parametrize(
    ("stored", "fresh"),
    [
        ("reads as another digit: 4 of 10", "reads like another digit: 4 of 10"),
        ("estimate of -L_10", "estimate of -L_11"),  # digits of a name are words
        ("pairs: [(7, 9), (2, 6)]", "pairs: [(7, 9), (2, 6), (5, 8)]"),  # another count
    ],
)
def test_the_words_must_be_the_same(stored, fresh):
    assert nbval_tolerance.differences(stored, fresh) is None


def test_the_tolerance_is_relative_or_the_last_digits_whichever_is_larger():
    assert nbval_tolerance.tolerance("163.9") == pytest.approx(1.639)
    assert nbval_tolerance.tolerance("5.3") == pytest.approx(0.2)
    assert nbval_tolerance.tolerance("0.087") == pytest.approx(0.002)
    assert nbval_tolerance.tolerance("1,000") == pytest.approx(10)
    assert nbval_tolerance.tolerance("1.5e-3") == pytest.approx(0.0002)


def test_a_cell_may_state_an_absolute_tolerance():
    assert nbval_tolerance.cell_tolerance(["solution", "from-training"]) == 0.0
    assert nbval_tolerance.cell_tolerance(["from-training-within-0.5"]) == 0.5
    assert nbval_tolerance.cell_tolerance(["hide-cell"]) is None
    assert nbval_tolerance.cell_tolerance(["from-training-within-lots"]) is None
    # a difference of two scores: +3.7 moved to +4.1 is beyond 2 units of 0.1, within 0.5
    assert nbval_tolerance.differences("seed 0 alone +3.7", "seed 0 alone +4.1") != []
    assert nbval_tolerance.differences("seed 0 alone +3.7", "seed 0 alone +4.1", within=0.5) == []
    assert nbval_tolerance.differences("seed 0 alone +3.7", "seed 0 alone +4.3", within=0.5) != []


def _notebook(path, cells):
    """A stored notebook: ``cells`` are (source, stored stdout, tags)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for count, (source, stdout, tags) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)]
        cell.metadata["tags"] = tags
        notebook.cells.append(cell)
    nbformat.write(notebook, path)


def _nbval(folder):
    """``pytest --nbval`` on ``folder`` with the plugin (outside the repository, pytest
    reads no ``addopts``, so the options are given)."""
    plugin = ["-p", "vae_lessons.nbval_tolerance", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", *plugin, "-q", str(folder)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode, result.stdout


def test_nbval_compares_tagged_cells_within_the_tolerance_and_the_rest_exactly(tmp_path):
    code = 'print("val_loss", 163.9, "kl", 5.3)'
    tag = [nbval_tolerance.TAG]
    _notebook(tmp_path / "within.ipynb", [(code, "val_loss 164.4 kl 5.2\n", tag)])
    _notebook(tmp_path / "beyond.ipynb", [(code, "val_loss 166.1 kl 5.3\n", tag)])
    _notebook(tmp_path / "words.ipynb", [(code, "loss 163.9 kl 5.3\n", tag)])
    _notebook(tmp_path / "untagged.ipynb", [(code, "val_loss 164.0 kl 5.3\n", [])])
    _notebook(tmp_path / "stated.ipynb", [(code, "val_loss 163.9 kl 4.9\n", ["from-training-within-0.5"])])
    returncode, report = _nbval(tmp_path)
    assert returncode == 1, report
    failed = set(re.findall(r"FAILED \S*?(\w+)\.ipynb", report))
    assert failed == {"beyond", "words", "untagged"}, report
    assert "163.9 is 2.2 from the stored 166.1; allowed: 1.66" in report


def test_a_lesson_trained_with_another_learning_rate_fails(tmp_path):
    """A real regression: lesson 4 with learning_rate 2e-3 fails the cells that train."""
    lesson = json.loads((REPO / "notebooks" / "04_training.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in lesson["cells"]]
    config_cell = next(i for i, source in enumerate(sources) if "config = training.TrainingConfig()" in source)
    lesson["cells"][config_cell]["source"] = sources[config_cell].replace(
        "training.TrainingConfig()", "training.TrainingConfig(learning_rate=2e-3)"
    )
    # stop after the training log: the rest of the lesson is not needed here
    log_cell = next(i for i, source in enumerate(sources) if "format_epoch" in source)
    lesson["cells"] = lesson["cells"][: log_cell + 1]
    assert nbval_tolerance.TAG in lesson["cells"][log_cell]["metadata"]["tags"]
    (tmp_path / "04_training.ipynb").write_text(json.dumps(lesson))
    returncode, report = _nbval(tmp_path)
    assert returncode == 1, report
    assert "Numbers outside the tolerance of a 'from-training' cell" in report, report
