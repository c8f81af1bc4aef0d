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

.PHONY: setup chromium book test test-browsers lab notebooks student-edition assignments benchmarks clean-book

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Everything the lessons, the book and the tests need, on all three Keras backends.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test,browser,book,dist,tensorflow,torch]"
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

# The student download: the lessons (no solutions: the package holds them), a wheel of vae_lessons
# (python -m build), a README with the two commands a student types, an environment.yml for
# conda and a pytest.ini; in build/student-edition/, zipped in build/student-edition.zip.
student-edition: $(STAMP)
	rm -rf build/student-edition
	$(BIN)/python -m scripts.student_edition --download

# The lessons as otter-grader assignments: scripts/assignments.py writes each lesson's
# master notebook in build/assignments/NN_name/, then `otter assign` writes its student and
# autograder versions (and autograder zip) in dist/ beside it. Otter has its own
# environment (the `grading` extra): it brings pandas, which Keras imports whenever it is
# installed, so it stays out of .venv. ASSIGNMENTS_OPTIONS=--hidden hides the graded tests.
GRADING_VENV := build/grading-venv
$(GRADING_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(GRADING_VENV)
	$(GRADING_VENV)/bin/python -m pip install --quiet -e ".[grading]"
	touch $@

assignments: $(GRADING_VENV)/.installed
	rm -rf build/assignments
	$(GRADING_VENV)/bin/python -m scripts.assignments --output build/assignments $(ASSIGNMENTS_OPTIONS)
	for master in build/assignments/*/*.ipynb; do \
	  (cd "$$(dirname "$$master")" && "$(CURDIR)/$(GRADING_VENV)/bin/otter" assign "$$(basename "$$master")" dist) || exit 1; \
	done

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean-book:
	rm -rf book/_build
