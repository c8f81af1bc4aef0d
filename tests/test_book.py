"""The HTML book builds offline and every page works in a browser with no network.

The book is built (``scripts/build_book.py``: warnings are errors) into a temporary
folder, served on 127.0.0.1, and every page is opened in headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright) with every request that is not for
127.0.0.1 blocked and recorded. Per page: no blocked or failed request, no JavaScript
error, every image loaded, maths typeset by the site's own MathJax, exercise solutions
hidden until asked for. On the decoder page the latent explorer's sliders are there and
moving one (or pressing its reset button) changes the decoded image, with no kernel. The
intro, a lesson with maths and the decoder page are also checked opened as files
(``file://``, no server), as the README suggests. Screenshots of every page land in
``test-artifacts/book/``.

Skipped only when ``/usr/bin/chromium`` is absent (``apt-get install chromium``).
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
ARTIFACTS = REPO / "test-artifacts" / "book"
DECODER_PAGE = "notebooks/06_decoder.html"
# Console errors deliberately ignored, with why. (None so far: every message counts.)
IGNORED_CONSOLE_ERRORS: tuple[str, ...] = ()

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A fresh build of the book; returns the folder holding index.html."""
    output = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_book.py"), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    html = output / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # the "browser" extra; never `playwright install`

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Visit:
    """One page opened with the network cut off to everything but the local server."""

    def __init__(self, browser, server: str, path: str):
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.origin = server
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        self.page.goto(f"{server}/{path}", wait_until="load")

    def _is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "file") or (parts.scheme == "http" and parts.hostname == "127.0.0.1")

    def _route(self, route):
        url = route.request.url
        if self._is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _console(self, message):
        if message.type == "error" and not any(text in message.text for text in IGNORED_CONSOLE_ERRORS):
            self.errors.append(f"console.error: {message.text} ({message.location.get('url', '')})")

    def _request_failed(self, request):
        if self._is_local(request.url):
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def problems(self) -> list[str]:
        """What the network and the console reported while the page was open."""
        blocked = [f"blocked non-local request: {url}" for url in self.blocked]
        return blocked + [f"failed request: {failure}" for failure in self.failed] + self.errors

    def close(self):
        self.context.close()


