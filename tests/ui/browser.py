"""Debian's chromium for the browser tests: found at its path, installed by the test set-up when it
is missing and the suite runs as root (CI machines), never downloaded by Playwright."""

import os
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("chromium", "fonts-dejavu-core")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Flags for a headless run on a machine with a closed network and no display. Background
# networking is off so chromium does not try to reach Google's hosts at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _found() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    return next((path for path in CHROMIUM_CANDIDATES if Path(path).exists()), None)


def chromium_executable() -> str:
    """The path of chromium, installing Debian's package first if needed and possible."""
    path = _found()
    if path:
        return path
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=True, env=env)
        subprocess.run(
            [apt, "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
            check=True,
            env=env,
        )
        path = _found()
        if path:
            return path
    raise RuntimeError(
        "The browser tests need Debian's chromium: run `apt-get install chromium` as root "
        "(or set CHROMIUM_PATH to a chromium binary)."
    )
