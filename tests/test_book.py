"""The HTML book builds offline and every page works in a browser with no network.

The book is built (``scripts/build_book.py``: warnings are errors) into a temporary
folder, served on 127.0.0.1, and every page is opened in headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright) with every request that is not for
127.0.0.1 blocked and recorded. Per page: no blocked or failed request, no JavaScript
error, every image loaded, maths typeset by the site's own MathJax, exercise solutions
(one under each check cell, put there by the build) hidden until asked for. Every
latent explorer on every page renders, and moving one of its sliders (or pressing its
reset button, an example digit, or for a conditional model's explorer a label button)
changes the decoded image, with no kernel; the decoder page must hold one. The intro,
a lesson with maths and the decoder page are also checked opened as files (``file://``,
no server), as the README suggests. Screenshots of every page land in
``test-artifacts/book/``.

Every page is opened once (``look_at``): light mode, then narrowed to 390 px, then
switched to dark mode by the theme's own colour-mode button; axe-core runs in both
modes. Each test reads its own part of that one look (``looks``), so each still fails
for its own reason. Only requests that may leave the machine are routed through Python.

Skipped only when ``/usr/bin/chromium`` is absent (``apt-get install chromium``).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import browser as chromium

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "book"
DECODER_PAGE = "notebooks/06_decoder.html"
# Console errors deliberately ignored, with why. (None so far: every message counts.)
IGNORED_CONSOLE_ERRORS: tuple[str, ...] = ()

# `pytest -m browser` (make test-browsers, CI) runs these; plain `pytest` leaves them out
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not chromium.available(), reason="needs Debian's chromium: apt-get install chromium")]


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


@pytest.fixture(scope="module")
def server(site):
    with chromium.static_server(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # the "browser" extra; never `playwright install`

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        yield browser
        browser.close()


class Visit:
    """One page opened with the network cut off to everything but the local server."""

    def __init__(self, browser, server: str, path: str, width: int = 1280, mode: str = "light", color_scheme=None):
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.origin = server
        self.axe_running = False  # see axe_violations: axe-core's own stylesheet requests
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, service_workers="block", color_scheme=color_scheme
        )
        # The theme's colour mode, as the reader's switch stores it (before the first
        # load only: a later switch stores its own, which a reload must keep).
        self.context.add_init_script(f"if (localStorage.getItem('mode') === null) localStorage.setItem('mode', '{mode}')")
        # Only what may leave the machine is routed (matched by the driver, not Python).
        self.context.route(chromium.NOT_LOCAL, self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        self.page.goto(f"{server}/{path}", wait_until="load")

    def _route(self, route):
        url = route.request.url
        if chromium.is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _axe_request(self, request) -> bool:
        """A request axe-core makes itself while it runs (``preload``: it re-reads the
        page's stylesheets with XMLHttpRequest, resolving ``@import`` against the page,
        not the stylesheet): the page's readers never make it."""
        return self.axe_running and request.resource_type in ("xhr", "fetch")

    def _console(self, message):
        if self.axe_running and "Failed to load resource" in message.text:
            return  # the console's echo of an axe-core request (_axe_request); a page's own shows as failed request
        if message.type == "error" and not any(text in message.text for text in IGNORED_CONSOLE_ERRORS):
            self.errors.append(f"console.error: {message.text} ({message.location.get('url', '')})")

    def _request_failed(self, request):
        if chromium.is_local(request.url) and not self._axe_request(request):
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response):
        if response.status >= 400 and not self._axe_request(response.request):
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


