"""What the browser tests and the explorer benchmark share: Chromium, a local server, probes.

* :func:`launch`: Debian's Chromium (``/usr/bin/chromium``) through Playwright's
  ``executable_path``, headless, with flags that keep it from reaching for the network
  on its own. Never ``playwright install`` (it downloads a browser); install Debian's
  package with ``apt-get install -y chromium`` (``make test-browsers`` does when it can).
* :func:`static_server`: a folder served on 127.0.0.1 (a free port), in a thread.
* :func:`explorer_state`: what the latent explorer drew, read from its canvas.
* :func:`AXE_JS`: axe-core, from ``node_modules/`` (``npm ci``), for the accessibility test.

Import it as ``from scripts import browser`` (pytest's ``pythonpath`` holds the repository).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
EXPLORER_CANVAS = ".vae-latent-explorer__canvas"  # see vae_lessons/_static/latent_explorer.js


def available() -> bool:
    """Whether Debian's Chromium is installed (the browser tests skip without it)."""
    return CHROMIUM.exists()


def launch(playwright, **options):
    """Start headless Chromium from ``/usr/bin/chromium`` with the offline flags."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, **options)


def is_local(url: str) -> bool:
    """Whether ``url`` stays on this machine (127.0.0.1, files, data: and blob: URLs)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "file") or (
        parts.scheme in ("http", "ws") and parts.hostname in ("127.0.0.1", "localhost")
    )


# The URLs ``is_local`` refuses, as a regular expression a browser route can take: the
# Playwright driver matches it itself, so a local request never waits for a round trip
# to Python (a route with a Python predicate pauses every request). A route handler still
# asks ``is_local``, which stays the rule; this pattern only has to include all it refuses.
NOT_LOCAL = re.compile(r"^(?!(?:data|blob|file):|(?:http|ws)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:[/?#]|$))")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def static_server(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def explorer_state(page, selector: str = EXPLORER_CANVAS) -> dict:
    """The first latent explorer's drawing on ``page``.

    Returns
    -------
    state : dict
        ``gray``: list of 784 ints (the canvas's gray levels, row-major), ``z``: the
        list the front end decoded, ``draws``: how many times it has drawn,
        ``status``: its live text (what a screen reader announces).
    """
    return page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const rgba = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
            const status = canvas.closest('.vae-latent-explorer').querySelector('[aria-live]');
            return {gray: Array.from({length: 784}, (_, i) => rgba[4 * i]),
                    z: JSON.parse(canvas.dataset.z), draws: Number(canvas.dataset.drawCount),
                    status: status ? status.textContent : null};
        }""",
        selector,
    )


def wait_for_new_draw(page, draws: int, selector: str = EXPLORER_CANVAS, timeout: float = 10_000) -> None:
    """Wait until the explorer has drawn more than ``draws`` times."""
    page.wait_for_function(
        "([selector, draws]) => Number(document.querySelector(selector).dataset.drawCount) > draws",
        arg=[selector, draws],
        timeout=timeout,
    )