def all_pages(site: Path) -> list[str]:
    pages = (path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    return sorted(page for page in pages if not page.startswith("_static/"))


def screenshot_name(path: str) -> str:
    return path.removesuffix(".html").replace("/", "__") + ".png"


def check_page(visit: Visit, path: str) -> list[str]:
    """Everything a reader would notice on one page; returns the problems found."""
    page = visit.page
    problems: list[str] = []

    # Maths: every math node on the page is typeset by MathJax, without TeX errors.
    math_nodes = page.locator(".math").count()
    if math_nodes:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")
        typeset = page.locator("mjx-container").count()
        if typeset < math_nodes:
            problems.append(f"{typeset} of {math_nodes} formulas typeset")
        if page.locator("mjx-merror").count():
            problems.append("MathJax reported a TeX error")

    # Images: all loaded (naturalWidth > 0 once complete).
    page.wait_for_function("() => [...document.images].every((img) => img.complete)", timeout=20_000)
    broken = page.evaluate("() => [...document.images].filter((img) => !img.naturalWidth).map((img) => img.src)")
    problems += [f"image did not load: {src}" for src in broken]

    # Exercise solutions (cells tagged hide-input) start hidden; their outputs show.
    solutions = page.locator(".cell.tag_hide-input")
    for index in range(solutions.count()):
        source = solutions.nth(index).locator(".cell_input")
        if source.count() and source.first.is_visible():
            problems.append(f"solution {index} is not hidden")
    if path.startswith("notebooks/") and solutions.count() == 0:
        problems.append("no hidden solutions on a lesson page")

    # Search works from the site's own index (the page was opened with ?q=...).
    if path.startswith("search.html"):
        page.wait_for_selector("#search-results li", timeout=20_000)

    # Widgets: none left unrendered (the embedder replaces each view script).
    if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
        page.wait_for_function(
            "() => [...document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]')]"
            ".every((s) => s.previousElementSibling && s.previousElementSibling.matches('.jupyter-widgets, .widget-subarea, .jupyter-widgets-view'))"
            " || document.querySelectorAll('.jupyter-widgets').length > 0",
            timeout=20_000,
        )
    return problems


EXPLORER = ".vae-latent-explorer-box"  # vae_lessons.widgets.DOM_CLASS + "-box"
SLIDERS = "input[type=range]:visible, .widget-slider .noUi-handle:visible, [role=slider]:visible"
CANVAS_DIGEST = """(box) => [...box.querySelectorAll('canvas')].map((canvas) => {
    try { return canvas.toDataURL(); } catch (error) { return 'unreadable: ' + error; }
}).join('|')"""


def _settled(page, read, old, seconds: float = 5.0):
    """``read()`` once it differs from ``old`` (the front end redraws asynchronously),
    or its value after ``seconds``."""
    for _ in range(int(seconds * 10)):
        value = read()
        if value != old:
            return value
        page.wait_for_timeout(100)
    return read()


def check_latent_explorer(visit: Visit, prefix: str = "decoder") -> list[str]:
    """The explorer draws a digit and redraws it when a slider moves, with no kernel."""
    page = visit.page
    try:
        page.wait_for_selector(f"{EXPLORER} canvas", state="visible", timeout=20_000)
    except Exception:  # playwright's TimeoutError
        return [f"the latent explorer ({EXPLORER}) did not render"]
    explorer = page.locator(EXPLORER).first
    sliders = explorer.locator(SLIDERS)
    if sliders.count() == 0:
        return ["no slider in the latent explorer"]
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(ARTIFACTS / f"{prefix}__explorer-before.png"))

    def digest():
        return hashlib.sha256(explorer.evaluate(CANVAS_DIGEST).encode()).hexdigest()

    before = digest()
    slider = sliders.first
    slider.focus()
    for _ in range(50):  # by the slider's step (0.01 by default): z moves by 0.5
        slider.press("ArrowRight")
    page.wait_for_timeout(100)
    after = _settled(page, digest, before)
    explorer.screenshot(path=str(ARTIFACTS / f"{prefix}__explorer-after.png"))
    problems = [] if before != after else ["moving a slider did not change the decoded image"]
    # The other way round: a button sets z in the front end; the linked sliders follow.
    reset = explorer.get_by_role("button", name="Reset z = 0")
    if reset.count():
        values = explorer.locator(".widget-readout")
        readouts = values.all_inner_texts()
        reset.first.click()
        if _settled(page, values.all_inner_texts, readouts) == readouts:
            problems.append("the reset button did not move the sliders")
        if _settled(page, digest, after) == after:
            problems.append("the reset button did not change the decoded image")
    return problems


def assert_pages_work(browser, base, pages, screenshots, prefix="decoder"):
    """Open each page under ``base`` and check it; on the decoder page, move the explorer.

    With ``screenshots``, save a full-page screenshot of each page to ``ARTIFACTS``.
    Fails listing every problem of every page.
    """
    report: dict[str, list[str]] = {}
    for path in pages:
        visit = Visit(browser, base, path + ("?q=decoder" if path == "search.html" else ""))
        try:
            problems = check_page(visit, path)
            if path == DECODER_PAGE:  # present once notebooks/06_decoder.ipynb is
                problems += check_latent_explorer(visit, prefix=prefix)
            if screenshots:
                visit.page.wait_for_timeout(200)  # let late requests and errors surface
                visit.page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
                visit.page.screenshot(path=str(ARTIFACTS / screenshot_name(path)), full_page=True)
        finally:
            visit.close()
        problems += visit.problems()
        if problems:
            report[path] = problems
    assert not report, "\n".join(f"{path}:\n  " + "\n  ".join(items) for path, items in report.items())


def test_every_page_works_offline(site, server, browser):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    pages = all_pages(site)
    assert {"intro.html", "setup.html", "references.html"} <= set(pages), pages
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.stem}.html" in pages, f"{notebook.name} is not in the book"
    assert_pages_work(browser, server, pages, screenshots=True)


def test_pages_work_opened_as_files(site, browser):
    """The README says: open book/_build/html/index.html. No server: file:// URLs."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = [page for page in ("intro.html", "notebooks/03_loss.html", DECODER_PAGE) if (site / page).is_file()]
    assert_pages_work(browser, site.as_uri(), pages, screenshots=False, prefix="file__decoder")