def content_pages(site: Path) -> list[str]:
    """The pages a reader reads: all but redirects (index.html forwards to the intro)."""
    return [page for page in all_pages(site) if 'http-equiv="refresh"' not in (site / page).read_text(encoding="utf-8").lower()]


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

    # Exercise solutions start hidden: the build puts each one, from the package, under its
    # check cell as a code cell tagged solution and hide-cell, with no output (issue #26).
    # test_solutions_are_collapsed_and_open_on_click opens one.
    hidden_cells = page.locator(".cell.tag_hide-input, .cell.tag_hide-cell")
    for index in range(hidden_cells.count()):
        cell = hidden_cells.nth(index)
        hidden = ".cell_input, .cell_output" if "tag_hide-cell" in (cell.get_attribute("class") or "") else ".cell_input"
        if any(part.is_visible() for part in cell.locator(hidden).all()):
            problems.append(f"hidden cell {index} is not hidden")
    if path.startswith("notebooks/"):
        solutions = page.locator(".cell.tag_solution.tag_hide-cell").count()
        checks = page.locator(".cell:not(.tag_solution) .cell_input", has_text=".check(answer)").count()
        if solutions < 2 or solutions != checks:
            problems.append(f"{solutions} hidden solutions for {checks} exercise check cells")
        if page.locator(".cell.tag_solution .cell_output").count():
            problems.append("a solution cell has an output")
        if re.search(r"(?m)^Correct\. ", page.locator("main").inner_text()):
            problems.append("a check prints \"Correct.\": an answer was left in the lesson")

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


EXPLORER = ".vae-latent-explorer"  # vae_lessons.widgets.DOM_CLASS
SLIDERS = "input[type=range]:visible"
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


PACKED_FORMAT = "vae-lessons-mlp-decoder-int8/1"  # vae_lessons.widgets.PACKED_FORMAT
EXPECTED_EXPLORERS = """(format) => [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-state+json"]')]
    .flatMap((script) => Object.values(JSON.parse(script.textContent).state || {}))
    .filter((model) => model.state && model.state.packed_decoder
                       && model.state.packed_decoder.format === format).length"""


def expected_explorers(page) -> int:
    """How many latent explorers the page's saved widget state holds: its widget models
    with a packed decoder (the explorer's JavaScript, also saved there, names the format
    too, so the text alone would count twice)."""
    return page.evaluate(EXPECTED_EXPLORERS, PACKED_FORMAT)


def check_latent_explorers(visit: Visit, prefix: str, required: bool = False) -> list[str]:
    """Every latent explorer of the page renders and redraws with no kernel.

    ``required``: the page must hold one (the decoder page). Screenshots
    ``{prefix}__explorer-before.png`` ... of the first, ``{prefix}__explorer2-...`` of
    the second, and so on.
    """
    page = visit.page
    expected = expected_explorers(page)
    if expected == 0:
        return ["no latent explorer in the page's widget state"] if required else []
    canvases = f"{EXPLORER} canvas.vae-latent-explorer__canvas"
    try:
        page.wait_for_selector(f"{EXPLORER} canvas", state="visible", timeout=20_000)
        page.wait_for_function(
            "([selector, count]) => document.querySelectorAll(selector).length >= count",
            arg=[canvases, expected], timeout=20_000,
        )
    except Exception:  # playwright's TimeoutError
        rendered = page.locator(canvases).count()
        return [f"{rendered} of the {expected} latent explorers ({EXPLORER}) rendered"]
    problems = []
    for index in range(expected):
        name = prefix + ("" if index == 0 else str(index + 1))
        found = check_latent_explorer(page, page.locator(EXPLORER).nth(index), name)
        problems += [f"explorer {index + 1}: {problem}" if expected > 1 else problem for problem in found]
    return problems


