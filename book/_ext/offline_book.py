"""Sphinx extension: keep the vae-lessons book self-contained (no request leaves the site).

Jupyter Book adds every ``*.js`` and ``*.css`` file found under ``_static/`` to every
page. The widget manager, RequireJS and MathJax must load only where they are needed
(RequireJS on a page breaks other scripts' module detection), so this extension takes
``_static/vendor/`` and ``_static/offline/`` back out of that list; ``_config.yml``
loads them through ``mathjax_path`` and myst-nb's ``nb_ipywidgets_js``.

It also stops the build when it is not run on the staged book (``book/`` plus the
notebooks, which ``scripts/build_book.py`` assembles) or a pinned asset is missing
(the script fetches them), and, once the HTML is written, warns about any ``<script>`` or
``<link>`` that points off the site, which ``-W`` turns into a failed build.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

NOT_ON_EVERY_PAGE = ("vendor/", "offline/")
# A tag that makes the browser fetch something: script src, link href (stylesheets,
# preloads, icons), img src. Links in <a href> are navigation, not page assets.
REMOTE_ASSET = re.compile(
    r"<(script|link|img|iframe)\b[^>]*?\b(?:src|href)=[\"'](?:https?:)?//[^\"']+", re.IGNORECASE
)


def _asset_name(entry) -> str:
    return entry[0] if isinstance(entry, (tuple, list)) else str(entry)


def _keep_vendor_off_every_page(app: Sphinx, config) -> None:
    for option in ("html_js_files", "html_css_files"):
        entries = getattr(config, option) or []
        kept = [entry for entry in entries if not _asset_name(entry).startswith(NOT_ON_EVERY_PAGE)]
        setattr(config, option, kept)


def _check_local_assets(app: Sphinx, config) -> None:
    if not (Path(app.confdir) / "notebooks").is_dir():
        raise ConfigError(
            "offline_book: no notebooks/ folder beside _config.yml. Build the book with "
            "`python scripts/build_book.py`, which stages book/ and the notebooks together."
        )
    if app.builder.format != "html":
        return
    static = Path(app.confdir) / "_static"
    wanted = [config.mathjax_path, *config.nb_ipywidgets_js]
    remote = [name for name in wanted if "://" in name or name.startswith("//")]
    if remote:
        raise ConfigError(f"offline_book: these assets are not local: {remote}")
    missing = [name for name in wanted if not (static / name).is_file()]
    if missing:
        raise ConfigError(
            "offline_book: missing front-end assets under _static/: "
            + ", ".join(missing)
            + ". Build the book with `python scripts/build_book.py`, which fetches them."
        )


def _check_no_remote_assets(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.outdir).rglob("*.html")):
        for match in REMOTE_ASSET.finditer(page.read_text(encoding="utf-8")):
            logger.warning(
                "%s loads a remote asset: %s",
                page.relative_to(app.outdir),
                match.group(0)[:200],
                type="offline_book",
                subtype="remote_asset",
            )


def setup(app: Sphinx) -> dict:
    # Jupyter Book always passes `comments_config` (for sphinx_comments, which loads
    # hypothes.is or utterances from the internet). The book leaves that extension out;
    # accept the option so it is not an "unknown config value" warning.
    if "comments_config" not in app.config:
        app.add_config_value("comments_config", {}, "html")
    # After Jupyter Book filled html_js_files/html_css_files, before the builder reads them.
    app.connect("config-inited", _keep_vendor_off_every_page)
    app.connect("builder-inited", lambda app: _check_local_assets(app, app.config))
    app.connect("build-finished", _check_no_remote_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
