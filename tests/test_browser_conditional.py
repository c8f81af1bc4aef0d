"""The conditional latent explorer on a static page: headless Chromium, no kernel.

A conditional VAE's explorer and a plain one are embedded in one static HTML page the
way the book embeds widgets (``benchmarks/explorer_latency.write_static_page``: the
ipywidgets html-manager, RequireJS, anywidget, all served from 127.0.0.1). Then:

* clicking a label button redraws the canvas with the pixels Keras's decoder gives for
  that label (within the int8 packing's few gray levels), presses that button
  (aria-pressed) and says the digit in the live text;
* Enter on a label button does the same from the keyboard;
* an example digit's button sets z (its encoder mean given its label) and the label;
* the book's explorer check (tests/test_book.py) passes for both explorers of the page;
* axe-core finds no serious WCAG violation in them (when ``npm ci`` installed it).

Screenshots: ``test-artifacts/conditional/``. Skipped without Debian's Chromium.
"""

from __future__ import annotations

import numpy as np
import pytest
import test_book

from benchmarks import explorer_latency
from scripts import browser as chromium
from vae_lessons import conditional, data, models, training, widgets

ARTIFACTS = test_book.REPO / "test-artifacts" / "conditional"
CANVAS = chromium.EXPLORER_CANVAS
MAX_GRAY_DIFFERENCE = 8  # of 255: int8 weights plus rounding to gray levels, as in test_browser_jupyterlab

# `pytest -m browser` (make test-browsers, CI) runs these; plain `pytest` leaves them out
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not chromium.available(), reason="needs Debian's chromium at /usr/bin/chromium")]


@pytest.fixture(scope="module")
def explorers():
    """A conditional explorer (with example digits) and a plain one; small random models."""
    training.set_seed(5)
    conditional_vae = models.build_vae(latent_dim=2, hidden_units=64, vae_class=conditional.ConditionalVAE)
    plain_vae = models.build_vae(latent_dim=2, hidden_units=32)
    _, (x_test, y_test) = data.load_mnist()
    labelled = widgets.LatentExplorer(conditional_vae, examples=x_test[:5], labels=y_test[:5], label=2)
    plain = widgets.LatentExplorer(plain_vae, examples=x_test[:3], labels=y_test[:3])
    return labelled, plain


@pytest.fixture(scope="module")
def page_url(explorers, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("conditional_page")
    vendor = explorer_latency.vendor_folder(scratch)
    explorer_latency.write_static_page(scratch / "site", list(explorers), vendor, title="Conditional explorer")
    with chromium.static_server(scratch / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import (
        sync_playwright,  # the "browser" extra; never `playwright install`
    )

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser, page_url):
    visit = test_book.Visit(browser, page_url, "index.html")
    visit.page.wait_for_function(
        "(selector) => document.querySelectorAll(selector).length == 2", arg=CANVAS, timeout=30_000
    )
    yield visit
    problems = visit.problems()
    visit.close()
    assert not problems, problems


def conditional_state(page):
    """The conditional explorer's (the page's first) drawing: gray levels, z, label, draws, status."""
    state = chromium.explorer_state(page)
    state["label"] = int(page.locator(CANVAS).first.get_attribute("data-label"))
    return state


def keras_gray(explorer, z, label):
    return widgets.gray_levels(explorer.image(z, label=label)).ravel().astype(int)


def browser_gray(explorer, z, label):
    return widgets.gray_levels(explorer.browser_image(z, label=label)).ravel().astype(int)


def test_clicking_a_label_redraws_with_the_keras_pixels_for_that_label(visit, explorers):
    conditional, _ = explorers
    page = visit.page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    box = page.locator(test_book.EXPLORER).first
    state = conditional_state(page)
    assert state["label"] == 2 and state["z"] == [0, 0] and state["status"] == "digit 2, z = (0.00, 0.00)"
    assert np.abs(np.array(state["gray"]) - keras_gray(conditional, [0, 0], 2)).max() <= MAX_GRAY_DIFFERENCE
    box.screenshot(path=str(ARTIFACTS / "label-2-before.png"))
    for label in (7, 0, 9):
        draws = conditional_state(page)["draws"]
        box.get_by_role("button", name=str(label), exact=True).click()
        chromium.wait_for_new_draw(page, draws)
        state = conditional_state(page)
        assert state["label"] == label and state["status"] == f"digit {label}, z = (0.00, 0.00)"
        gray = np.array(state["gray"])
        # the browser paints its NumPy twin's gray levels, and those are Keras's up to the packing
        assert np.abs(gray - browser_gray(conditional, [0, 0], label)).max() <= 1
        difference = np.abs(gray - keras_gray(conditional, [0, 0], label))
        assert difference.max() <= MAX_GRAY_DIFFERENCE, (label, difference.max())
        assert np.abs(gray - keras_gray(conditional, [0, 0], (label + 1) % 10)).max() > MAX_GRAY_DIFFERENCE
        pressed = box.locator(".vae-latent-explorer__label-choice[aria-pressed=true]")
        assert pressed.count() == 1 and pressed.inner_text() == str(label)
        if label == 7:
            box.screenshot(path=str(ARTIFACTS / "label-7-after.png"))


def test_keyboard_and_example_buttons_set_the_label(visit, explorers):
    conditional, _ = explorers
    page = visit.page
    box = page.locator(test_book.EXPLORER).first
    draws = conditional_state(page)["draws"]
    box.get_by_role("button", name="4", exact=True).focus()
    page.keyboard.press("Enter")
    chromium.wait_for_new_draw(page, draws)
    assert conditional_state(page)["label"] == 4
    # an example digit: z is its encoder mean given its label, and the label follows
    example = conditional.examples[3]
    assert example["label"] != 4
    draws = conditional_state(page)["draws"]
    box.locator(".vae-latent-explorer__example").nth(3).click()
    page.wait_for_function(
        "([selector, label]) => document.querySelector(selector).dataset.label === String(label)",
        arg=[CANVAS, example["label"]],
    )
    chromium.wait_for_new_draw(page, draws)
    page.wait_for_timeout(100)
    state = conditional_state(page)
    assert state["label"] == example["label"] and state["z"] == example["z"]
    gray = np.array(state["gray"])
    assert np.abs(gray - keras_gray(conditional, example["z"], example["label"])).max() <= MAX_GRAY_DIFFERENCE
    box.screenshot(path=str(ARTIFACTS / "example-3.png"))


def test_the_book_check_passes_for_every_explorer_of_the_page(visit, monkeypatch):
    monkeypatch.setattr(test_book, "ARTIFACTS", ARTIFACTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert test_book.expected_explorers(visit.page) == 2
    assert test_book.check_latent_explorers(visit, "static", required=True) == []
    # the plain explorer has no label chooser; the conditional one has ten buttons
    boxes = visit.page.locator(test_book.EXPLORER)
    assert boxes.nth(0).locator(".vae-latent-explorer__label-choice").count() == 10
    assert boxes.nth(1).locator(".vae-latent-explorer__label-choice").count() == 0


@pytest.mark.skipif(not chromium.AXE_JS.is_file(), reason="needs axe-core: npm ci")
def test_no_serious_accessibility_violations(visit):
    # the scaffold page (the benchmark's template) names no language; the book's pages do
    visit.page.evaluate("() => { document.documentElement.lang = 'en'; }")
    assert test_book.axe_violations(visit.page) == []
