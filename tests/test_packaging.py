"""Set-up files agree with each other and with what the README promises."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
EXTRAS_IN_CONDA_ENV = ("test", "browser", "book")  # the backends' extras are pip-only


def requirement(text):
    """Split a requirement into a normalised name and its version specifier."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*?)\s*", text)
    return match.group(1).lower().replace("_", "-"), match.group(3).replace(" ", "")


def pyproject_requirements():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"])
    for extra in EXTRAS_IN_CONDA_ENV:
        texts += project["optional-dependencies"][extra]
    return dict(requirement(text) for text in texts)


def conda_requirements():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    entries = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pip_section = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert pip_section == ["-e ."], "the package itself comes from pip"
    conda = dict(requirement(entry.replace("=", "==") if re.search(r"[^<>=!]=[^=]", entry) else entry) for entry in entries)
    conda.pop("pip")
    conda.pop("python")
    return conda


def test_conda_environment_matches_pyproject():
    pip_side = pyproject_requirements()
    conda_side = conda_requirements()
    # jax[cpu] on PyPI is jax plus jaxlib on conda-forge.
    assert conda_side.pop("jaxlib") == pip_side["jax"]
    assert conda_side == pip_side


def test_python_versions_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    environment = (REPO / "environment.yml").read_text()
    assert project["requires-python"] == ">=3.11" and "python>=3.11" in environment


def test_readme_states_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    assert "make book" in readme and "make test" in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test: .*\n\t\$\(BIN\)/pytest --nbval$", makefile, flags=re.M)


def test_ci_runs_the_browser_tests_that_make_test_leaves_out():
    """`pytest --nbval` deselects the browser tests (pyproject's addopts); CI's next step
    runs exactly those, with Chromium required rather than skipped."""
    addopts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert addopts.endswith("-m 'not browser'"), addopts
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test-browsers: setup\n\t\$\(BIN\)/pytest -m browser$", makefile, flags=re.M)
    ci = (REPO / ".ci" / "run").read_text()
    assert ci.index("\nmake test\n") < ci.index("\nmake test-browsers\n")
    assert "[ ! -x /usr/bin/chromium ]" in ci


def test_every_file_that_starts_chromium_is_marked_browser():
    """A browser test left unmarked would slow `make test`; one marked but not reached by CI would never run."""
    starts_chromium = [path for path in sorted((REPO / "tests").glob("test_*.py")) if re.search(r"= chromium\.launch\(", path.read_text())]
    assert len(starts_chromium) == 3, [path.name for path in starts_chromium]
    for path in starts_chromium:
        assert re.search(r"^pytestmark = \[pytest\.mark\.browser, ", path.read_text(), flags=re.M), path.name


def test_mnist_is_credited():
    readme = (REPO / "README.md").read_text()
    licence = (REPO / "vae_lessons" / "_data" / "MNIST-LICENSE.md").read_text()
    for text in (readme, licence):
        assert "LeCun" in text and "Cortes" in text and "Burges" in text and "CC BY-SA 3.0" in text
