"""A local Citus cluster for tests and trials: a coordinator and two workers, each its own
PostgreSQL 15 server from Debian's packages (``/usr/lib/postgresql/15/bin``), data under
``.local/citus/``.

Usage (``make test-citus`` does all of it)::

    python deploy/citus_cluster.py start        # install the extension if missing, start the nodes
    python deploy/citus_cluster.py database NAME [--fresh]
                                                # NAME on every node with the extension, the
                                                # workers registered in it (--fresh: dropped first)
    python deploy/citus_cluster.py placement NAME   # which worker holds each centre's schema
    python deploy/citus_cluster.py url NAME     # the coordinator's DATABASE_URL for NAME
    python deploy/citus_cluster.py status | stop
    python deploy/citus_cluster.py test         # make test-citus, below

``test`` (``make test-citus``):

Steps, each timed: start the coordinator and two workers (installing the extension with
``../shared/citus/install.sh`` when missing), make the test database afresh on every node, then
one pytest session against the coordinator — migrations and the five demo centres with their
history (the session's setup), the journey through the API, the isolation suite, a snapshot run
and an export, one centre's backup and restore, a migration replayed across schemas, the audit
trail's guarantees, the layout, no spare schemas, and a centre moved between workers under
writes — and finally which worker holds each centre.

Exit 0 with a message, running nothing, only when Citus cannot be had on this machine
(the other commands' exit 3: no Debian PostgreSQL 15, no install script, not root to install).
``CITUS_KEEP=1`` leaves the cluster running afterwards; ``CITUS_TESTS`` replaces the test list.

Environment: ``CITUS_PORT`` (the coordinator, default 9700), ``CITUS_WORKER_PORTS`` (default
``9701,9702``), ``CITUS_INSTALL`` (the install script, default ``../shared/citus/install.sh``
beside the repository), ``CITUS_PG_BIN`` (default ``/usr/lib/postgresql/15/bin``).

PostgreSQL refuses to run as root: as root the nodes run as Debian's ``postgres`` system user
(the postgresql-15 package creates it), who is given the data directory. Exit status 3 means
Citus cannot be had on this machine (the message says why); any other failure is 1.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".local" / "citus"
SOCKET_DIR = Path("/tmp")  # noqa: S108 (the nodes' sockets; ports differ from any other server)
PG_BIN = Path(os.environ.get("CITUS_PG_BIN", "/usr/lib/postgresql/15/bin"))
SYSTEM_USER = "postgres"
UNAVAILABLE = 3


class ClusterError(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def log(message: str) -> None:
    print(f"citus: {message}", file=sys.stderr, flush=True)


def coordinator_port() -> int:
    return int(os.environ.get("CITUS_PORT", "9700"))


def worker_ports() -> list[int]:
    raw = os.environ.get("CITUS_WORKER_PORTS", "9701,9702")
    return [int(p) for p in raw.split(",") if p.strip()]


def all_ports() -> list[int]:
    return [coordinator_port(), *worker_ports()]


def install_script() -> Path:
    configured = os.environ.get("CITUS_INSTALL")
    if configured:
        return Path(configured)
    return ROOT.parent / "shared" / "citus" / "install.sh"


def _user() -> pwd.struct_passwd | None:
    """The system user the servers run as, or None to run them as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise ClusterError(
            f"no system user {SYSTEM_USER!r}: install Debian's postgresql-15", UNAVAILABLE
        ) from None


def _run(argv: list[str], *, as_server: bool = False, check: bool = True) -> str:
    user = _user() if as_server else None
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if user is not None:
        env["HOME"] = user.pw_dir
    done = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd="/",
        env=env,
        start_new_session=True,
        check=False,
        user=user.pw_uid if user else None,
        group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
    )
    if check and done.returncode != 0:
        raise ClusterError(f"{shlex.join(argv)} failed:\n{(done.stdout + done.stderr).strip()}")
    return done.stdout


