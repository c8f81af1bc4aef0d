"""Maintenance commands (run as ``python -m scripts.NAME`` or ``python scripts/NAME.py``).

A package so that tests and benchmarks can import them (``from scripts import build_book``)
without editing ``sys.path``; pytest puts the repository root on the path through its
``pythonpath`` setting in ``pyproject.toml``.
"""
