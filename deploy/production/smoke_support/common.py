"""Where the smoke run works, what it serves, and how it reports (one line per check; the first
failure ends the run)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


PRODUCTION = ROOT / "deploy" / "production"


WORK = ROOT / ".local" / "smoke"


BASE_DOMAIN = "ops-smoke.localhost"


CENTRE = "myslenice"


CENTRE_HOST = f"{CENTRE}.{BASE_DOMAIN}"


STARTUP_SECONDS = 120


BIN = Path(sys.executable).parent


class SmokeFailure(Exception):
    pass


def say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)
    say(f"ok   {message}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
