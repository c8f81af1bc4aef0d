"""Write the student edition: the lessons, and what runs them.

Usage::

    python -m scripts.student_edition                        # every notebooks/*.ipynb
    python -m scripts.student_edition notebooks/03_loss.ipynb --output build/student-edition

With ``--download`` (``make student-edition``), the edition is a download that works on
its own, in ``build/student-edition/`` and zipped in ``build/student-edition.zip`` (under
``vae-lessons-student/``); without it, the lessons alone (what the book's build zips
today, ``scripts/build_book.py``):

* the lessons, cleaned (below);
* a wheel of ``vae_lessons``, built with the standard ``python -m build`` (the
  ``dist`` extra; ``--no-isolation``, so no download is needed);
* ``README.md`` with the two commands a student types: make a virtual environment and
  install the wheel with JupyterLab (the ``lab`` extra; JAX, the default backend, only),
  then open JupyterLab;
* ``environment.yml`` for conda users, from ``pyproject.toml``'s dependencies;
* ``pytest.ini``, which turns on ``vae_lessons.nbval_tolerance`` for ``pytest --nbval``
  (numbers from training compare within a tolerance; see that module).

tests/test_student_download.py unzips the edition into an empty folder, follows the
README's commands in a fresh virtual environment and runs the lessons under
``pytest --nbval`` there (CI, ``.ci/run``).

The lessons hold no solutions: each lives in the package (``Exercise.solution_code``),
and a student asks for it with ``lesson_NN.exK.solution()``; each check cell stores the
"Not attempted yet" line a student sees under ``answer = ...``. So a lesson goes into
the edition as it is, cleaned (execution counts 1, 2, ..., no stray metadata), nothing
re-executed. A guard keeps it so: a lesson with a cell tagged ``solution`` or an output
that starts with "Correct." (an exercise's answer) is refused with an error naming the
cell (:func:`solution_leaks`); tests/test_notebooks.py checks the lessons the same way.
The book offers the zip for download on its first page.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import nbformat

from scripts.execute_notebooks import REPO, clean, lesson_paths

SOLUTION_TAG = "solution"
CORRECT = "Correct."  # how a check's verdict on a right answer starts (vae_lessons.exercises.checking)
DEFAULT_OUTPUT = REPO / "build" / "student-edition"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed timestamps: the same edition gives the same zip bytes


def _output_text(output) -> str:
    text = output.get("text", "")
    plain = output.get("data", {}).get("text/plain", "")
    return "".join(text) + "".join(plain)


def solution_leaks(notebook: nbformat.NotebookNode) -> list[str]:
    """Where ``notebook`` shows a solution: cells tagged ``solution``, outputs that start
    with "Correct." (a check that ran on a right answer). Empty for a lesson fit to ship."""
    leaks = []
    for index, cell in enumerate(notebook.cells):
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            leaks.append(f"cell {index} is tagged `{SOLUTION_TAG}`")
        for output in cell.get("outputs", []):
            if _output_text(output).lstrip().startswith(CORRECT):
                leaks.append(f'cell {index} prints "{CORRECT} ...", an exercise\'s answer')
    return leaks


def has_solutions(path: Path) -> bool:
    """True when the lesson at ``path`` shows a solution (see :func:`solution_leaks`)."""
    return bool(solution_leaks(nbformat.read(path, as_version=4)))


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The student edition of one lesson: the lesson, cleaned.

    Raises
    ------
    ValueError
        If the lesson shows a solution (:func:`solution_leaks`): the lessons hold none, a
        student asks for one with ``lesson_NN.exK.solution()``.
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    leaks = solution_leaks(notebook)
    if leaks:
        raise ValueError(
            f"{path.name} shows a solution ({'; '.join(leaks)}): no student edition is written from it. "
            "The lessons hold no solutions; the package does, and lesson_NN.exK.solution() prints one. "
            "Turn a worked answer into a checked exercise; store each check cell's output for "
            f'`answer = ...` ("Not attempted yet") with: python scripts/execute_notebooks.py {path}'
        )
    return clean(notebook)


def write_student_edition(paths, output: Path = DEFAULT_OUTPUT) -> list[Path]:
    """Write the student edition of each lesson in ``paths`` into the folder ``output``.

    Returns
    -------
    written : list of Path
        One notebook per lesson, same file names.

    Raises
    ------
    ValueError
        If a lesson shows a solution (:func:`student_notebook`); nothing is written then.
    """
    editions = {Path(path).name: student_notebook(path) for path in paths}  # every lesson passes the guard first
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, notebook in editions.items():
        target = output / name
        target.write_text(nbformat.writes(notebook) + "\n")
        written.append(target)
    return written


def write_zip(path: Path, files) -> Path:
    """Zip the student edition's ``files`` into ``path`` (for the book's download link).

    The archive holds the files under ``vae-lessons-student/``, with fixed timestamps,
    so the same files always give the same bytes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(Path(file) for file in files):
            info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{file.name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return path


# --- what runs the lessons -----------------------------------------------------------------

ZIP_FOLDER = "vae-lessons-student"
STUDENT_EXTRA = "lab"  # pyproject.toml: what a student needs besides the package (JupyterLab)
ENVIRONMENT = ".venv"  # the virtual environment the README's commands make, in the edition's folder


def project() -> dict:
    """``pyproject.toml``'s ``[project]`` table."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def wheel_name() -> str:
    """The file name ``python -m build`` gives the package's wheel (pure Python, any platform)."""
    metadata = project()
    name = re.sub(r"[-_.]+", "_", metadata["name"]).lower()
    return f"{name}-{metadata['version']}-py3-none-any.whl"


def build_wheel(folder: Path) -> Path:
    """Build the package's wheel with ``python -m build`` into ``folder``; returns its path.

    Builds the source distribution, then the wheel from it (``python -m build``'s
    default), in a scratch folder, with this environment's setuptools
    (``--no-isolation``: nothing is downloaded).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", scratch, str(REPO)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            hint = "; install it with: pip install -e '.[dist]'" if "No module named build" in result.stderr else ""
            raise SystemExit(f"{' '.join(command)} failed{hint}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        (wheel,) = Path(scratch).glob("*.whl")
        if wheel.name != wheel_name():
            raise SystemExit(f"python -m build wrote {wheel.name}, expected {wheel_name()}")
        target = folder / wheel.name
        shutil.copyfile(wheel, target)
    return target


def install_command() -> str:
    """The README's first command: a virtual environment, the wheel and JupyterLab in it."""
    return f'python3 -m venv {ENVIRONMENT} && {ENVIRONMENT}/bin/python -m pip install "./{wheel_name()}[{STUDENT_EXTRA}]"'


def open_command() -> str:
    """The README's second command: JupyterLab on the lessons' folder."""
    return f"{ENVIRONMENT}/bin/jupyter lab"


def readme_text(lessons) -> str:
    """The student edition's README: what it is, the two commands, and what to expect."""
    first = sorted(Path(lesson).name for lesson in lessons)[0]
    return f"""# Variational autoencoders on MNIST: the student edition

Jupyter lessons that teach variational autoencoders (VAEs) on real handwritten digits,
with Keras 3 on JAX. Each lesson ends with exercises: write your answer in the cell
`answer = ...`, run the check under it (`lesson_03.ex1.check(answer)`), and ask for
`hint()` when stuck. No solution shows until you ask: `lesson_03.ex1.solution()` prints one.

## Start

You need Python 3.11 or newer. In this folder, run:

```bash
{install_command()}
{open_command()}
```

The first command makes a virtual environment in `{ENVIRONMENT}` and installs the lessons'
package, `vae_lessons` (the wheel in this folder), with JupyterLab and JAX. The second
opens JupyterLab in your browser: open `{first}` and run its cells from the top
(Shift+Enter). Next time, only the second command.

- **Windows**: `py -m venv {ENVIRONMENT}`, then
  `{ENVIRONMENT}\\Scripts\\python -m pip install "./{wheel_name()}[{STUDENT_EXTRA}]"`, then
  `{ENVIRONMENT}\\Scripts\\jupyter lab`.
- **conda**: `conda env create -f environment.yml`, `conda activate vae-lessons`, then
  `jupyter lab`.

## Good to know

- Once installed, everything works offline: the package ships 5,000 MNIST digits.
- Lessons 4 to 9 train small models. The first time a lesson needs one it trains it
  (each cell that trains says about how long; Lesson 8 takes a few minutes on a laptop),
  then stores it in `~/.cache/vae-lessons` (or the folder named by the environment
  variable `VAE_LESSONS_CACHE`), so every later run loads it in a second.
- To check that every lesson runs here as it ran for us:
  `{ENVIRONMENT}/bin/python -m pip install pytest nbval`, then
  `{ENVIRONMENT}/bin/python -m pytest --nbval` (`pytest.ini` compares numbers that come
  from training within a small tolerance: another CPU rounds them differently).

MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, under CC BY-SA 3.0.
The lessons and the package: MIT licence.
"""


def conda_requirement(requirement: str) -> list[str]:
    """One pip requirement as conda-forge package specs (``jax[cpu]`` is jax and jaxlib)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*?)\s*", requirement)
    name, specifier = match.group(1).lower(), match.group(3).replace(" ", "")
    specs = [f"{name}{specifier}"]
    if name == "jax":
        specs.append(f"jaxlib{specifier}")
    return specs


def environment_text() -> str:
    """The student edition's environment.yml: the package's dependencies and JupyterLab from
    conda-forge, the wheel from pip."""
    metadata = project()
    requirements = [*metadata["dependencies"], *metadata["optional-dependencies"][STUDENT_EXTRA]]
    lines = [
        "# conda env create -f environment.yml && conda activate vae-lessons && jupyter lab",
        "# The lessons' package (the wheel beside this file) with JupyterLab, on JAX.",
        "name: vae-lessons",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python{metadata['requires-python']}",
        "  - pip",
        *(f"  - {spec}" for requirement in requirements for spec in conda_requirement(requirement)),
        "  - pip:",
        f"      - ./{wheel_name()}",
    ]
    return "\n".join(lines) + "\n"


PYTEST_INI = """\
[pytest]
# pip install pytest nbval, then: python -m pytest --nbval
# Numbers printed by cells tagged from-training (what training produced) compare within a
# tolerance, since another CPU rounds training differently; everything else exactly
# (the module vae_lessons.nbval_tolerance explains the rule).
addopts = -p vae_lessons.nbval_tolerance --nbval-current-env
"""


def write_download(output: Path, lessons) -> list[Path]:
    """Write into ``output`` what runs the lessons: the wheel, README.md, environment.yml
    and pytest.ini. Returns their paths."""
    output = Path(output)
    wheel = build_wheel(output)
    files = {"README.md": readme_text(lessons), "environment.yml": environment_text(), "pytest.ini": PYTEST_INI}
    for name, text in files.items():
        (output / name).write_text(text)
    return [wheel, *(output / name for name in files)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the student edition: the lessons (no solutions), a wheel, a README."
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for the edition")
    parser.add_argument("--zip", type=Path, default=None, help="zip file (default: OUTPUT.zip)")
    parser.add_argument(
        "--download",
        action="store_true",
        help="the download a student installs from: also the wheel, README.md, environment.yml "
        "and pytest.ini (make student-edition); without it, the lessons alone",
    )
    args = parser.parse_args(argv)
    paths = lesson_paths(args.notebooks)
    for stale in Path(args.output).glob("vae_lessons-*.whl"):  # an older version's wheel
        stale.unlink()
    try:
        written = write_student_edition(paths, args.output)
    except ValueError as error:  # a lesson that shows a solution
        raise SystemExit(f"error: {error}") from None
    download = write_download(args.output, written) if args.download else []
    archive = write_zip(args.zip or args.output.with_suffix(".zip"), [*written, *download])
    extra = f", {download[0].name}, README.md, environment.yml and pytest.ini" if download else ""
    print(f"student edition: {len(written)} notebooks{extra} in {args.output}, zipped in {archive}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
