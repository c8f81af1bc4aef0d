"""Build the HTML book: the lessons' stored outputs, fully offline, warnings as errors.

Usage (from anywhere; needs the ``book`` extra, ``pip install -e ".[book]"``, and
``npm`` the first time, for ``npm ci``; after that the build is offline)::

    python scripts/build_book.py                    # -> book/_build/html/index.html
    python scripts/build_book.py --output /tmp/out  # -> /tmp/out/_build/html/index.html
    python -m http.server -d book/_build/html       # then open http://localhost:8000

Steps:

1. Front-end assets into ``book/_static/vendor/`` (gitignored): RequireJS, the
   ipywidgets html-manager and MathJax are pinned in ``package.json`` and
   ``package-lock.json``; ``npm ci`` installs them into ``node_modules/`` (once, when
   the lockfile is newer than the install), and only the files the pages use are
   copied. anywidget's front end comes from the installed ``anywidget`` wheel.
2. Stage the book: Jupyter Book 1 cannot publish files outside its folder, so ``book/``
   and the notebooks in ``notebooks/`` are copied into ``<output>/_build/source/``; the
   notebooks are published, never duplicated in git. The lessons hold no solutions (a
   student asks for one with ``lesson_NN.exK.solution()``): in the staged copies only,
   each exercise's check cell gets the solution from the package under it, as a code
   cell collapsed behind a "Show the solution" toggle, without output.
3. Build with ``jupyter-book build -W -n --keep-going``: warnings (and, with ``-n``,
   broken references) fail the build, all of them reported. Notebooks are not run
   (``execute_notebooks: off``): the book shows the outputs ``pytest --nbval`` checked.
4. Prune what no page uses (source maps, licence banners of minified bundles, duplicate
   font formats) and print where the HTML is and how to view it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
NOTEBOOKS = REPO / "notebooks"
VENDOR = BOOK / "_static" / "vendor"


NODE_MODULES = REPO / "node_modules"
# What the site serves from each npm package (pinned in package.json / package-lock.json,
# installed by `npm ci`): package -> (glob under the package folder, destination under
# book/_static/vendor/). Only the files the pages use are copied.
VENDORED = {
    "requirejs": (("require.js", "requirejs"),),
    # ipywidgets 8's embedder (the "embed-amd" bundle holds base, controls, output) and
    # its Font Awesome icons: browsers take the woff2 files only.
    "@jupyter-widgets/html-manager": (
        ("dist/embed-amd.js", "html-manager"),
        ("dist/*.woff2", "html-manager"),
    ),
    # MathJax: TeX input + CommonHTML output (menu and assistive MathML built in), its
    # fonts, and the TeX extensions that \\require or autoload may fetch. Left out: the
    # SVG/MathML/AsciiMath variants, the speech and explorer tools (a11y/sre, about 4
    # MB: the menu's "Explorer" setting cannot load them), all-packages.
    "mathjax": (
        ("es5/tex-chtml.js", "mathjax"),
        ("es5/output/chtml/fonts/woff-v2/*.woff", "mathjax/output/chtml/fonts/woff-v2"),
        ("es5/input/tex/extensions/*.js", "mathjax/input/tex/extensions"),
    ),
}
VENDOR_EXCLUDE = ("es5/input/tex/extensions/all-packages.js",)
# What the site's copy of each package is: written last, so a half-done copy repeats.
STAMP = ".pinned.json"

# Built-site files no page requests: source maps, the theme's translation catalogues
# (used while building, not by the browser), the themes' template fragments and the
# vendor stamps. Licence files stay: the minified bundles point to them.
PRUNE = ("*.map", ".buildinfo", "_static/*webpack-macros.html", STAMP)
PRUNE_FOLDERS = ("_static/locales",)
PRUNE_FONTS = ("*.ttf", "*.eot", "*.woff")  # where a .woff2 of the same font sits beside them


def log(message: str) -> None:
    print(f"[build_book] {message}", flush=True)


# --- 1. assets -------------------------------------------------------------------------


def _stamp_matches(folder: Path, pinned: dict) -> bool:
    stamp = folder / STAMP
    return stamp.is_file() and json.loads(stamp.read_text()) == pinned


def _write_stamp(folder: Path, pinned: dict) -> None:
    (folder / STAMP).write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n")


def npm_install(repo: Path = REPO) -> None:
    """``npm ci`` when ``node_modules/`` does not match ``package-lock.json``.

    npm checks every tarball against the lockfile's integrity hash; after this step the
    build needs no network.
    """
    lock = repo / "package-lock.json"
    installed = repo / "node_modules" / ".package-lock.json"  # npm writes it on install
    if installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm is needed once, to install the book's pinned front-end packages "
            "(install Node.js, e.g. `apt-get install npm`), then rerun; or run `npm ci` yourself."
        )
    log("npm ci (the book's front-end packages, pinned in package-lock.json)")
    result = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=repo, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"`npm ci` failed:\n{result.stderr.strip()}")


def installed_version(package: str, node_modules: Path = NODE_MODULES) -> str:
    manifest = node_modules / package / "package.json"
    if not manifest.is_file():
        raise SystemExit(f"{package} is not in {node_modules}: run `npm ci` in {node_modules.parent}")
    return json.loads(manifest.read_text())["version"]


def copy_npm_assets(vendor: Path = VENDOR, node_modules: Path = NODE_MODULES) -> None:
    """Copy the files the pages use from ``node_modules/`` into ``vendor`` (once per version)."""
    for package, patterns in VENDORED.items():
        root = node_modules / package
        pinned = {"package": package, "version": installed_version(package, node_modules)}
        folders = {destination.split("/")[0] for _, destination in patterns}
        if all(_stamp_matches(vendor / folder, pinned) for folder in folders):
            continue
        for folder in folders:
            shutil.rmtree(vendor / folder, ignore_errors=True)
        count = 0
        for pattern, destination in patterns:
            for path in sorted(root.glob(pattern)):
                if path.relative_to(root).as_posix() in VENDOR_EXCLUDE:
                    continue
                target = vendor / destination / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                count += 1
        if count == 0:
            raise SystemExit(f"{package}: none of {[pattern for pattern, _ in patterns]} in {root}")
        for folder in folders:
            _write_stamp(vendor / folder, pinned)
        log(f"copied {count} files of {package}@{pinned['version']} from node_modules/")


def copy_anywidget_front_end(vendor: Path = VENDOR) -> None:
    """Copy anywidget's AMD front end from the installed wheel (it is not on a CDN here).

    The widget state in the notebooks names ``anywidget`` ``~MAJOR.MINOR.*`` as the
    front-end module; the installed wheel's ``nbextension/index.js`` is that module,
    as RequireJS loads it (``define(["@jupyter-widgets/base"], ...)``).
    """
    try:
        import anywidget
    except ImportError as error:  # pragma: no cover - the package depends on anywidget
        raise SystemExit("anywidget is not installed: pip install -e '.[book]'") from error
    source = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not source.is_file():
        raise SystemExit(f"anywidget {anywidget.__version__} has no {source}; its front end moved")
    folder = vendor / "anywidget"
    pinned = {"package": "anywidget (Python wheel)", "version": anywidget.__version__}
    target = folder / "index.js"
    if _stamp_matches(folder, pinned) and target.read_bytes() == source.read_bytes():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(source, target)
    _write_stamp(folder, pinned)
    log(f"copied anywidget {anywidget.__version__}'s front end from its wheel")


def check_widget_modules(notebooks: list[Path]) -> None:
    """Fail early if a notebook's widgets need a front end the site does not serve."""
    import anywidget

    served = {"@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output", "anywidget"}
    major, minor = anywidget.__version__.split(".")[:2]
    for path in notebooks:
        state = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("widgets", {})
        models = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        for model in models.values():
            module, version = model.get("model_module"), model.get("model_module_version", "")
            if module not in served:
                raise SystemExit(f"{path.name}: widget module {module!r} has no local front end in the book")
            if module == "anywidget" and not version.lstrip("~^").startswith(f"{major}.{minor}."):
                log(
                    f"warning: {path.name}'s widgets were saved with anywidget {version}; the book "
                    f"serves the front end of the installed anywidget {anywidget.__version__}"
                )


