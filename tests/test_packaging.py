"""The package as pip builds it: the wheel holds every module, the MNIST sample and its
licence, and the explorer's front end, and works installed on its own."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel built from a copy of the sources (the build leaves no files in the repository)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "vae_lessons", source / "vae_lessons", ignore=shutil.ignore_patterns("__pycache__"))
    output = tmp_path_factory.mktemp("wheel")
    build = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    result = subprocess.run(
        [sys.executable, "-c", build, str(output)], cwd=source, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return output / result.stdout.strip().splitlines()[-1]


def test_the_wheel_holds_every_module_the_sample_and_the_front_end(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    modules = {path.relative_to(REPO).as_posix() for path in (REPO / "vae_lessons").rglob("*.py")}
    data_files = {
        path.relative_to(REPO).as_posix()
        for folder in ("_data", "_static")
        for path in (REPO / "vae_lessons" / folder).iterdir()
        if path.suffix in {".npz", ".md", ".js", ".css"}
    }
    assert "vae_lessons/_data/mnist_sample.npz" in data_files and "vae_lessons/_static/latent_explorer.js" in data_files
    missing = sorted((modules | data_files) - names)
    assert not missing, f"the wheel lacks {missing}"
    licences = {name.rsplit("/", 1)[-1] for name in names if ".dist-info/licenses/" in name}
    assert {"LICENSE", "MNIST-LICENSE.md"} <= licences, sorted(names)


def test_the_installed_wheel_loads_the_sample_and_the_explorer_script(wheel, tmp_path):
    """Unpacked alone on ``sys.path`` (no repository): the sample passes its checksum."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    code = (
        "import vae_lessons, sys\n"
        "from vae_lessons import data, widgets\n"
        "(x_train, _), (x_test, _) = data.load_mnist()\n"
        "print(vae_lessons.__file__, x_train.shape, x_test.shape, widgets.STATIC.joinpath('latent_explorer.js').is_file())\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(site), "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    location, *rest = result.stdout.split()
    assert Path(location).is_relative_to(site), location  # the wheel's copy, not the repository's
    assert " ".join(rest) == "(4000, 28, 28) (1000, 28, 28) True"
