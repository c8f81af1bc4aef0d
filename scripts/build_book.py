"""Build the HTML book: the lessons' stored outputs, fully offline, warnings as errors.

Usage (from anywhere; needs the ``book`` extra, ``pip install -e ".[book]"``, and
``npm`` the first time, to fetch the pinned front-end assets)::

    python scripts/build_book.py                    # -> book/_build/html/index.html
    python scripts/build_book.py --output /tmp/out  # -> /tmp/out/_build/html/index.html
    python -m http.server -d book/_build/html       # then open http://localhost:8000

Steps:

1. Fetch the pinned front-end assets into ``book/_static/vendor/`` (gitignored), once:
   RequireJS, the ipywidgets html-manager and MathJax from the npm registry (``npm
   pack``, checked against pinned SHA-512 integrity hashes), and anywidget's front end
   from the installed ``anywidget`` wheel. Only the files the pages use are kept.
2. Stage the book: Jupyter Book 1 cannot publish files outside its folder, so ``book/``
   and the notebooks in ``notebooks/`` are copied (not edited) into
   ``<output>/_build/source/``; the notebooks are published, never duplicated in git.
3. Build with ``jupyter-book build -W -n --keep-going``: warnings (and, with ``-n``,
   broken references) fail the build, all of them reported. Notebooks are not run
   (``execute_notebooks: off``): the book shows the outputs ``pytest --nbval`` checked.
4. Prune what no page uses (source maps, licence banners of minified bundles, duplicate
   font formats) and print where the HTML is and how to view it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
NOTEBOOKS = REPO / "notebooks"
VENDOR = BOOK / "_static" / "vendor"


@dataclass(frozen=True)
class NpmAsset:
    """Files taken from one pinned npm package: ``files`` maps tarball globs to folders."""

    name: str
    version: str
    integrity: str  # the registry's dist.integrity for this exact tarball
    folder: str  # under book/_static/vendor/
    files: tuple[tuple[str, str], ...]  # (glob inside the tarball's package/, destination subfolder)
    exclude: tuple[str, ...] = ()


NPM_ASSETS = (
    NpmAsset(
        name="requirejs",
        version="2.3.7",
        integrity="sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
        folder="requirejs",
        files=(("require.js", ""),),
    ),
    NpmAsset(
        # ipywidgets 8's embedder (the "embed-amd" bundle holds base, controls, output).
        name="@jupyter-widgets/html-manager",
        version="1.0.15",
        integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        folder="html-manager",
        # The bundle's Font Awesome icons: browsers take the woff2 files only.
        files=(("dist/embed-amd.js", ""), ("dist/*.woff2", "")),
    ),
    NpmAsset(
        name="mathjax",
        version="3.2.2",
        integrity="sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        folder="mathjax",
        # TeX input + CommonHTML output (menu and assistive MathML built in), its fonts,
        # and the TeX extensions that \require or autoload may fetch. Left out: the
        # SVG/MathML/AsciiMath variants, the speech and explorer tools (a11y/sre,
        # about 4 MB: the menu's "Explorer" setting cannot load them), all-packages.
        files=(
            ("es5/tex-chtml.js", ""),
            ("es5/output/chtml/fonts/woff-v2/*.woff", "output/chtml/fonts/woff-v2"),
            ("es5/input/tex/extensions/*.js", "input/tex/extensions"),
        ),
        exclude=("es5/input/tex/extensions/all-packages.js",),
    ),
)
# What the site's copy of each package is: written last, so a half-done fetch repeats.
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


def _npm_pack(asset: NpmAsset, workdir: Path) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm is needed once, to fetch the book's pinned front-end assets from the npm "
            "registry (install Node.js, e.g. `apt-get install npm`), then rerun."
        )
    spec = f"{asset.name}@{asset.version}"
    result = subprocess.run(
        [npm, "pack", spec, "--json", "--silent", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"`npm pack {spec}` failed:\n{result.stderr.strip()}")
    filename = json.loads(result.stdout)[0]["filename"]
    data = (workdir / filename).read_bytes()
    algorithm, expected = asset.integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{spec}: tarball integrity {algorithm}-{actual} is not the pinned {asset.integrity}")
    return data


def _extract(asset: NpmAsset, tarball: bytes, folder: Path) -> int:
    count = 0
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith("package/"):
                continue
            inner = member.name[len("package/") :]
            if any(fnmatch(inner, pattern) for pattern in asset.exclude):
                continue
            for pattern, subfolder in asset.files:
                if fnmatch(inner, pattern):
                    target = folder / subfolder / Path(inner).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
                    count += 1
                    break
    return count


def fetch_npm_assets(vendor: Path = VENDOR) -> None:
    """Fetch (once) and unpack the pinned npm packages' needed files into ``vendor``."""
    for asset in NPM_ASSETS:
        folder = vendor / asset.folder
        pinned = {"package": asset.name, "version": asset.version, "integrity": asset.integrity}
        if _stamp_matches(folder, pinned):
            continue
        log(f"fetching {asset.name}@{asset.version} from the npm registry")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as workdir:
            count = _extract(asset, _npm_pack(asset, Path(workdir)), folder)
        if count == 0:
            raise SystemExit(f"{asset.name}@{asset.version}: none of {asset.files} in the tarball")
        _write_stamp(folder, pinned)


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


def stage(source: Path, notebooks: Path) -> None:
    """Copy ``book/`` and the notebooks folder into ``source`` (mtimes kept).

    The whole folder is copied, so files a notebook links to (images) come along; only
    the notebooks themselves are pages (``only_build_toc_files`` in _config.yml).
    """
    skip = shutil.ignore_patterns("_build", "__pycache__", ".ipynb_checkpoints")
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(BOOK, source, ignore=skip)
    if notebooks.is_dir():
        shutil.copytree(notebooks, source / "notebooks", ignore=skip)
    else:
        (source / "notebooks").mkdir()


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
    parser.add_argument("--quiet", action="store_true", help="show Jupyter Book's output only if it fails")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    notebooks = sorted(args.notebooks.glob("*.ipynb"))
    if not notebooks:
        log("warning: notebooks/ holds no notebook yet; building the book without lessons")
    check_widget_modules(notebooks)
    fetch_npm_assets()
    copy_anywidget_front_end()

    build_dir = args.output.resolve() / "_build"
    source = build_dir / "source"
    html = build_dir / "html"
    stage(source, args.notebooks)
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
