"""Benchmark the HTML book: how long it takes to build, how big the site is.

Usage::

    python -m benchmarks.book_build            # -> benchmarks/results/book_build.json

It builds the book with ``scripts/build_book.py`` into a temporary folder (the pinned
front-end assets are fetched first if ``book/_static/vendor/`` lacks them, and that
time is reported apart), then measures the built site: total bytes, number of files,
the biggest files, and bytes per kind of file.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import io
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "book_build.json"
from scripts import build_book  # noqa: E402


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def kind(path: Path) -> str:
    parts = path.parts
    if parts[:2] == ("_static", "vendor"):
        return f"vendor/{parts[2]}" if len(parts) > 3 else "vendor"
    if parts[0] == "_static":
        return "theme and extensions (_static)"
    if parts[0] == "_images":
        return "figures (_images)"
    if parts[0] == "_sources":
        return "page sources, notebooks for download (_sources)"
    if path.suffix == ".html":
        return "pages (*.html)"
    return "other"


def main() -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        build_book.npm_install()
        build_book.copy_npm_assets()
        build_book.copy_anywidget_front_end()
    fetch_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        log = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(log):
            status = build_book.main(["--output", folder, "--quiet"])
        build_seconds = time.perf_counter() - start
        if status != 0:
            print(log.getvalue(), file=sys.stderr)
            return status
        html = Path(folder) / "_build" / "html"
        files = sorted((path for path in html.rglob("*") if path.is_file()), key=lambda p: -p.stat().st_size)
        sizes = {path.relative_to(html): path.stat().st_size for path in files}

    by_kind = Counter()
    for path, size in sizes.items():
        by_kind[kind(path)] += size
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    result = {
        "benchmark": "book_build",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "versions": {name: version(name) for name in ("jupyter-book", "sphinx", "myst-nb", "sphinx-book-theme")},
        "assets": {package: build_book.installed_version(package) for package in build_book.VENDORED} | {"anywidget": version("anywidget")},
        "notebooks": [path.name for path in notebooks],
        "fetch_assets_seconds": round(fetch_seconds, 2),
        "build_seconds": round(build_seconds, 1),
        "site": {
            "total_bytes": sum(sizes.values()),
            "files": len(sizes),
            "pages": sum(1 for path in sizes if path.suffix == ".html"),
            "bytes_by_kind": dict(by_kind.most_common()),
            "biggest_files": [{"path": path.as_posix(), "bytes": size} for path, size in list(sizes.items())[:12]],
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    site = result["site"]
    print(
        f"book: built in {result['build_seconds']} s; {site['total_bytes'] / 1e6:.1f} MB in {site['files']} files "
        f"({site['pages']} pages); biggest: {site['biggest_files'][0]['path']} "
        f"({site['biggest_files'][0]['bytes'] / 1e6:.1f} MB)"
    )
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
