"""Debian's tools for the tests that need a real one (chromium, nginx, PgBouncer): found at a
configured path, at the package's usual paths or on PATH, and installed with apt-get when missing
and the suite runs as root (CI machines); never downloaded any other way."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path


def found_executable(env_var: str, candidates: Iterable[str], on_path: str = "") -> str | None:
    """The path in ``env_var`` if set (None if it does not exist), else the first existing
    candidate, else ``on_path`` looked up on PATH."""
    configured = os.environ.get(env_var)
    if configured:
        return configured if Path(configured).exists() else None
    for path in (*candidates, shutil.which(on_path) if on_path else None):
        if path and Path(path).exists():
            return path
    return None


def can_apt_install() -> bool:
    """Whether this process may install Debian packages (apt-get present, running as root)."""
    return shutil.which("apt-get") is not None and os.geteuid() == 0


def apt_install(packages: Iterable[str]) -> str | None:
    """Install Debian packages with apt-get (see can_apt_install); None when done, else
    apt-get's own error."""
    apt = shutil.which("apt-get") or "apt-get"
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-qq", "--no-install-recommends", *packages]
    for command in ([apt, "update", "-qq"], install):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}"
    return None
