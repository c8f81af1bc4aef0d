"""Sphinx extension: the vae-lessons book for every reader (screen readers, phones, launchers).

* **Figures' alternative text.** A lesson figure carries its description in the
  notebook output's metadata, ``{"image/png": {"alt": "..."}}`` (set where the figure
  is made: ``vae_lessons.alt_text.describe``). myst-nb 1.x passes only ``width`` and
  ``height`` from output metadata to the image; this extension wraps its image
  renderer to pass ``alt`` too (without it the HTML says ``alt="../_images/<hash>.png"``).
* **Bibliography list.** docutils writes each citation as ``role="doc-biblioentry"``
  inside a ``role="list"``; ARIA 1.2 deprecated that role, and axe-core reports the
  list as missing its list items (``aria-required-children``, critical). Citations
  become ``role="listitem"``, what the list requires.
* **Hidden solutions.** myst-nb names the summary of a collapsed cell "Toggle hidden
  content" (``aria-label``) while it shows "Show code cell source"; voice-control users
  say what they see (WCAG 2.5.3, axe-core's ``label-content-name-mismatch``). The
  label goes: the summary is named by its visible text.
* **Launch links, off by default.** With ``vae_lessons_repository_url`` set (in
  ``_config.yml`` under ``sphinx.config``, or ``scripts/build_book.py
  --repository-url``), each lesson page gets Colab and Binder launch links (plain
  links: nothing is loaded from them, so the build stays offline).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

COLAB_URL = "https://colab.research.google.com"
BINDER_URL = "https://mybinder.org"


def _image_alt_from_output_metadata() -> None:
    from myst_nb.core.render import NbElementRenderer

    original = NbElementRenderer.render_image
    if getattr(original, "_vae_lessons_alt", False):  # already wrapped (a second build in one process)
        return

    def render_image(self, data):
        rendered = original(self, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        if isinstance(alt, str) and alt.strip():
            for node in rendered:
                if isinstance(node, nodes.image):
                    node["alt"] = " ".join(alt.split())
        return rendered

    render_image._vae_lessons_alt = True
    NbElementRenderer.render_image = render_image


# Exact strings the HTML writers emit (docutils, myst-nb), and what they become.
BODY_FIXES = {
    'role="doc-biblioentry"': 'role="listitem"',
    '<summary aria-label="Toggle hidden content">': "<summary>",
}


def _fix_body(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body:
        for old, new in BODY_FIXES.items():
            body = body.replace(old, new)
        context["body"] = body


def _launch_links(app: Sphinx, config) -> None:
    url = (config.vae_lessons_repository_url or "").strip().rstrip("/")
    options = dict(config.html_theme_options or {})
    if not url:
        options["launch_buttons"] = {}
        config.html_theme_options = options
        return
    options.update(
        repository_url=url,
        repository_branch=config.vae_lessons_repository_branch,
        # The lessons live in the repository's notebooks/ folder, staged as notebooks/
        # beside the book's pages: the path from the repository root is the page path.
        path_to_docs="",
        launch_buttons={"colab_url": COLAB_URL, "binderhub_url": BINDER_URL, "notebook_interface": "jupyterlab"},
    )
    config.html_theme_options = options


def setup(app: Sphinx) -> dict:
    app.add_config_value("vae_lessons_repository_url", "", "html")
    app.add_config_value("vae_lessons_repository_branch", "main", "html")
    _image_alt_from_output_metadata()
    app.connect("config-inited", _launch_links)
    app.connect("html-page-context", _fix_body)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
