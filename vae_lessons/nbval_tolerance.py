"""A pytest plugin for nbval: numbers that come from training compare within a tolerance.

``pytest --nbval`` re-runs every lesson and compares each cell's outputs with the stored
ones, character for character. That is right for data counts, shapes and closed-form
maths, which every machine computes alike. It is wrong for what training produces:
training is deterministic on one machine, but another CPU (its instruction set, its
core count, ARM or x86) rounds the last bit of some floats differently, and 3,000
gradient steps grow those bits into tenths of a nat. Lesson outputs that depend on
training would then fail on every machine but the one that wrote them.

So a code cell whose printed numbers come from training carries the cell tag
``from-training`` (JupyterLab: the property inspector; the book and the student never
see it). In such a cell, and only there, the fresh output matches the stored one when

* the text around the numbers is the same, but for spaces (NumPy pads an array to its
  widest number, ``f"{x:5.1f}"`` pads "-2.4" less than "2.4"), and
* every number is within :data:`RELATIVE` of the stored one (relative to the stored
  value), or within :data:`LAST_DIGITS` units of the stored number's last printed digit,
  whichever is larger: ``163.9`` accepts 162.3 to 165.5, ``5.3`` accepts 5.1 to 5.5,
  ``0.087`` accepts 0.085 to 0.089, ``474`` accepts 470 to 478.

A difference between two trained models' scores moves as much as each score does, about
half a nat between machines, however small the difference: a cell that prints such
differences states an absolute tolerance in its tag, ``from-training-within-0.5``
(each number within 0.5 of the stored one, or the rule above, whichever is larger).

A lesson states a number's precision by the digits it prints, and the tolerance holds it
to that: a quantity that varies more from machine to machine must be printed with fewer
digits (or not printed). Words, labels, counts that say which digit or which epoch,
numbers glued to a name (``L_10``, ``z1``) and every cell without the tag compare
exactly, as nbval does. When a cell matches within tolerance, nbval is handed the
stored text, so the book, built from the stored outputs, shows what the tests checked.

The tolerance sits between how far one training moves from machine to machine (a few
tenths of a percent) and how far a real change (another learning rate) moves it
(several percent): ``RESULTS.md`` has the measurements behind it.
``tests/test_nbval_tolerance.py`` checks both sides, and CI runs the lessons a second
time under other numerics (``.ci/run``).

Enabled with ``-p vae_lessons.nbval_tolerance`` (``addopts`` in ``pyproject.toml``); it
changes nothing without ``--nbval``.
"""

from __future__ import annotations

import copy
import math
import re

TAG = "from-training"
"""The cell tag that marks outputs computed from trained models."""

_TAG_WITH_TOLERANCE = re.compile(rf"{TAG}(?:-within-(\d+(?:\.\d+)?))?")

RELATIVE = 0.01
"""Relative tolerance of a number in a ``from-training`` cell, as a fraction of it."""

LAST_DIGITS = 2
"""Absolute tolerance, in units of the stored number's last printed digit."""

NUMBER = re.compile(
    r"(?<![\w.])"  # not the digits of a name such as z1 or L_10, nor a decimal's tail
    r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)"  # sign, integer part (1,000 separators allowed)
    r"(?:\.\d*)?"  # decimals (NumPy prints 147.0 as "147.")
    r"(?:[eE][-+]?\d+)?"  # exponent
    r"(?![\w])"  # not the start of a name either (2D, 3x)
)


def _value(token: str) -> float:
    return float(token.replace(",", "").replace("−", "-"))