def check_latent_explorer(page, explorer, prefix: str) -> list[str]:
    """One explorer draws a digit and redraws it when a slider moves, with no kernel."""
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
    # A screen reader hears the new z: a live region says it in words.
    status = explorer.locator("[aria-live]")
    if status.count() == 0 or not re.match(r"(digit \d, )?z = \(", status.first.inner_text()):
        problems.append("no live text announcing z (aria-live, 'z = (...)' or 'digit 7, z = (...)')")
    # A conditional model's label chooser: ten buttons in a named group; Enter on one
    # presses it (aria-pressed), redraws the digit and the live text says the digit.
    choices = explorer.locator(".vae-latent-explorer__label-choice")
    if choices.count():
        problems += check_label_chooser(page, explorer, choices, status, digest, prefix)
    # The example digits work from the keyboard too: Tab to one, press Enter.
    examples = explorer.locator(".vae-latent-explorer__example")
    if examples.count():
        spoken = status.first.inner_text()
        examples.nth(1).focus()
        outline = examples.nth(1).evaluate("(button) => getComputedStyle(button).outlineStyle")
        if outline in ("none", ""):
            problems.append("a focused example button shows no focus ring")
        page.keyboard.press("Enter")
        if _settled(page, lambda: status.first.inner_text(), spoken) == spoken:
            problems.append("Enter on an example digit did not change z")
    # The other way round: a button sets z in the front end; the linked sliders follow.
    reset = explorer.get_by_role("button", name="Reset z = 0")
    if reset.count():
        values = explorer.locator(".vae-latent-explorer__readout")
        readouts = values.all_inner_texts()
        reset.first.click()
        if _settled(page, values.all_inner_texts, readouts) == readouts:
            problems.append("the reset button did not move the sliders")
        if _settled(page, digest, after) == after:
            problems.append("the reset button did not change the decoded image")
    return problems


def check_label_chooser(page, explorer, choices, status, digest, prefix: str) -> list[str]:
    """A conditional explorer's label buttons work from the keyboard and redraw the digit."""
    problems = []
    if choices.count() != 10:
        problems.append(f"the label chooser has {choices.count()} buttons, expected 10 (digits 0-9)")
    if explorer.get_by_role("group", name=re.compile("label", re.IGNORECASE)).count() != 1:
        problems.append("the label buttons are not in one group named for the label")
    pressed = [index for index in range(choices.count()) if choices.nth(index).get_attribute("aria-pressed") == "true"]
    if len(pressed) != 1:
        return problems + [f"{len(pressed)} label buttons are pressed (aria-pressed), expected 1"]
    target = (pressed[0] + 3) % choices.count()
    explorer.screenshot(path=str(ARTIFACTS / f"{prefix}__explorer-label-before.png"))
    before, spoken = digest(), status.first.inner_text()
    choices.nth(target).focus()
    page.keyboard.press("Enter")
    after = _settled(page, digest, before)
    explorer.screenshot(path=str(ARTIFACTS / f"{prefix}__explorer-label-after.png"))
    if after == before:
        problems.append(f"Enter on label button {target} did not change the decoded image")
    if choices.nth(target).get_attribute("aria-pressed") != "true" or choices.nth(pressed[0]).get_attribute("aria-pressed") != "false":
        problems.append(f"label button {target} did not become the pressed one")
    if not _settled(page, lambda: status.first.inner_text(), spoken).startswith(f"digit {target}, z = ("):
        problems.append(f"the live text does not say the new label: {status.first.inner_text()!r}")
    return problems


def assert_pages_work(browser, base, pages, screenshots, prefix="decoder"):
    """Open each page under ``base`` and check it and every latent explorer on it.

    With ``screenshots``, save a full-page screenshot of each page to ``ARTIFACTS``.
    Fails listing every problem of every page.
    """
    report: dict[str, list[str]] = {}
    for path in pages:
        visit = Visit(browser, base, page_url(path))
        try:
            problems = check_page(visit, path) + check_explorers_of(visit, path, prefix)
            if screenshots:
                visit.page.wait_for_timeout(200)  # let late requests and errors surface
                full_page_screenshot(visit, screenshot_name(path))
        finally:
            visit.close()
        problems += visit.problems()
        if problems:
            report[path] = problems
    assert not report, format_report(report)


def page_url(path: str) -> str:
    """The search page is opened with a query, so its results are checked too."""
    return path + ("?q=decoder" if path == "search.html" else "")


