"""The root conftest.py hands the slowest files out first, and never reorders a file's tests."""

import importlib.util
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", REPO / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_slowest_files_first_and_each_file_in_its_own_order():
    conftest = root_conftest()
    nodeids = [
        "tests/test_a.py::test_one",
        "tests/test_book.py::test_first",
        "tests/test_a.py::test_two",
        "notebooks/09_convolutional.ipynb::Cell 0",
        "notebooks/08_studies.ipynb::Cell 0",
        "notebooks/08_studies.ipynb::Cell 1",
        "tests/test_book.py::test_second",
        "notebooks/08_studies.ipynb::Cell 2",
        "tests/test_b.py::test_one",
    ]
    items = [types.SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]
    conftest.pytest_collection_modifyitems(items)
    assert [item.nodeid for item in items] == [
        "tests/test_book.py::test_first",
        "tests/test_book.py::test_second",
        "notebooks/08_studies.ipynb::Cell 0",
        "notebooks/08_studies.ipynb::Cell 1",
        "notebooks/08_studies.ipynb::Cell 2",
        "notebooks/09_convolutional.ipynb::Cell 0",
        "tests/test_a.py::test_one",
        "tests/test_a.py::test_two",
        "tests/test_b.py::test_one",
    ]


def test_every_listed_file_exists():
    conftest = root_conftest()
    missing = [path for path in conftest.SLOWEST_FIRST if not (REPO / path).is_file()]
    assert not missing, f"conftest.py SLOWEST_FIRST names files that are gone: {missing}"
