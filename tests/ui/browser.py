"""Debian's chromium for the browser tests: found at its path, installed by the test set-up when it
is missing and the suite runs as root (CI machines), never downloaded by Playwright."""

from tests.debian_tools import apt_install, can_apt_install, found_executable

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
    return found_executable("CHROMIUM_PATH", CHROMIUM_CANDIDATES)


def chromium_executable() -> str:
    """The path of chromium, installing Debian's package first if needed and possible."""
    path = _found()
    if path:
        return path
    failure = apt_install(PACKAGES) if can_apt_install() else None
    if failure:
        raise RuntimeError(failure)
    path = _found()
    if path:
        return path
    raise RuntimeError(
        "The browser tests need Debian's chromium: run `apt-get install chromium` as root "
        "(or set CHROMIUM_PATH to a chromium binary)."
    )