def ensure_installed() -> None:
    if not (PG_BIN / "postgres").exists():
        raise ClusterError(
            f"no PostgreSQL 15 server at {PG_BIN} (Debian 12's postgresql-15 is needed)",
            UNAVAILABLE,
        )
    lib = Path(_run([str(PG_BIN.parent / "bin" / "pg_config"), "--pkglibdir"]).strip() or "/")
    if (lib / "citus.so").exists():
        return
    script = install_script()
    if not script.exists():
        raise ClusterError(
            f"Citus is not installed in {lib} and its install script {script} is missing "
            "(set CITUS_INSTALL to ../shared/citus/install.sh of these machines)",
            UNAVAILABLE,
        )
    log(f"installing the extension with {script}")
    done = subprocess.run([str(script)], check=False)
    if done.returncode != 0 or not (lib / "citus.so").exists():
        raise ClusterError(f"{script} could not install Citus here", UNAVAILABLE)


def _node_dir(port: int) -> Path:
    return DATA / f"n{port}"


def _running(port: int) -> bool:
    pidfile = _node_dir(port) / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    return Path(f"/proc/{pid}").exists()


def _psql(port: int, sql: str, database: str = "postgres", *, check: bool = True) -> str:
    return _run(
        [
            str(PG_BIN / "psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        ],
        check=check,
    )


def start() -> None:
    ensure_installed()
    user = _user()
    DATA.mkdir(parents=True, exist_ok=True)
    if user is not None:
        # The servers' user must reach the data directory: traverse bits on the folders above it.
        for folder in [DATA, *DATA.parents]:
            mode = folder.stat().st_mode
            if mode & 0o011 != 0o011:
                folder.chmod(mode | 0o011)
        os.chown(DATA, user.pw_uid, user.pw_gid)
    for port in all_ports():
        node = _node_dir(port)
        if not (node / "PG_VERSION").exists():
            log(f"initdb {node.relative_to(ROOT)}")
            _run(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(node),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ],
                as_server=True,
            )
            with (node / "postgresql.conf").open("a") as conf:
                conf.write(
                    "\n# citus_cluster.py\n"
                    "shared_preload_libraries = 'citus'\n"
                    "listen_addresses = '127.0.0.1'\n"
                    "wal_level = logical\n"  # shard moves use logical replication
                    "max_connections = 200\n"
                    "fsync = off\n"  # a throwaway test cluster
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "citus.node_conninfo = 'sslmode=disable'\n"  # loopback only
                )
        if _running(port):
            continue
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(node),
                "-o",
                f"-p {port} -k {SOCKET_DIR}",
                "-l",
                str(DATA / f"n{port}.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            as_server=True,
        )
        log(f"node on port {port} started")


def stop() -> None:
    for port in all_ports():
        if _running(port):
            _run(
                [str(PG_BIN / "pg_ctl"), "-D", str(_node_dir(port)), "-m", "fast", "-w", "stop"],
                as_server=True,
            )
            log(f"node on port {port} stopped")


def status() -> int:
    down = 0
    for port in all_ports():
        state = "running" if _running(port) else "stopped"
        down += state == "stopped"
        role = "coordinator" if port == coordinator_port() else "worker"
        print(f"{role} 127.0.0.1:{port} {state}")
    return 1 if down else 0


def database(name: str, *, fresh: bool) -> None:
    """``name`` on every node with the extension, and on the coordinator the cluster's metadata."""
    for port in all_ports():
        exists = _psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()  # noqa: S608 (our own name)
        if exists and fresh:
            _psql(port, f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = ""
        if not exists:
            _psql(port, f'CREATE DATABASE "{name}"')
        _psql(port, "CREATE EXTENSION IF NOT EXISTS citus", name)
    coordinator = coordinator_port()
    _psql(coordinator, f"SELECT citus_set_coordinator_host('127.0.0.1', {coordinator})", name)
    known = set(_psql(coordinator, "SELECT nodeport FROM pg_dist_node", name).split())
    for port in worker_ports():
        if str(port) not in known:
            _psql(coordinator, f"SELECT citus_add_node('127.0.0.1', {port})", name)
    # Settings every session of this database needs (tenants/citus.py DATABASE_SETTINGS says why).
    for setting, value in (
        ("citus.enable_unsafe_triggers", "on"),
        ("citus.propagate_set_commands", "local"),
    ):
        _psql(coordinator, f'ALTER DATABASE "{name}" SET {setting} = {value}', name)
    log(f"database {name} ready on {len(all_ports())} nodes")


def placement(name: str) -> str:
    return _psql(
        coordinator_port(),
        """
        SELECT s.schema_name || ' -> worker ' || n.nodename || ':' || n.nodeport
               || ' (' || count(*) || ' tables)'
        FROM citus_schemas s
        JOIN citus_shards sh ON sh.citus_table_type = 'schema'
            AND sh.table_name::text LIKE s.schema_name || '.%'
        JOIN pg_dist_node n ON n.nodename = sh.nodename AND n.nodeport = sh.nodeport
        GROUP BY s.schema_name, n.nodename, n.nodeport
        ORDER BY s.schema_name::text
        """,
        name,
    )


def url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:{coordinator_port()}/{name}"


MOVE_REPORT = ROOT / "test-artifacts" / "citus" / "move.txt"
DATABASE = os.environ.get("CITUS_DATABASE", "ops_citus")
TESTS = [
    "tests/casework/test_journey_api.py",
    "tests/security/test_isolation.py",
    "tests/benchmarking/test_snapshots.py",
    "tests/benchmarking/test_exports.py",
    "tests/tenants/test_backup.py",
    "tests/tenants/test_migration_executor.py",
    "tests/casework/test_audit.py",
    "tests/citus",
]


def step(name: str, timings: list[tuple[str, float]], started: float) -> None:
    elapsed = time.monotonic() - started
    timings.append((name, elapsed))
    print(f"==> {name}: {elapsed:.1f} s", flush=True)


def run_tests() -> int:
    """``make test-citus`` (see the module docstring)."""
    timings: list[tuple[str, float]] = []
    began = time.monotonic()
    print("==> citus: starting the cluster", flush=True)
    status = main(["start"])
    if status == UNAVAILABLE:
        print(
            "make test-citus: Citus cannot be installed on this machine (see above); "
            "nothing was run.",
            flush=True,
        )
        return 0
    if status:
        return status
    step("cluster started", timings, began)
    try:
        started = time.monotonic()
        test_database = f"test_{DATABASE}"
        status = main(["database", test_database, "--fresh"])
        if status:
            return status
        step(f"database {test_database} on every node", timings, started)

        started = time.monotonic()
        tests = os.environ.get("CITUS_TESTS", "").split() or TESTS
        env = {**os.environ, "DATABASE_URL": url(DATABASE)}
        python = str(ROOT / ".venv" / "bin" / "python")
        command = [python, "deploy/devservices.py", "exec", "--", python, "-m", "pytest"]
        command += ["--reuse-db", "-p", "no:randomly", "-q", *tests]
        MOVE_REPORT.unlink(missing_ok=True)
        print(f"==> pytest against the coordinator ({env['DATABASE_URL']})", flush=True)
        result = subprocess.run(command, cwd=ROOT, env=env, check=False)
        step("pytest (migrations, provisioning, suites, move)", timings, started)

        if MOVE_REPORT.exists():
            print("==> the move under writes", flush=True)
            print(MOVE_REPORT.read_text(), end="", flush=True)
        print("==> which worker holds each centre", flush=True)
        main(["placement", test_database])
        print("==> timings", flush=True)
        for name, seconds in timings:
            print(f"    {seconds:7.1f} s  {name}", flush=True)
        print(f"    {time.monotonic() - began:7.1f} s  make test-citus in all", flush=True)
        return result.returncode
    finally:
        if os.environ.get("CITUS_KEEP") != "1":
            main(["stop"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start")
    sub.add_parser("stop")
    sub.add_parser("status")
    sub.add_parser("test")
    db = sub.add_parser("database")
    db.add_argument("name")
    db.add_argument("--fresh", action="store_true")
    for command in ("placement", "url"):
        sub.add_parser(command).add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            start()
        elif args.command == "stop":
            stop()
        elif args.command == "status":
            return status()
        elif args.command == "test":
            return run_tests()
        elif args.command == "database":
            database(args.name, fresh=args.fresh)
        elif args.command == "placement":
            print(placement(args.name).rstrip())
        elif args.command == "url":
            print(url(args.name))
    except ClusterError as exc:
        log(str(exc))
        return exc.status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