def _last_digit(token: str) -> float:
    """The value of one unit in the last printed digit of ``token``: 0.1 for "163.9"."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def tolerance(stored: str, within: float = 0.0) -> float:
    """How far a fresh number may be from the ``stored`` one (a token as printed).

    ``within`` is a cell's stated absolute tolerance (``from-training-within-0.5``).
    """
    return max(
        RELATIVE * abs(_value(stored)),
        LAST_DIGITS * _last_digit(stored),
        within,
    )


def cell_tolerance(tags) -> float | None:
    """The absolute tolerance a cell's tags state: 0.0 for ``from-training``, the number
    of ``from-training-within-X``, None for a cell without either (compared exactly)."""
    for tag in tags:
        match = _TAG_WITH_TOLERANCE.fullmatch(tag)
        if match:
            return float(match.group(1) or 0.0)
    return None


def _skeleton(text: str) -> list[str]:
    """The text between the numbers, without its spaces (the padding of numbers)."""
    return [re.sub(r"\s+", "", part) for part in NUMBER.split(text)]


def differences(
    stored: str, fresh: str, within: float = 0.0
) -> list[str] | None:
    """The numbers of ``fresh`` that are out of tolerance, or None if the words differ.

    Returns
    -------
    list of str or None
        Empty when ``fresh`` matches ``stored`` within tolerance; one line per number
        outside it; ``None`` when the text between the numbers differs (or their count).
    """
    if _skeleton(stored) != _skeleton(fresh):
        return None
    lines = []
    for old, new in zip(NUMBER.findall(stored), NUMBER.findall(fresh)):
        allowed = tolerance(old, within)
        change = abs(_value(new) - _value(old))
        if not math.isfinite(_value(new)) or change > allowed * (1 + 1e-9):
            lines.append(
                f"{new} is {change:.3g} from the stored {old}; allowed: {allowed:.3g}"
            )
    return lines


def _snap(stored_outputs, fresh_outputs, within, notes):
    """The fresh outputs, each text that matches its stored text within tolerance replaced
    by the stored text; numbers out of tolerance are described in ``notes``."""
    snapped = []
    for index, fresh in enumerate(fresh_outputs):
        fresh = copy.deepcopy(
            fresh
        )  # nbformat's NotebookNode: nbval reads attributes
        snapped.append(fresh)
        stored = (
            stored_outputs[index] if index < len(stored_outputs) else None
        )
        if stored is None or stored.get("output_type") != fresh.get(
            "output_type"
        ):
            continue
        if fresh.get("output_type") == "stream":
            fields, stored_fields = fresh, stored
            keys = (
                ["text"] if stored.get("name") == fresh.get("name") else []
            )
        else:
            fields, stored_fields = (
                fresh.get("data", {}),
                stored.get("data", {}),
            )
            keys = list(fields)
        for key in keys:
            old, new = stored_fields.get(key), fields.get(key)
            if (
                not (isinstance(old, str) and isinstance(new, str))
                or old == new
            ):
                continue
            problems = differences(old, new, within)
            if problems == []:
                fields[key] = old
            elif problems:
                notes.extend(problems)
    return snapped


def _compare_within_tolerance(item, original, within):
    def compare_outputs(test, ref, skip_compare=None):
        notes = []
        matched = original(
            _snap(ref, test, within, notes), ref, skip_compare
        )
        if not matched and notes:
            item.comparison_traceback.append(
                f"Numbers outside the tolerance of a '{TAG}' cell "
                f"(vae_lessons.nbval_tolerance: {RELATIVE:.0%} or {LAST_DIGITS} units of the last digit):"
            )
            item.comparison_traceback.extend("  " + note for note in notes)
        return matched

    return compare_outputs


def pytest_collection_modifyitems(items):
    """Give nbval's cells tagged ``from-training`` the tolerant comparison."""
    try:
        from nbval.plugin import IPyNbCell
    except (
        ImportError
    ):  # nbval is not installed: no notebooks are collected
        return
    for item in items:
        if not isinstance(item, IPyNbCell):
            continue
        within = cell_tolerance(
            item.cell.get("metadata", {}).get("tags", [])
        )
        if within is not None:
            item.compare_outputs = _compare_within_tolerance(
                item, item.compare_outputs, within
            )
