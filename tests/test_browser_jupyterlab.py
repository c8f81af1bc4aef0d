"""The lessons in real front ends: JupyterLab and Notebook 7, headless Chromium.

The front ends the README calls tested. One Jupyter server on 127.0.0.1 (private config,
autosave off) serves both (JupyterLab at ``/lab``, Notebook 7 at ``/notebooks``: each
front end is a server extension, and both are installed), and one headless Chromium,
which may reach nothing but 127.0.0.1 (the widget front ends come from the installed
wheels), opens a page per test: the decoder lesson ``notebooks/06_decoder.ipynb``, runs
all its cells from the Run menu, moves a slider of the explorer and checks that

* the image redraws, in the browser, from the new z;
* the kernel sees the new z (a scratch cell prints ``explorer.z``; it is never saved);
* the pixels the browser painted match the Keras decoder's image for that z;
* the reset, random-z and example-digit buttons work in the browser;
* (JupyterLab, a scratch notebook with a conditional VAE's explorer) clicking a label
  button redraws in the browser, the kernel sees the label and its Keras decoder draws
  the same pixels; a label set from a cell redraws the browser.

And in both front ends, a lesson with exercises (``notebooks/01_data.ipynb``) opened as a
student opens it shows no solution (issue #26): no line of any of its exercises'
solutions and no "Correct." verdict is on the page; each check cell shows the "Not
attempted yet" line and the comment that says how to ask for the solution; asked for
(``.solution()`` in a scratch cell), the solution prints.

Screenshots go to ``test-artifacts/`` (``jupyterlab_*.png``, ``notebook7_*.png``). The
notebook files are left byte-for-byte as they were. Needs Debian's Chromium at /usr/bin/chromium (``apt-get install -y chromium``);
skipped without it. The lesson must create ``explorer = widgets.LatentExplorer(...)``
and display it; the widget is found by the DOM classes the explorer sets.

Each test shuts down the kernels it started. Run alone:
``.venv/bin/pytest tests/test_browser_jupyterlab.py -q``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import importlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from dataclasses import dataclass

import numpy as np
import pytest

from scripts import browser as chromium

REPO = Path(__file__).resolve().parents[1]
LESSON = REPO / "notebooks" / "06_decoder.ipynb"
ARTIFACTS = REPO / "test-artifacts"
EXPLORER = ".vae-latent-explorer"  # the anywidget's element (see _static/latent_explorer.js)
CANVAS = chromium.EXPLORER_CANVAS
MAX_GRAY_DIFFERENCE = 8  # of 255: int8 weights (<= ~0.02) plus rounding to gray levels
MAX_MEAN_GRAY_DIFFERENCE = 0.5

# The scratch cell that asks the kernel what it sees; typed in the browser, never saved.
PROBE_CELL = (
    "print(__import__('json').dumps({'z': explorer.z.tolist(), 'image': "
    "__import__('base64').b64encode(explorer.image().astype('<f4').tobytes()).decode()}))"
)

# `pytest -m browser` (make test-browsers, CI) runs these; plain `pytest` leaves them out
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not chromium.available(), reason="needs Debian's chromium at /usr/bin/chromium")]


@dataclass(frozen=True)
class FrontEnd:
    """A Jupyter front end: its Python module, and the URL that opens a notebook in it."""

    name: str
    module: str
    notebook_url: str  # {path} is the notebook's path under the server's root


FRONT_ENDS = [
    FrontEnd("jupyterlab", "jupyterlab", "/lab/tree/{path}?reset"),
    FrontEnd("notebook7", "notebook", "/notebooks/{path}"),
]


# --- the JupyterLab server ---------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_lab_settings(settings_dir):
    """User settings: no autosave (the lesson must stay untouched), no news or update checks."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        # render every cell (no virtual scrolling), so the page holds all prompts and widgets
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for name, values in settings.items():
        path = Path(settings_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextlib.contextmanager
def jupyter_server(root_dir, scratch):
    """Run a Jupyter server (JupyterLab's) on 127.0.0.1; yields its base URL and token; shuts it down after.

    Every installed front end is a server extension: the one server serves JupyterLab
    and Notebook 7 alike.
    """
    port, token = free_port(), "vae-lessons-test-" + os.urandom(8).hex()
    scratch = Path(scratch)
    write_lab_settings(scratch / "settings")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "JUPYTER_DATA_DIR": str(scratch / "data"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
        "KERAS_BACKEND": "jax",  # the backend the lessons' stored outputs come from
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": "0",
    }
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log = open(scratch / "jupyterlab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root_dir)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Jupyter did not start:\n" + (scratch / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield base_url, token
    finally:
        with contextlib.suppress(OSError):
            request = urllib.request.Request(f"{base_url}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=5).close()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.terminate()
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()


def allow_only_this_machine(route, outside):
    """Playwright route handler: requests to 127.0.0.1 go through, others are recorded and blocked."""
    url = route.request.url
    if chromium.is_local(url):
        route.continue_()
    else:
        outside.append(url)
        route.abort()


# --- reading the page --------------------------------------------------------------------


def canvas_state(page):
    """The explorer's drawn gray levels (28, 28) uint8, its z, draw count and live text."""
    state = chromium.explorer_state(page)
    state["gray"] = np.array(state["gray"], dtype=np.uint8).reshape(28, 28)
    state["z"] = np.array(state["z"], dtype=np.float64)
    return state


def wait_for_new_draw(page, draws, timeout=10_000):
    chromium.wait_for_new_draw(page, draws, timeout=timeout)


def wait_for_z(page, dimension, value, timeout=10_000):
    """Wait until the explorer has drawn z[dimension] == ``value`` (to 1e-6).

    Returns quietly after ``timeout`` ms: the caller's assertion then says what is wrong.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            "([selector, dimension, value]) => "
            "Math.abs(JSON.parse(document.querySelector(selector).dataset.z)[dimension] - value) <= 1e-6",
            arg=[CANVAS, dimension, float(value)],
            timeout=timeout,
        )


def slider_input(page, dimension):
    return page.locator(f".vae-latent-explorer__slider-{dimension} input[type=range]").first


def slider_readout(page, dimension):
    return float(page.locator(f".vae-latent-explorer__slider-{dimension} .vae-latent-explorer__readout").inner_text())


def wait_until_kernel_idle(page, timeout=120_000):
    """Every cell has run: no '[*]' prompt left and the kernel reports idle."""
    page.wait_for_function(
        """() => {
            const prompts = Array.from(document.querySelectorAll('.jp-InputArea-prompt'));
            const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
            const idle = !indicator || indicator.dataset.status === 'idle';
            return idle && prompts.length > 0 && prompts.every((prompt) => !prompt.textContent.includes('*'));
        }""",
        timeout=timeout,
        polling=250,
    )


def menu_command(page, menu, item):
    page.locator(".lm-MenuBar-item", has_text=menu).first.click()
    page.locator(".lm-Menu-item:visible", has_text=item).first.click()


def run_cell(page, code, marker):
    """Append a scratch cell running ``code``; returns the text of its first output.

    ``marker``: a piece of ``code`` that finds the cell (no other cell contains it).
    """
    # A widget button keeps the focus (and its keys: see the explorer's keydown handler)
    # when its own cell's prompt is clicked: let it go first.
    page.evaluate("() => document.activeElement?.blur()")
    page.locator(".jp-Notebook .jp-Cell").last.locator(".jp-InputPrompt").click()  # not the widget
    page.keyboard.press("Escape")
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    page.keyboard.press("b")  # insert a cell below, in command mode
    page.wait_for_function("(count) => document.querySelectorAll('.jp-Notebook .jp-Cell').length > count", arg=cells)
    page.keyboard.press("Enter")  # edit it
    page.keyboard.insert_text(code)  # no key events: no auto-closed brackets
    page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-Notebook .jp-CodeCell", has_text=marker).locator(".jp-OutputArea-output")
    output.first.wait_for(timeout=30_000)
    return output.first.inner_text().strip()


def run_probe_cell(page):
    """Append a scratch cell printing what the kernel sees; returns its parsed output."""
    text = run_cell(page, PROBE_CELL, "explorer.z.tolist")
    if not text.startswith("{"):
        raise AssertionError(f"the probe cell failed: {text[:2000]}")
    result = json.loads(text)
    image = np.frombuffer(base64.b64decode(result["image"]), dtype="<f4").reshape(28, 28)
    return np.array(result["z"], dtype=np.float64), image


def drag_slider(page, dimension, pixels):
    """Drag the thumb of the range input of ``dimension`` sideways by ``pixels``."""
    slider = slider_input(page, dimension)
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    position = slider.evaluate("(input) => (input.value - input.min) / (input.max - input.min)")
    thumb = 16  # Chromium's range thumb, CSS pixels: the track is the width minus one thumb
    x = box["x"] + thumb / 2 + position * (box["width"] - thumb)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels, y, steps=8)
    page.mouse.up()


def gray_of(image):
    """Gray levels the explorer paints for pixel means in [0, 1] (ink dark on white)."""
    return np.round(255.0 * (1.0 - np.asarray(image, dtype=np.float64))).astype(np.int16)


# --- one server and one browser for the module ------------------------------------------


@dataclass(frozen=True)
class Jupyter:
    """A running Jupyter server: its base URL and token."""

    base_url: str
    token: str

    def sessions(self):
        with urllib.request.urlopen(f"{self.base_url}/api/sessions?token={self.token}", timeout=5) as response:
            return json.load(response)

    def shut_down_sessions(self):
        """Shut down every notebook session and its kernel: a test leaves none behind."""
        for session in self.sessions():
            url = f"{self.base_url}/api/sessions/{session['id']}?token={self.token}"
            urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=30).close()


@pytest.fixture(scope="module")
def jupyter():
    pytest.importorskip("jupyterlab")
    with tempfile.TemporaryDirectory(prefix="vae-lessons-jupyter-") as scratch:
        with jupyter_server(REPO, scratch) as (base_url, token):
            yield Jupyter(base_url, token)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def checked_page(browser, jupyter, name):
    """A new page (its own browser context) that may reach nothing but 127.0.0.1.

    On a failure, saves ``{name}_failure.png`` and ``{name}_console.log``. Afterwards
    checks that no page error mentions the explorer and nothing beyond 127.0.0.1 was
    requested; closes the page and shuts down the kernels the test started.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors, console, outside = [], [], []
    page.route("**/*", functools.partial(allow_only_this_machine, outside=outside))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    try:
        try:
            yield page
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{name}_failure.png"))
            (ARTIFACTS / f"{name}_console.log").write_text("\n".join(console + errors))
            raise
        assert not [error for error in errors if "latent" in error.lower()], errors
        assert not outside, f"the page reached beyond 127.0.0.1: {outside}"
    finally:
        page.context.close()
        jupyter.shut_down_sessions()


# --- the test ----------------------------------------------------------------------------


@pytest.mark.parametrize("front_end", FRONT_ENDS, ids=[front_end.name for front_end in FRONT_ENDS])
def test_latent_explorer_in_a_jupyter_front_end(front_end, jupyter, browser):
    pytest.importorskip(front_end.module)
    ARTIFACTS.mkdir(exist_ok=True)
    with left_as_it_was(LESSON):
        with checked_page(browser, jupyter, f"{front_end.name}_explorer") as page:
            check_explorer(page, front_end, jupyter, LESSON.relative_to(REPO).as_posix())


@contextlib.contextmanager
def left_as_it_was(notebook):
    """Fail (after restoring it) if the front end changed ``notebook``; remove the
    checkpoints it added (JupyterLab adds one when it opens a notebook)."""
    original_bytes = notebook.read_bytes()
    checkpoints = notebook.parent / ".ipynb_checkpoints"
    had_checkpoints = set(checkpoints.iterdir()) if checkpoints.is_dir() else None
    try:
        yield
    finally:
        if notebook.read_bytes() != original_bytes:  # never leave the lesson changed
            notebook.write_bytes(original_bytes)
            pytest.fail(f"the front end changed {notebook.name}; restored it")
        if checkpoints.is_dir():  # remove only what this test added
            for path in set(checkpoints.iterdir()) - (had_checkpoints or set()):
                path.unlink()
            if had_checkpoints is None and not any(checkpoints.iterdir()):
                checkpoints.rmdir()


def wait_for_kernel(page, jupyter, url_path, timeout=60):
    """Wait until the notebook's kernel runs (server side) and the page is connected to it.

    A "Select Kernel" dialog, which JupyterLab may show while the session starts,
    is answered with the notebook's own kernel.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count():
            accept.first.click()
        ready = any(
            session.get("path") == url_path and (session.get("kernel") or {}).get("execution_state") == "idle"
            for session in jupyter.sessions()
        )
        if ready and page.evaluate(  # JupyterLab shows an execution indicator; Notebook 7 may not
            "() => (document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status ?? 'idle') === 'idle'"
            " && document.querySelectorAll('.jp-Notebook .jp-Cell').length > 0"
        ):
            return
        time.sleep(0.2)
    raise AssertionError("the notebook's kernel did not start")


def open_and_run_all(page, front_end, jupyter, url_path):
    """Open the notebook at ``url_path`` in ``front_end``, run all its cells, wait until they ran."""
    url = jupyter.base_url + front_end.notebook_url.format(path=url_path)
    page.goto(url + ("&" if "?" in url else "?") + f"token={jupyter.token}")
    page.locator(".jp-NotebookPanel").first.wait_for(timeout=60_000)
    wait_for_kernel(page, jupyter, url_path)
    menu_command(page, "Run", "Run All Cells")
    page.locator(CANVAS).first.wait_for(timeout=120_000)
    wait_until_kernel_idle(page)


def check_explorer(page, front_end, jupyter, url_path):
    name = front_end.name
    open_and_run_all(page, front_end, jupyter, url_path)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0 or "Traceback" not in errors.first.inner_text(), errors.first.inner_text()
    explorer = page.locator(EXPLORER).first
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{name}_explorer_before.png"))
    before = canvas_state(page)

    # Move the slider of z[0] by mouse: the browser redraws, the slider's readout follows.
    drag_slider(page, 0, 60)
    wait_for_new_draw(page, before["draws"])
    wait_for_z(page, 0, float(slider_input(page, 0).input_value()))  # the drawing is where the thumb stopped
    after = canvas_state(page)
    assert abs(after["z"][0] - before["z"][0]) > 0.1, "dragging the slider did not change z[0]"
    assert np.abs(after["z"][1:] - before["z"][1:]).max(initial=0) == 0, "only z[0] should move"
    assert np.abs(after["gray"].astype(int) - before["gray"]).max() > 20, "the image did not change"
    assert slider_readout(page, 0) == pytest.approx(after["z"][0], abs=0.006)
    page.screenshot(path=str(ARTIFACTS / f"{name}_explorer_after_slider.png"))

    # From the keyboard: the z₂ slider is found by its accessible name; arrows move it by
    # its step, and the live text says the new z in words.
    slider = explorer.get_by_role("slider", name="z₂")
    slider.focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    wait_for_z(page, 1, after["z"][1] - 0.1)  # 10 steps of 0.01
    keyed = canvas_state(page)
    assert keyed["z"][1] == pytest.approx(after["z"][1] - 0.1, abs=1e-6), "ArrowLeft did not step z[1] down"
    assert keyed["status"] == "z = (" + ", ".join(f"{value:.2f}" for value in keyed["z"]) + ")"
    after = keyed

    # The kernel sees the same z, and its Keras decoder draws what the browser drew.
    kernel_z, keras_image = run_probe_cell(page)
    np.testing.assert_allclose(kernel_z, after["z"], atol=1e-6)
    difference = np.abs(gray_of(keras_image) - after["gray"].astype(np.int16))
    assert difference.max() <= MAX_GRAY_DIFFERENCE, f"browser vs Keras: max {difference.max()} gray levels"
    assert difference.mean() <= MAX_MEAN_GRAY_DIFFERENCE, f"browser vs Keras: mean {difference.mean():.2f}"
    comparison = {"z": after["z"].tolist(), "max_gray_difference": int(difference.max()),
                  "mean_gray_difference": round(float(difference.mean()), 4)}  # fmt: skip
    (ARTIFACTS / f"{name}_explorer_comparison.json").write_text(json.dumps(comparison, indent=1))

    # The buttons work in the browser alone, and the links move the sliders.
    explorer.scroll_into_view_if_needed()
    draws = canvas_state(page)["draws"]
    page.locator(".vae-latent-explorer__reset").first.click()
    wait_for_new_draw(page, draws)
    reset = canvas_state(page)
    assert np.all(reset["z"] == 0)
    assert slider_readout(page, 0) == 0
    page.locator(".vae-latent-explorer__random").first.click()
    wait_for_new_draw(page, reset["draws"])
    random = canvas_state(page)
    assert np.any(random["z"] != 0)
    assert slider_readout(page, 0) == pytest.approx(random["z"][0], abs=0.006)
    examples = page.locator(".vae-latent-explorer__example")
    if examples.count():
        examples.nth(1).click()
        wait_for_new_draw(page, random["draws"])
        example = canvas_state(page)
        assert slider_readout(page, 1) == pytest.approx(example["z"][1], abs=0.006)
        assert np.abs(example["gray"].astype(int) - random["gray"]).max() > 0
    page.screenshot(path=str(ARTIFACTS / f"{name}_explorer_buttons.png"))


# --- a conditional VAE's explorer: the label chooser in JupyterLab ------------------------

CONDITIONAL_NOTEBOOK_CELLS = [
    (
        'import os\nos.environ.setdefault("KERAS_BACKEND", "jax")\n'
        "from vae_lessons import conditional, data, models, training, widgets"
    ),
    (
        "training.set_seed(5)\n"
        "vae = models.build_vae(latent_dim=2, hidden_units=64, vae_class=conditional.ConditionalVAE)\n"
        "_, (x_test, y_test) = data.load_mnist()\n"
        "explorer = widgets.LatentExplorer(vae, examples=x_test[:3], labels=y_test[:3], label=2)\n"
        "explorer"
    ),
]
LABEL_PROBE_CELL = (
    "print(__import__('json').dumps({'label': explorer.label, 'z': explorer.z.tolist(), 'image': "
    "__import__('base64').b64encode(explorer.image().astype('<f4').tobytes()).decode()}))"
)


def conditional_notebook(folder: Path) -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in CONDITIONAL_NOTEBOOK_CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "conditional_explorer.ipynb"
    nbformat.write(notebook, path)
    return path


def test_conditional_explorer_label_chooser_in_jupyterlab(jupyter, browser):
    front_end = FRONT_ENDS[0]
    pytest.importorskip(front_end.module)
    ARTIFACTS.mkdir(exist_ok=True)
    # Under the server's root (the repository), in the artifacts folder git ignores.
    with tempfile.TemporaryDirectory(prefix="jupyter-conditional-", dir=ARTIFACTS) as folder:
        notebook = conditional_notebook(Path(folder))
        with checked_page(browser, jupyter, "jupyterlab_conditional") as page:
            check_conditional_explorer(page, front_end, jupyter, notebook.relative_to(REPO).as_posix())


def check_conditional_explorer(page, front_end, jupyter, url_path):
    open_and_run_all(page, front_end, jupyter, url_path)
    explorer = page.locator(EXPLORER).first
    explorer.scroll_into_view_if_needed()
    chooser = explorer.get_by_role("group", name="Digit to draw (label):")
    assert chooser.locator("button").count() == 10
    before = canvas_state(page)
    assert before["status"] == "digit 2, z = (0.00, 0.00)"
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_conditional_before.png"))

    # Browser -> kernel: a click on 7 redraws in the browser; the kernel's Keras image agrees.
    chooser.get_by_role("button", name="7", exact=True).click()
    wait_for_new_draw(page, before["draws"])
    after = canvas_state(page)
    assert after["status"] == "digit 7, z = (0.00, 0.00)"
    # (random weights draw near-uniform grey: the label moves pixels by a few levels only)
    assert np.abs(after["gray"].astype(int) - before["gray"]).max() > 0, "the label did not change the image"
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_conditional_after_label.png"))
    result = json.loads(run_cell(page, LABEL_PROBE_CELL, "explorer.label, 'z'"))
    assert result["label"] == 7 and result["z"] == [0, 0]
    keras_image = np.frombuffer(base64.b64decode(result["image"]), dtype="<f4").reshape(28, 28)
    difference = np.abs(gray_of(keras_image) - after["gray"].astype(np.int16))
    assert difference.max() <= MAX_GRAY_DIFFERENCE, f"browser vs Keras: max {difference.max()} gray levels"

    # Kernel -> browser: a label set in a cell presses its button and redraws.
    draws = canvas_state(page)["draws"]
    run_cell(page, "explorer.label = 4\nprint('label set', explorer.label)", "label set")
    wait_for_new_draw(page, draws)
    assert canvas_state(page)["status"] == "digit 4, z = (0.00, 0.00)"
    assert chooser.locator("button[aria-pressed=true]").inner_text() == "4"


# --- solutions on request only (issue #26) ---------------------------------------------------

EXERCISES_LESSON = REPO / "notebooks" / "01_data.ipynb"


def lesson_exercises(module_name):
    """The exercises of ``vae_lessons.exercises.<module_name>``, in order (ex1, ex2, ...)."""
    from vae_lessons.exercises import checking

    module = importlib.import_module(f"vae_lessons.exercises.{module_name}")
    found = [value for value in vars(module).values() if isinstance(value, checking.Exercise)]
    return sorted(found, key=lambda exercise: int(exercise.name.rsplit(".ex", 1)[1]))


def telling_lines(solution_code):
    """The lines of a solution that give it away: its code, not the lines a lesson's own
    scaffold shares with it (``def name(...):``, ``answer = name``) nor comments."""
    lines = [line.strip() for line in solution_code.splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "def ", "answer = ")) and len(line) > 8]


def cell_texts(page):
    """What each cell of the open notebook shows (input and outputs), each scrolled into
    view first, so that its editor has drawn every line."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    texts = []
    for index in range(cells.count()):
        cell = cells.nth(index)
        cell.scroll_into_view_if_needed()
        texts.append(cell.inner_text())
    return texts


@pytest.mark.parametrize("front_end", FRONT_ENDS, ids=[front_end.name for front_end in FRONT_ENDS])
def test_a_lesson_shows_no_solution_until_asked(front_end, jupyter, browser):
    pytest.importorskip(front_end.module)
    ARTIFACTS.mkdir(exist_ok=True)
    lesson = EXERCISES_LESSON
    exercises = lesson_exercises(f"lesson_{lesson.name[:2]}")
    assert len(exercises) >= 2
    url_path = lesson.relative_to(REPO).as_posix()
    with left_as_it_was(lesson), checked_page(browser, jupyter, f"{front_end.name}_solutions") as page:
        url = jupyter.base_url + front_end.notebook_url.format(path=url_path)
        page.goto(url + ("&" if "?" in url else "?") + f"token={jupyter.token}")
        page.locator(".jp-NotebookPanel").first.wait_for(timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell .jp-OutputArea-output').length > 0")
        texts = cell_texts(page)
        assert len(texts) >= 20, f"{len(texts)} cells on the page"

        # What a student sees before asking: no solution's code (no cell shows half of a
        # solution's telling lines: a lesson may share a setup line with one), no "Correct."
        for exercise in exercises:
            lines = set(telling_lines(exercise.solution_code))
            assert lines, f"{exercise.name}: no line to look for"
            for text in texts:
                found = lines & {line.strip() for line in text.splitlines()}
                assert 2 * len(found) < len(lines), f"{exercise.name}'s solution shows: {sorted(found)}"
        shown = [line.strip() for text in texts for line in text.splitlines()]
        assert not [line for line in shown if line.startswith("Correct.")], "a check's verdict on a right answer shows"
        # What the book collapses with MyST (a dropdown) shows open here: a worked answer in plain sight.
        opened = [line for line in shown if line == ":class: dropdown" or "{dropdown}" in line]
        assert not opened, f"a book-only dropdown shows open in {front_end.name}: {opened}"
        # Each check cell: the "Not attempted yet" line, and how to ask for hints and the solution.
        for exercise in exercises:
            (check,) = [text for text in texts if f"{exercise.name}.check(answer)" in text]
            assert "Not attempted yet: replace the ... in `answer = ...`" in check
            assert f"{exercise.name}.hint()" in check and f"# the solution: {exercise.name}.solution()" in check
        first_check = page.locator(".jp-Notebook .jp-CodeCell", has_text=f"{exercises[0].name}.check(answer)")
        first_check.evaluate("(cell) => cell.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(ARTIFACTS / f"{front_end.name}_lesson_without_solutions.png"))

        # Asked for, the solution prints (a scratch cell, never saved).
        wait_for_kernel(page, jupyter, url_path)
        module, exercise = exercises[0].name.split(".")
        printed = run_cell(page, f"from vae_lessons.exercises import {module} as asked\nasked.{exercise}.solution()",
                           f"asked.{exercise}.solution()")
        assert printed.startswith(f"Solution to {exercises[0].name}:"), printed[:500]
        printed_lines = {line.strip() for line in printed.splitlines()}
        assert set(telling_lines(exercises[0].solution_code)) <= printed_lines
        page.screenshot(path=str(ARTIFACTS / f"{front_end.name}_solution_on_request.png"))