def check_explorers_of(visit: Visit, path: str, prefix: str = "decoder") -> list[str]:
    """Every explorer of every page; the decoder page must hold one."""
    page_prefix = prefix if path == DECODER_PAGE else prefix.removesuffix("decoder") + screenshot_name(path)[:-4]
    return check_latent_explorers(visit, page_prefix, required=path == DECODER_PAGE)


def full_page_screenshot(visit: Visit, name: str) -> None:
    visit.page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    visit.page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def format_report(report: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}:\n  " + "\n  ".join(items) for path, items in report.items())


# --- accessibility, layout, figures: what one look at each page finds -----------------

# axe-core rules switched off, with why. (None: every serious or critical violation counts.)
DISABLED_AXE_RULES: dict[str, str] = {}
# Rules axe-core marks "experimental" (off by default) that we want on: WCAG 2.5.3, a
# control's accessible name contains its visible text (voice-control users say it).
EXTRA_AXE_RULES = ("label-content-name-mismatch",)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LESSON_PAGE = DECODER_PAGE  # the page of the screenshots: figures, code, maths and the explorer
MODES = ("light", "dark")
LAPTOP, PHONE = 1280, 390  # viewport widths, px


def settle(visit: Visit, path: str = "") -> list[str]:
    """Wait for what changes the page after load: MathJax, widgets, the explorer.
    Returns the problems ``check_page`` found on the way (``path``'s own checks too)."""
    problems = check_page(visit, path)
    if visit.page.locator(EXPLORER).count():
        visit.page.wait_for_selector(f"{EXPLORER} canvas", state="visible", timeout=20_000)
    return problems


AXE_RUN = """(options) => axe.run(document, options).then((results) => results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({rule: violation.id, impact: violation.impact, help: violation.help,
                          targets: violation.nodes.slice(0, 5).map((node) => node.target)})))"""


