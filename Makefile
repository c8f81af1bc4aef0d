# One command each: `make book` sets up and builds the HTML book (the main job);
# `make test` sets up and runs the tests, the notebooks included (`pytest --nbval`);
# `make test-browsers` looks at the book, JupyterLab and Notebook 7 in headless Chromium
# (`pytest -m browser`; CI runs it after `make test`). All create .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The PyTorch backend's CPU build. Where a plain `pip install torch` would fetch a
# multi-GB CUDA build, name a CPU wheel here, e.g. make test TORCH=torch==2.13.0.
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: setup chromium book test test-browsers lab notebooks student-edition benchmarks clean-book

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Everything the lessons, the book and the tests need, on all three Keras backends.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test,browser,book,tensorflow,torch]"
	touch $(STAMP)

# Debian's Chromium for the browser tests, when it can be installed (as root, with apt);
# without it those tests are skipped.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "note: Chromium is not installed; the browser tests will be skipped"

# The book's pinned front-end packages and axe-core (package.json, package-lock.json).
NODE_MODULES := node_modules/.package-lock.json
$(NODE_MODULES): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

setup: $(STAMP) $(NODE_MODULES) chromium

book: $(STAMP) $(NODE_MODULES)
	$(BIN)/python scripts/build_book.py

test: $(STAMP) $(NODE_MODULES)
	$(BIN)/pytest --nbval

# The browser tests, which `pytest --nbval` leaves out (pyproject.toml): what a reader sees.
test-browsers: setup
	$(BIN)/pytest -m browser

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py

# The lessons without their solution cells, re-executed (checks print "not attempted"),
# in build/student-edition/ and zipped in build/student-edition.zip.
student-edition: $(STAMP)
	$(BIN)/python -m scripts.student_edition

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean-book:
	rm -rf book/_build
