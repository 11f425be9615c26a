"""Debian's PgBouncer in transaction pooling mode in front of the test database, on loopback.

PgBouncer is found at its path (PGBOUNCER_PATH, /usr/sbin/pgbouncer, or on PATH) and installed
with apt-get when missing and the suite runs as root (CI machines), like nginx and chromium. Its
files (configuration, user list, log, pid) live in a temporary directory; as root it runs as
``nobody`` (PgBouncer refuses to run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.debian_tools import apt_install, can_apt_install, found_executable
from tests.ui.server import free_port
from tests.workers import ARTIFACTS

CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/local/bin/pgbouncer", "/usr/bin/pgbouncer")
STARTUP_SECONDS = 30


def _found() -> str | None:
    return found_executable("PGBOUNCER_PATH", CANDIDATES, "pgbouncer")


def pgbouncer_executable() -> str:
    """The path of pgbouncer (installing Debian's package first if needed and possible), or the
    reason why it cannot be had, as a string starting with "!"."""
    found = _found()
    if found:
        return found
    failure = apt_install(["pgbouncer"]) if can_apt_install() else None
    if failure:
        return f"!{failure}"
    found = _found()
    if found:
        return found
    return "!These tests need Debian's PgBouncer: run `apt-get install pgbouncer` as root."


@contextmanager
def pgbouncer(database_url: str, *, pool_size: int) -> Iterator[str]:
    """PgBouncer in transaction pooling mode with ``pool_size`` server connections to the
    database of ``database_url``; yields the URL that goes through it."""
    executable = pgbouncer_executable()
    assert not executable.startswith("!"), executable[1:]
    target = urlsplit(database_url)
    user = target.username or "postgres"
    database = target.path.lstrip("/")
    directory = Path(tempfile.mkdtemp(prefix="ops-pgbouncer-"))
    directory.chmod(0o777)
    port = free_port()
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    server = f"host={target.hostname or '127.0.0.1'} port={target.port or 5432} dbname={database}"
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
{database} = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
"""
    )
    for name in ("users.txt", "pgbouncer.ini"):
        (directory / name).chmod(0o644)
    command = [executable, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "nobody"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start; see {directory}/pgbouncer.log")
            time.sleep(0.1)
        netloc = f"{user}@127.0.0.1:{port}"
        yield urlunsplit(target._replace(netloc=netloc))
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        ARTIFACTS.mkdir(exist_ok=True)
        log = directory / "pgbouncer.log"
        if log.exists():
            shutil.copyfile(log, ARTIFACTS / "pgbouncer.log")
        shutil.rmtree(directory, ignore_errors=True)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
