"""Suite-wide pytest setting: the order in which pytest-xdist hands out the files.

``--dist loadfile`` (pyproject.toml) runs each file in one worker. A long file handed
out last keeps its worker busy after the other one has finished; handed out first, the
short files fill in around it ("longest processing time first", the classic greedy
schedule). pytest-xdist orders files by their number of tests unless told not to
(``--no-loadscope-reorder`` in pyproject.toml); this hook puts the slowest files first.
Only the order changes: every file still runs whole, its tests (a lesson's cells) in
their own order.
"""

# The slowest files first, from `pytest --nbval --durations=0` (refresh it when a file
# becomes slow); lessons 8, 9 and 10 train the most models on an empty cache. The browser
# files lead `pytest -m browser` (CI's step after `make test`); plain `pytest` leaves
# them out, so there the list starts at lesson 8.
SLOWEST_FIRST = (
    "tests/test_book.py",
    "tests/test_browser_jupyterlab.py",
    "notebooks/08_studies.ipynb",
    "tests/test_distribution.py",
    "tests/test_backends.py",
    "tests/test_cache.py",
    "notebooks/09_convolutional.ipynb",
    "notebooks/10_conditional.ipynb",
    "tests/test_models.py",
)


def pytest_collection_modifyitems(items):
    rank = {path: position for position, path in enumerate(SLOWEST_FIRST)}
    # a stable sort: every other file, and the tests inside each file, keep their order
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(SLOWEST_FIRST)))