def axe_violations(visit_or_page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on a page (or a Visit).

    axe-core is injected from node_modules (offline); while it runs, a Visit knows that
    the stylesheet requests it makes are its own (``Visit.axe_running``).
    """
    assert chromium.AXE_JS.is_file(), f"{chromium.AXE_JS} is missing: run `npm ci`"
    page = getattr(visit_or_page, "page", visit_or_page)
    visit = visit_or_page if isinstance(visit_or_page, Visit) else None
    if visit is not None:
        visit.axe_running = True
    try:
        page.add_script_tag(path=str(chromium.AXE_JS))
        options = {
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
            "rules": {rule: {"enabled": False} for rule in DISABLED_AXE_RULES}
            | {rule: {"enabled": True} for rule in EXTRA_AXE_RULES},
        }
        return page.evaluate(AXE_RUN, options)  # waits for axe.run's promise
    finally:
        if visit is not None:
            visit.axe_running = False


WIDE_CODE = """() => [...document.querySelectorAll('#main-content pre')]
    .filter((pre) => pre.scrollWidth > pre.clientWidth + 1)
    .map((pre) => pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '').slice(0, 80))"""
WIDE_ELEMENTS = """(width) => [...document.querySelectorAll('#main-content img, #main-content canvas, #main-content .vae-latent-explorer')]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .map((element) => element.tagName + '.' + element.className)"""
COLUMN_CHARACTERS = """() => {
    const pre = document.querySelector('#main-content .cell_input pre');
    const style = getComputedStyle(pre);
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(100);
    pre.appendChild(probe);
    const character = probe.getBoundingClientRect().width / 100;
    probe.remove();
    return Math.floor((pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)) / character);
}"""
FIGURE_BACKGROUNDS = """() => [...document.querySelectorAll('.cell_output img')].map((img) => {
    for (let node = img; node; node = node.parentElement) {
        const color = getComputedStyle(node).backgroundColor;
        if (color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') return color;
    }
    return 'none';
})"""


def phone_problems(page) -> list[str]:
    """At 390 px: the page does not scroll sideways, figures scale, the explorer stacks."""
    problems = []
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    if page_width > PHONE:
        problems.append(f"the page is {page_width} px wide")
    problems += [f"wider than the screen: {name}" for name in page.evaluate(WIDE_ELEMENTS, PHONE)]
    explorer = page.locator(EXPLORER)
    if explorer.count():
        canvas = explorer.first.locator("canvas").first.bounding_box()
        controls = explorer.first.locator(".vae-latent-explorer__controls").bounding_box()
        if controls["y"] < canvas["y"] + canvas["height"]:
            problems.append("the explorer's controls sit beside the digit instead of under it")
    return problems


@dataclasses.dataclass
class PageReport:
    """What one look at one page found, one field per test that reads it."""

    problems: list[str] = dataclasses.field(default_factory=list)  # offline: test_every_page_works_offline
    axe: dict[str, list] = dataclasses.field(default_factory=dict)  # mode -> violations (or what stopped axe)
    themes: dict[str, str] = dataclasses.field(default_factory=dict)  # mode stored (", reloaded") -> data-theme
    wide_code: list[str] = dataclasses.field(default_factory=list)  # at 1280 px
    phone: list[str] = dataclasses.field(default_factory=list)  # at 390 px
    column_characters: int = 0  # the code column's width in characters, at 1280 px
    backgrounds: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # "mode-width" -> figures' backgrounds


def _failure(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"


def look_at(browser, server: str, path: str, content: bool) -> PageReport:
    """Open ``path`` once at 1280 px, look at it in light mode, then switch it to dark
    mode, and record everything the page tests check, each under its own field.

    The page opens with the light mode stored (as the reader's colour-mode switch stores
    it) while the system asks for dark, so its ``data-theme`` shows that the stored mode
    wins. In light mode: the offline checks, axe-core, the code blocks at 1280 px, the
    layout narrowed to 390 px (after axe-core), then the explorers (they move sliders
    and press buttons) and the screenshot. Then the reader's colour-mode button switches
    the same page to dark mode (``_look_dark``), where axe-core runs again: one load per
    page, where a second page in dark mode cost as much again (loading, typesetting the
    maths, drawing the widgets) for the same document. Only ``content`` pages (not
    redirects) get more than the offline checks. An exception in one step is reported by
    the tests that step serves, and the look goes on.
    """
    report = PageReport()
    visit = None
    url = page_url(path)
    try:
        visit = Visit(browser, server, url, width=LAPTOP, mode="light", color_scheme="dark")
        try:
            report.problems += settle(visit, path)
            settled = True
        except Exception as error:  # noqa: BLE001 - every test this page serves hears of it
            report.problems.append(f"did not settle: {_failure(error)}")
            settled = False
        if content and settled:
            report.themes["light"] = visit.page.evaluate(THEME)
            report.wide_code = visit.page.evaluate(WIDE_CODE)
            if path == LESSON_PAGE:
                report.column_characters = visit.page.evaluate(COLUMN_CHARACTERS)
                lesson_screenshot(visit, report, "light", LAPTOP)
            report.axe["light"] = _axe(visit)
            report.phone = _look_phone(visit, path, report, "light")  # after axe-core: it reads the layout
        elif content:
            report.axe["light"] = report.wide_code = report.phone = [
                f"the light page did not settle: {report.problems[-1]}"
            ]
        # after axe-core, as the explorers' checks move sliders and press buttons
        report.problems += check_explorers_of(visit, path)
        full_page_screenshot(visit, screenshot_name(path))
        if content and settled:
            # The search page too, with its results and their highlighted terms (book.css
            # gives them contrast in dark mode).
            _look_dark(visit, path, report)
    except Exception as error:  # noqa: BLE001
        report.problems.append(f"the look at the page stopped: {_failure(error)}")
    finally:
        if visit is not None:
            visit.close()
    if visit is not None:  # what the network and the console reported, in both modes
        report.problems += visit.problems()
    for mode in MODES if content else ():
        report.axe.setdefault(mode, ["axe-core did not run"])
    return report


THEME = "() => document.documentElement.dataset.theme"
STORED_MODE = "() => localStorage.getItem('mode')"
# Resolves once every CSS transition under way has ended (getAnimations() applies the
# pending style changes first, so a transition the switch just started is among them).
TRANSITIONS_DONE = """() => Promise.all(document.getAnimations()
    .filter((animation) => animation instanceof CSSTransition)
    .map((animation) => animation.finished.catch(() => null))).then(() => true)"""


def _axe(visit: Visit) -> list:
    """axe-core's serious and critical violations on the page as it is, or what stopped it."""
    try:
        return axe_violations(visit)
    except Exception as error:  # noqa: BLE001
        return [f"axe-core failed: {_failure(error)}"]


def _look_dark(visit: Visit, path: str, report: PageReport) -> None:
    """Switch the settled page to dark mode with the theme's colour-mode button, as a
    reader does; then axe-core on it, and the lesson's screenshots and figures.

    The button cycles through the modes (auto, light, dark, in an order that depends on
    the system's scheme); its click is dispatched to the button, so no hover or focus
    leaves a tooltip open for axe-core to read. The switch stores the mode; on the
    lesson page a reload then shows that the stored dark mode applies as a page loads.
    """
    page = visit.page
    try:
        switch = page.locator(".theme-switch-button").first
        for _ in range(3):
            if page.evaluate("() => document.documentElement.dataset.mode") == "dark":
                break
            switch.dispatch_event("click")
        page.evaluate(TRANSITIONS_DONE)  # the theme fades some colours: axe-core reads the final ones
        stored = page.evaluate(STORED_MODE)
        report.themes["dark"] = page.evaluate(THEME) if stored == "dark" else f"(the switch stored mode {stored!r})"
        if path == LESSON_PAGE:
            lesson_screenshot(visit, report, "dark", LAPTOP)
        report.axe["dark"] = _axe(visit)
        if path == LESSON_PAGE:
            _look_phone(visit, path, report, "dark")
            page.reload(wait_until="load")
            report.problems += [f"{problem} (dark mode, reloaded)" for problem in settle(visit)]
            report.themes["dark, reloaded"] = page.evaluate(THEME)
    except Exception as error:  # noqa: BLE001
        report.axe["dark"] = [f"the page could not be looked at in dark mode: {_failure(error)}"]


def _look_phone(visit: Visit, path: str, report: PageReport, mode: str) -> list[str]:
    """The layout of the settled page narrowed to 390 px (CSS lays the page out again
    for the new width, as when it loads at 390 px); then back to 1280 px."""
    try:
        visit.page.set_viewport_size({"width": PHONE, "height": 900})
        problems = phone_problems(visit.page)
        if path == LESSON_PAGE:
            lesson_screenshot(visit, report, mode, PHONE)
    except Exception as error:  # noqa: BLE001
        problems = [f"the {PHONE} px layout could not be read: {_failure(error)}"]
    finally:
        visit.page.set_viewport_size({"width": LAPTOP, "height": 900})
    return problems


def lesson_screenshot(visit: Visit, report: PageReport, mode: str, width: int) -> None:
    """The lesson's figures' backgrounds, and its screenshot for people to look at."""
    report.backgrounds[f"{mode}-{width}"] = visit.page.evaluate(FIGURE_BACKGROUNDS)
    full_page_screenshot(visit, f"lesson-06-{width}px-{mode}.png")


@pytest.fixture(scope="module")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def shares(site: Path, count: int) -> list[list[str]]:
    """The pages in ``count`` shares of about equal work: the largest page (most
    outputs, figures, maths) first, each to the share with the fewest bytes so far."""
    pages = sorted(all_pages(site), key=lambda page: (-(site / page).stat().st_size, page))
    parts: list[list[str]] = [[] for _ in range(count)]
    sizes = [0] * count
    for page in pages:
        emptiest = sizes.index(min(sizes))
        parts[emptiest].append(page)
        sizes[emptiest] += (site / page).stat().st_size
    return parts


def _look_in_own_browser(server: str, pages: list[str], content: set[str]) -> dict[str, PageReport]:
    """``look_at`` each page in a Chromium of this thread's own: Playwright's sync API
    belongs to the thread that started it, so each thread starts its own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            return {path: look_at(browser, server, path, path in content) for path in pages}
        finally:
            browser.close()


@pytest.fixture(scope="module")
def looks(site, server, browser, artifacts) -> dict[str, PageReport]:
    """One look at every page (``look_at``), shared by the tests below.

    Two pages at a time, half of them in a second thread with its own Chromium: a look
    mostly waits (for pages to load, MathJax, axe-core, the explorers to redraw), so
    two overlap where one left the CPU idle, and the file's time halves for the same
    work. Each page still has its own browser context; the reports are the same.
    """
    content = set(content_pages(site))
    mine, other = shares(site, 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        theirs = pool.submit(_look_in_own_browser, server, other, content)
        reports = {path: look_at(browser, server, path, path in content) for path in mine}
        reports.update(theirs.result())
    return {path: reports[path] for path in all_pages(site)}


def test_every_page_works_offline(site, looks):
    pages = all_pages(site)
    assert {"intro.html", "setup.html", "references.html"} <= set(pages), pages
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.stem}.html" in pages, f"{notebook.name} is not in the book"
    report = {path: look.problems for path, look in looks.items() if look.problems}
    assert not report, format_report(report)


@pytest.mark.parametrize("mode", MODES)
def test_no_serious_accessibility_violations(looks, mode):
    """axe-core (from node_modules, injected offline) on every page, WCAG 2.1 A and AA."""
    report = {}
    for path, look in looks.items():
        if not look.axe:
            continue  # a redirect
        # light: as loaded (the system asking for dark); dark: after the switch, and reloaded
        themes = {key: theme for key, theme in look.themes.items() if key.split(",")[0] == mode}
        found = [f"{key}: the page shows data-theme={theme!r}, not the stored {mode!r}"
                 for key, theme in (themes or {mode: None}).items() if theme != mode]
        if found + look.axe[mode]:
            report[path] = found + look.axe[mode]
    (ARTIFACTS / f"axe-{mode}.json").write_text(json.dumps(report, indent=1))
    assert not report, json.dumps(report, indent=1)[:8000]


def test_no_code_block_scrolls_sideways_at_1280px(looks):
    """Every code block fits its column on a laptop (lesson code is formatted to fit)."""
    import tomllib

    line_length = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["ruff"]["line-length"]
    fits = looks[LESSON_PAGE].column_characters
    assert fits >= line_length, f"the code column holds {fits} characters; pyproject.toml formats to {line_length}"
    report = {path: look.wide_code for path, look in looks.items() if look.wide_code}
    count = sum(len(lines) for lines in report.values())
    assert not report, f"{count} code blocks wider than their column:\n" + json.dumps(report, indent=1)[:6000]


def test_pages_are_readable_on_a_phone(looks):
    """At 390 px: no page scrolls sideways, figures scale, the explorer stacks."""
    report = {path: look.phone for path, look in looks.items() if look.phone}
    assert not report, json.dumps(report, indent=1)[:6000]


@pytest.mark.parametrize("width", [LAPTOP, PHONE])
@pytest.mark.parametrize("mode", MODES)
def test_lesson_screenshots(looks, width, mode):
    """Screenshots of a lesson for people to look at: test-artifacts/book/lesson-*.png.

    Also checks that figures stay legible in dark mode: every output image sits on a
    light background (the figures are drawn for white paper).
    """
    backgrounds = looks[LESSON_PAGE].backgrounds.get(f"{mode}-{width}")
    assert (ARTIFACTS / f"lesson-06-{width}px-{mode}.png").is_file()
    assert backgrounds, "no figure on the lesson page"
    dark = [color for color in backgrounds if not _is_light(color)]
    assert not dark, f"figures on a dark background in {mode} mode: {dark}"




SOLUTIONS_PAGE = "notebooks/01_data.html"  # a lesson with exercises


def test_solutions_are_collapsed_and_open_on_click(server, browser):
    """Issue #26: the lessons hold no solutions; the book puts each exercise's solution (from
    the package, what ``lesson_NN.exK.solution()`` prints) under its check cell, collapsed,
    with no output, until the reader clicks its toggle once. Screenshots of the closed and
    the opened solution land in ``test-artifacts/book/``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visit = Visit(browser, server, SOLUTIONS_PAGE)
    try:
        page = visit.page
        solutions = page.locator(".cell.tag_solution.tag_hide-cell")
        assert solutions.count() >= 2, "the lesson's exercises come with collapsed solutions"
        solution = solutions.first
        code = solution.locator(".cell_input")
        assert code.count() == 1 and solution.locator(".cell_output").count() == 0, "a solution: code, no output"
        toggle = solution.locator("summary")
        assert toggle.is_visible() and toggle.inner_text().strip() == "Show the solution"
        assert not code.is_visible(), "the solution starts collapsed"
        check = solution.locator("xpath=preceding-sibling::div[contains(@class, 'cell')][1]")
        assert ".check(answer)" in check.locator(".cell_input").inner_text(), "the solution sits under its check cell"
        assert check.locator(".cell_output").inner_text().startswith("Not attempted yet")

        def show_exercise():  # the solution, with its question and check cells above it
            solution.evaluate("(cell) => cell.scrollIntoView({block: 'start'})")
            page.evaluate("() => window.scrollBy(0, -380)")

        show_exercise()
        page.screenshot(path=str(ARTIFACTS / "solution__closed.png"))

        toggle.click()
        code.wait_for(state="visible", timeout=5_000)
        assert toggle.inner_text().strip() == "Hide the solution"
        from vae_lessons.exercises import lesson_01

        shown = code.inner_text()
        assert all(line.strip() in shown for line in lesson_01.ex1.solution_code.splitlines()), "the package's solution"
        assert not solutions.nth(1).locator(".cell_input").is_visible(), "the other solutions stay closed"
        show_exercise()
        page.screenshot(path=str(ARTIFACTS / "solution__opened.png"))
        assert visit.problems() == []
    finally:
        visit.close()


def test_pages_work_opened_as_files(site, browser):
    """The README says: open book/_build/html/index.html. No server: file:// URLs."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = [page for page in ("intro.html", "notebooks/03_loss.html", DECODER_PAGE) if (site / page).is_file()]
    assert_pages_work(browser, site.as_uri(), pages, screenshots=False, prefix="file__decoder")


def _is_light(color: str) -> bool:
    channels = [float(value) for value in color[color.index("(") + 1 : -1].split(",")[:3]]
    return sum(channels) / 3 > 200


def test_every_figure_has_alternative_text(site):
    """Each output image says what it shows, not its file name (see vae_lessons.alt_text)."""
    import re

    missing = {}
    for path in content_pages(site):
        html = (site / path).read_text(encoding="utf-8")
        for output in re.findall(r'<div class="cell_output.*?</div>\s*</div>', html, flags=re.S):
            for alt in re.findall(r'<img alt="([^"]*)"', output):
                if not alt.strip() or re.search(r"\.(png|jpe?g|svg|gif)$", alt):
                    missing.setdefault(path, []).append(alt)
    count = sum(len(alts) for alts in missing.values())
    assert not missing, f"{count} figures without a description:\n" + json.dumps(missing, indent=1)[:3000]