# --- 2. staging ------------------------------------------------------------------------


def stage(source: Path, notebooks: Path, repository_url: str | None = None) -> None:
    """Copy ``book/`` and the notebooks folder into ``source`` (mtimes kept), and give the
    copied lessons their collapsed solutions (:func:`insert_solutions`).

    The whole folder is copied, so files a notebook links to (images) come along; only
    the notebooks themselves are pages (``only_build_toc_files`` in _config.yml).
    """
    skip = shutil.ignore_patterns("_build", "__pycache__", ".ipynb_checkpoints")
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(BOOK, source, ignore=skip)
    if notebooks.is_dir():
        shutil.copytree(notebooks, source / "notebooks", ignore=skip)
        for lesson in sorted((source / "notebooks").glob("*.ipynb")):
            insert_solutions(lesson)
    else:
        (source / "notebooks").mkdir()
    if repository_url:  # the staged copy only: book/_config.yml stays as it is
        config = source / "_config.yml"
        text = config.read_text(encoding="utf-8")
        setting = 'vae_lessons_repository_url: ""'
        if setting not in text:
            raise SystemExit(f"--repository-url: {config.name} has no `{setting}` line to fill in")
        config.write_text(text.replace(setting, f"vae_lessons_repository_url: {json.dumps(repository_url)}"))


