"""How the browser tests and benchmarks start Chromium: Debian's build, headless, offline.

Never ``playwright install`` (it downloads a browser); install Debian's package with
``apt-get install -y chromium`` (``make test`` does when it can). The flags keep a
headless, root-run Chromium from reaching for the network on its own.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
