"""The foreground process of `make run`: migrate, provision the demo centres, print where to go,
then run the web server, the Celery worker and Celery beat (deploy/Procfile.dev) under honcho
until Ctrl-C.

Run it through deploy/devservices.py (`make run` does), which provides DATABASE_URL and
REDIS_URL. Environment: PORT (default 8000), BASE_DOMAIN (default localhost),
DJANGO_SETTINGS_MODULE (default opsplatform.settings.dev), BIND_ADDRESS (see the Procfile).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "deploy" / "Procfile.dev"


class StepFailed(Exception):
    def __init__(self, returncode: int) -> None:
        super().__init__(returncode)
        self.returncode = returncode


def manage(*args: str, capture: bool = False) -> str:
    """Run a management command with this interpreter; stop everything if it fails."""
    command = [sys.executable, "manage.py", *args]
    if not capture:
        print(f"==> manage.py {' '.join(args)}", flush=True)
    result = subprocess.run(command, stdout=subprocess.PIPE if capture else None, text=True)
    if result.returncode != 0:
        print(
            f"run_dev: manage.py {' '.join(args)} failed (exit {result.returncode})",
            file=sys.stderr,
        )
        raise StepFailed(result.returncode)
    return result.stdout if capture else ""


def print_banner(urls: str) -> None:
    rule = "-" * 78
    lines = [
        rule,
        "OPS platform, development server. Open the portal (first) or a centre:",
        *(f"    {line}" for line in urls.strip().splitlines()),
        "The demo log-ins are listed above (provision_centres --demo). Stop with Ctrl-C.",
        rule,
    ]
    print("\n".join(lines), flush=True)


class _Output:
    """honcho's output, surviving its reader going away (`make run | tee log`, where Ctrl-C ends
    tee too): lost output must not crash the manager, whose processes, each in a session of its
    own, would then outlive it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


def run_processes() -> int:
    procfile = parse_procfile(PROCFILE.read_text())
    manager = Manager(Printer(_Output(sys.stdout)))
    for name, command in procfile.processes.items():
        manager.add_process(name, command, env=dict(os.environ), cwd=str(ROOT))
    try:
        manager.loop()  # returns once every process has stopped; Ctrl-C stops them all
    finally:
        # Should the manager fail, stop what it started rather than leave it running.
        for process in manager._processes.values():
            if process.get("pid") and process.get("returncode") is None:
                with contextlib.suppress(OSError):
                    os.killpg(process["pid"], signal.SIGTERM)
    return int(manager.returncode or 0)


def main() -> int:
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.dev")
    os.environ.setdefault("BASE_DOMAIN", "localhost")
    port = os.environ.setdefault("PORT", "8000")
    if not port.isdigit():
        print(f"run_dev: PORT={port!r} is not a port number", file=sys.stderr)
        return 2
    os.environ["PYTHONUNBUFFERED"] = "1"  # log lines reach honcho as they are written
    # The Procfile's `python` and `celery` are this venv's, whether or not it is activated.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    (ROOT / ".local").mkdir(exist_ok=True)  # celery beat's schedule file lives there

    try:
        manage("migrate_schemas", "--noinput")
        manage("provision_centres", "--demo")
        # The demo's benchmark history (about 3 minutes of work) is left to the worker.
        manage("benchmark_snapshots", "--backfill", "--if-empty")
        urls = manage("list_centres", "--urls", capture=True)  # uses PORT and BASE_DOMAIN
    except StepFailed as failure:
        return failure.returncode
    except KeyboardInterrupt:
        return 130
    print_banner(urls)
    return run_processes()


if __name__ == "__main__":
    sys.exit(main())
