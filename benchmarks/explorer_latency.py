"""How fast does the latent explorer redraw? Slider change -> redrawn image, in a browser.

The explorer (trained default model: latent_dim 2, hidden_units 512) is embedded in a
static HTML page the way the book embeds it (the ipywidgets html-manager, RequireJS,
anywidget's front end, all served from 127.0.0.1; no kernel). Headless Chromium
(Debian's /usr/bin/chromium) focuses the z[0] slider and presses the arrow keys
``--changes`` times. For each key press the page records, with ``performance.now()``:

* ``redraw``: from the keydown event to the end of the explorer's redraw (range
  input -> the z list in the widget model -> decode 784 pixels -> canvas written);
* ``decode``: the redraw alone (decode and paint);
* ``frame``: from the keydown to the next animation frame after the redraw, i.e. when
  the new image can be on screen (bounded below by the display's frame timing).

The target is a redraw under 16 ms (one frame at 60 Hz). Before timing, it checks that
the static page works without a kernel: dragging a slider redraws, the buttons move
the sliders, and the drawn pixels match the Keras decoder's image.

Usage::

    .venv/bin/python -m benchmarks.explorer_latency            # 200 changes
    .venv/bin/python -m benchmarks.explorer_latency --changes 500

Prints the numbers and writes ``benchmarks/results/explorer_latency.json``. Needs the
page's front-end assets: those of the book (``book/_static/vendor``, made by
``scripts/build_book.py``), or, when missing, copied the same way from ``node_modules/``
(``npm ci``) into a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from scripts import browser as chromium

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "explorer_latency.json"
BOOK_VENDOR = REPO / "book" / "_static" / "vendor"
VENDOR_FILES = ("requirejs/require.js", "html-manager/embed-amd.js", "anywidget/index.js")
CANVAS = chromium.EXPLORER_CANVAS
SLIDER_0 = ".vae-latent-explorer__slider-0 input[type=range]"

PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<script src="vendor/requirejs/require.js"></script>
<script>
  // Every widget module from this server, none from a CDN (as in the book).
  window.__jupyter_widgets_assets_path__ = "vendor/html-manager/";
  requirejs.config({{ paths: {{ anywidget: "vendor/anywidget/index" }} }});
</script>
<script src="vendor/html-manager/embed-amd.js" data-jupyter-widgets-cdn="no-cdn/"></script>
<script type="application/vnd.jupyter.widget-state+json">
{state}
</script>
</head>
<body>
<h1>{title}</h1>
{views}
</body>
</html>
"""


def vendor_folder(scratch: Path) -> Path:
    """A folder with the page's front-end assets: the book's, else fetched into ``scratch``."""
    if all((BOOK_VENDOR / name).is_file() for name in VENDOR_FILES):
        return BOOK_VENDOR
    from scripts import build_book  # the book's pinned, checked assets

    vendor = scratch / "vendor"
    build_book.npm_install()
    build_book.copy_npm_assets(vendor)
    build_book.copy_anywidget_front_end(vendor)
    return vendor


def write_static_page(folder: Path, views, vendor: Path, title="Latent explorer") -> Path:
    """Embed ``views`` (and the widgets they use) in ``folder/index.html``, as the book does."""
    import ipywidgets.embed

    # Only these views' widgets: embed_data would otherwise save every widget alive in
    # this process (a test run makes many), not only the ones on the page.
    state = ipywidgets.embed.dependency_state(views, drop_defaults=False)
    embedded = ipywidgets.embed.embed_data(views=views, drop_defaults=False, state=state)
    state = json.dumps(embedded["manager_state"])
    view_tags = "\n".join(
        '<script type="application/vnd.jupyter.widget-view+json">'
        + ipywidgets.embed.escape_script(json.dumps(spec))
        + "</script>"
        for spec in embedded["view_specs"]
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vendor").symlink_to(vendor, target_is_directory=True)
    page = folder / "index.html"
    page.write_text(PAGE.format(title=html.escape(title), state=ipywidgets.embed.escape_script(state), views=view_tags))
    return page


def canvas_state(page):
    """(gray levels as a list of 784 ints, z as a list, draw count) of the explorer."""
    return chromium.explorer_state(page)


def readout(page, dimension):
    return float(page.locator(f".vae-latent-explorer__slider-{dimension} .vae-latent-explorer__readout").inner_text())


def check_static_page(page, explorer):
    """The page works without a kernel; returns the largest browser-vs-Keras gray difference."""
    import numpy as np

    from vae_lessons import widgets

    before = canvas_state(page)
    slider = page.locator(SLIDER_0).first
    box = slider.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2  # z[0] = 0: the thumb is centred
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 50, y, steps=5)
    page.mouse.up()
    page.wait_for_timeout(200)
    after = canvas_state(page)
    if not (after["draws"] > before["draws"] and after["z"][0] != before["z"][0]):
        raise RuntimeError("static page: dragging the z[0] slider did not redraw the explorer")
    keras_gray = widgets.gray_levels(explorer.image(after["z"])).reshape(784).astype(int)
    difference = int(np.abs(keras_gray - np.array(after["gray"])).max())
    numpy_twin = widgets.gray_levels(explorer.browser_image(after["z"])).reshape(784).astype(int)
    if np.abs(numpy_twin - np.array(after["gray"])).max() > 1:
        raise RuntimeError("static page: the browser's pixels differ from decode_with_packed_weights")
    page.locator(".vae-latent-explorer__reset").first.click()
    page.wait_for_timeout(100)
    if canvas_state(page)["z"] != [0, 0] or readout(page, 0) != 0:
        raise RuntimeError("static page: the reset button did not reset z and the sliders")
    page.locator(".vae-latent-explorer__example").nth(3).click()
    page.wait_for_timeout(100)
    z = canvas_state(page)["z"]
    if abs(readout(page, 1) - z[1]) > 0.006 or z != explorer.examples[3]["z"]:
        raise RuntimeError("static page: an example button did not move the sliders")
    return difference