# An exercise's check cell starts with this call (the lessons' structure, tests/test_notebooks.py).
CHECK_CELL = re.compile(r"^(lesson_\d\d)\.(ex\d+)\.check\(answer\)")
# The book-only solution cell: `solution` names it, `hide-cell` collapses it (myst-nb),
# with the toggle's words; `source_hidden` collapses it too in JupyterLab and Notebook 7,
# should a reader open the page's downloaded .ipynb there.
SOLUTION_TAGS = ["solution", "hide-cell"]
SHOW_SOLUTION, HIDE_SOLUTION = "Show the solution", "Hide the solution"


def solution_of(lesson: str, exercise: str, where: str) -> str:
    """The solution code of ``lesson.exercise`` (``"lesson_03"``, ``"ex1"``), from the package:
    ``vae_lessons.exercises.lesson_03.ex1.solution_code``, what ``.solution()`` prints."""
    if str(REPO) not in sys.path:  # this repository's package, as the lessons import it
        sys.path.insert(0, str(REPO))
    try:
        module = importlib.import_module(f"vae_lessons.exercises.{lesson}")
    except ModuleNotFoundError as error:
        raise SystemExit(f"{where}: {lesson}.{exercise}.check(answer) names no module vae_lessons.exercises.{lesson}") from error
    found = getattr(module, exercise, None)
    code = getattr(found, "solution_code", None)
    if not isinstance(code, str) or not code.strip():
        raise SystemExit(f"{where}: {lesson}.{exercise}.check(answer) names no exercise with a solution in {module.__name__}")
    return code


def solution_cell(lesson: str, exercise: str, code: str) -> dict:
    """The book's collapsed solution cell: the solution's code, no output, not executed."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": f"solution-{lesson}-{exercise}",
        "metadata": {
            "jupyter": {"source_hidden": True},
            "mystnb": {"code_prompt_show": SHOW_SOLUTION, "code_prompt_hide": HIDE_SOLUTION},
            "tags": list(SOLUTION_TAGS),
        },
        "outputs": [],
        "source": code,
    }


def insert_solutions(path: Path) -> int:
    """Put each exercise's solution, collapsed, under its check cell in the staged lesson
    at ``path`` (rewritten in place); returns how many. Only the book's copy changes."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        cells.append(cell)
        match = CHECK_CELL.match("".join(cell["source"])) if cell["cell_type"] == "code" else None
        if match:
            lesson, exercise = match.groups()
            cells.append(solution_cell(lesson, exercise, solution_of(lesson, exercise, f"{path.name} cell {index}")))
    inserted = len(cells) - len(notebook["cells"])
    if inserted:
        notebook["cells"] = cells
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return inserted


STUDENT_EDITION_ZIP = "vae-lessons-student-edition.zip"  # linked from book/intro.md