TIMING_SCRIPT = """(selector) => {
    const explorer = document.querySelector(selector).closest('.vae-latent-explorer');
    window.__latency = {redraw: [], decode: [], frame: [], keydown: null};
    document.addEventListener('keydown', () => { window.__latency.keydown = performance.now(); }, true);
    explorer.addEventListener('vae-latent-explorer:draw', (event) => {
        const latency = window.__latency;
        if (latency.keydown === null) return;
        const keydown = latency.keydown;
        latency.keydown = null;
        latency.redraw.push(event.detail.end - keydown);
        latency.decode.push(event.detail.end - event.detail.start);
        requestAnimationFrame(() => latency.frame.push(performance.now() - keydown));
    });
}"""


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarize(values):
    return {
        "median_ms": round(percentile(values, 0.5), 3),
        "p95_ms": round(percentile(values, 0.95), 3),
        "max_ms": round(max(values), 3),
        "count": len(values),
    }


def measure(changes: int) -> dict:
    from playwright.sync_api import sync_playwright

    from vae_lessons import data, training, widgets

    config = training.TrainingConfig()
    vae, _ = training.trained_vae(config)
    _, (x_test, y_test) = data.load_mnist()
    explorer = widgets.LatentExplorer(vae, examples=x_test[:10], labels=y_test[:10])
    with tempfile.TemporaryDirectory(prefix="vae-lessons-explorer-") as scratch:
        scratch = Path(scratch)
        write_static_page(scratch / "site", [explorer], vendor_folder(scratch))
        page_bytes = (scratch / "site" / "index.html").stat().st_size
        with chromium.static_server(scratch / "site") as base_url, sync_playwright() as playwright:
            browser = chromium.launch(playwright)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 800})
                page_errors = []
                page.on("pageerror", lambda error: page_errors.append(str(error)))
                page.goto(f"{base_url}/index.html")
                page.locator(CANVAS).first.wait_for(timeout=60_000)
                page.locator(SLIDER_0).first.wait_for(timeout=30_000)
                max_gray_difference = check_static_page(page, explorer)
                page.evaluate(TIMING_SCRIPT, CANVAS)
                page.locator(SLIDER_0).first.focus()
                start = time.perf_counter()
                for index in range(changes):
                    page.keyboard.press("ArrowRight" if index % 2 == 0 else "ArrowLeft")
                page.wait_for_timeout(100)  # the last animation frame
                seconds = time.perf_counter() - start
                latency = page.evaluate("() => window.__latency")
                if len(latency["redraw"]) != changes:
                    raise RuntimeError(f"{changes} key presses but {len(latency['redraw'])} redraws")
                if page_errors:
                    raise RuntimeError(f"errors in the page: {page_errors}")
                chromium_version = browser.version
            finally:
                browser.close()
    return {
        "benchmark": "latent explorer: slider change -> redrawn image, static HTML page, headless Chromium",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "nproc": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "chromium": chromium_version,
        },
        "model": {"latent_dim": config.latent_dim, "hidden_units": config.hidden_units},
        "changes": changes,
        "target_ms": 16.0,
        "redraw": summarize(latency["redraw"]),
        "decode": summarize(latency["decode"]),
        "frame": summarize(latency["frame"]),
        "seconds_for_all_key_presses": round(seconds, 2),
        "static_page": {
            "works_without_kernel": True,
            "max_gray_difference_vs_keras": max_gray_difference,
            "page_bytes": page_bytes,
            "explorer_state_bytes": explorer.state_size(),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200, help="slider changes to time (default 200)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS.relative_to(REPO)})")
    args = parser.parse_args(argv)
    if args.changes < 2:
        parser.error("--changes must be at least 2")
    if not chromium.available():
        print(f"needs Chromium at {chromium.CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 2
    result = measure(args.changes)
    for name in ("redraw", "decode", "frame"):
        numbers = result[name]
        print(f"{name:7s} median {numbers['median_ms']:6.2f} ms   p95 {numbers['p95_ms']:6.2f} ms   max {numbers['max_ms']:6.2f} ms")
    verdict = "under" if result["redraw"]["p95_ms"] < result["target_ms"] else "OVER"
    print(f"redraw p95 is {verdict} the {result['target_ms']:.0f} ms target ({result['changes']} changes)")
    print(f"static page: no kernel needed; browser vs Keras: max {result['static_page']['max_gray_difference_vs_keras']} gray levels")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