def stage_student_edition(source: Path, notebooks: Path) -> Path:
    """Write the student edition's zip into the staged ``source``, for the download link.

    Runs ``python -m scripts.student_edition --download`` (the lessons as they are in
    the repository, with no solution; the package's wheel, a README and environment.yml
    beside them) in a separate process, so this script keeps running as a plain file.
    """
    target = source / STUDENT_EDITION_ZIP
    with tempfile.TemporaryDirectory() as scratch:
        paths = [str(path) for path in sorted(notebooks.glob("*.ipynb"))]
        result = subprocess.run(
            [sys.executable, "-m", "scripts.student_edition", *paths, "--output", scratch, "--zip", str(target), "--download"],
            cwd=REPO, check=False, capture_output=True, text=True,
        )
    if result.returncode != 0:  # e.g. a lesson that shows a solution: the edition's own error
        raise SystemExit(f"the student edition was not written:\n{result.stderr.strip()[-4000:]}")
    return target


# --- 3. build --------------------------------------------------------------------------


def jupyter_book_command() -> list[str]:
    beside = Path(sys.executable).with_name("jupyter-book")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    raise SystemExit("jupyter-book is not installed: pip install -e '.[book]'")


def build(source: Path, output: Path, quiet: bool = False) -> None:
    """``jupyter-book build``: warnings are errors (-W), broken references too (-n),
    all of them reported before failing (--keep-going), every page rebuilt (--all)."""
    command = [*jupyter_book_command(), "build", str(source), "--path-output", str(output)]
    command += ["-W", "-n", "--keep-going", "--all"]
    log(" ".join(command))
    result = subprocess.run(command, check=False, capture_output=quiet, text=True)
    if result.returncode != 0:
        if quiet:
            print(result.stdout[-20_000:], result.stderr[-20_000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"the book did not build (exit {result.returncode}); see the warnings above")


# --- 4. prune --------------------------------------------------------------------------


def prune(html: Path) -> int:
    """Delete built files no page requests; returns how many bytes that saved."""
    saved = 0
    for folder in PRUNE_FOLDERS:
        if (html / folder).is_dir():
            saved += sum(path.stat().st_size for path in (html / folder).rglob("*") if path.is_file())
            shutil.rmtree(html / folder)
    for path in sorted(html.rglob("*")):
        if not path.is_file():
            continue
        name = path.name
        inside = path.relative_to(html).as_posix()
        drop = any(fnmatch(name, pattern) or fnmatch(inside, pattern) for pattern in PRUNE)
        if not drop and any(fnmatch(name, pattern) for pattern in PRUNE_FONTS):
            drop = path.with_suffix(".woff2").exists()
        if drop:
            saved += path.stat().st_size
            path.unlink()
    return saved


def site_size(html: Path) -> tuple[int, int]:
    files = [path for path in html.rglob("*") if path.is_file()]
    return sum(path.stat().st_size for path in files), len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML book, offline, with warnings as errors.")
    parser.add_argument(
        "--output",
        type=Path,
        default=BOOK,
        help="folder that receives _build/ (default: book/, so the HTML lands in book/_build/html)",
    )
    parser.add_argument(
        "--notebooks", type=Path, default=NOTEBOOKS, help="folder of lesson notebooks (default: notebooks/)"
    )
    parser.add_argument(
        "--repository-url",
        help="the lessons' repository (e.g. https://github.com/ORG/vae-lessons): adds Colab and Binder launch links",
    )
    parser.add_argument("--quiet", action="store_true", help="show Jupyter Book's output only if it fails")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    notebooks = sorted(args.notebooks.glob("*.ipynb"))
    if not notebooks:
        log("warning: notebooks/ holds no notebook yet; building the book without lessons")
    check_widget_modules(notebooks)
    npm_install()
    copy_npm_assets()
    copy_anywidget_front_end()

    build_dir = args.output.resolve() / "_build"
    source = build_dir / "source"
    html = build_dir / "html"
    stage(source, args.notebooks, args.repository_url)
    stage_student_edition(source, args.notebooks.resolve())
    shutil.rmtree(html, ignore_errors=True)
    build(source, args.output.resolve(), quiet=args.quiet)
    saved = prune(html)
    total, count = site_size(html)

    seconds = time.perf_counter() - start
    log(f"built in {seconds:.0f} s: {count} files, {total / 1e6:.1f} MB (pruned {saved / 1e6:.1f} MB)")
    index = html / "index.html"
    try:
        shown = index.relative_to(Path.cwd())
        served = html.relative_to(Path.cwd())
    except ValueError:
        shown, served = index, html
    print(f"\nThe book is in {shown}")
    print(f"To view it: python -m http.server -d {served}   then open http://localhost:8000")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
