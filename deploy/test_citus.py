"""``make test-citus``: the platform on a local Citus cluster (deploy/citus_cluster.py).

Steps, each timed: start the coordinator and two workers (installing the extension with
``../shared/citus/install.sh`` when missing), make the test database afresh on every node, then
one pytest session against the coordinator — migrations and the five demo centres with their
history (the session's setup), the journey through the API, the isolation suite, a snapshot run
and an export, one centre's backup and restore, the audit trail's guarantees, the layout and a
centre moved between workers under writes — and finally which worker holds each centre.

Exit 0 with a message, running nothing, only when Citus cannot be had on this machine
(citus_cluster.py's exit 3: no Debian PostgreSQL 15, no install script, not root to install).
``CITUS_KEEP=1`` leaves the cluster running afterwards; ``CITUS_TESTS`` replaces the test list.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

import citus_cluster  # noqa: E402 (beside this script)

MOVE_REPORT = ROOT / "test-artifacts" / "citus" / "move.txt"
DATABASE = os.environ.get("CITUS_DATABASE", "ops_citus")
TESTS = [
    "tests/casework/test_journey_api.py",
    "tests/security/test_isolation.py",
    "tests/benchmarking/test_snapshots.py",
    "tests/benchmarking/test_exports.py",
    "tests/tenants/test_backup.py",
    "tests/casework/test_audit.py",
    "tests/citus",
]


def step(name: str, timings: list[tuple[str, float]], started: float) -> None:
    elapsed = time.monotonic() - started
    timings.append((name, elapsed))
    print(f"==> {name}: {elapsed:.1f} s", flush=True)


def main() -> int:
    timings: list[tuple[str, float]] = []
    began = time.monotonic()
    print("==> citus: starting the cluster", flush=True)
    status = citus_cluster.main(["start"])
    if status == citus_cluster.UNAVAILABLE:
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
        status = citus_cluster.main(["database", test_database, "--fresh"])
        if status:
            return status
        step(f"database {test_database} on every node", timings, started)

        started = time.monotonic()
        tests = os.environ.get("CITUS_TESTS", "").split() or TESTS
        env = {**os.environ, "DATABASE_URL": citus_cluster.url(DATABASE)}
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
        citus_cluster.main(["placement", test_database])
        print("==> timings", flush=True)
        for name, seconds in timings:
            print(f"    {seconds:7.1f} s  {name}", flush=True)
        print(f"    {time.monotonic() - began:7.1f} s  make test-citus in all", flush=True)
        return result.returncode
    finally:
        if os.environ.get("CITUS_KEEP") != "1":
            citus_cluster.main(["stop"])


if __name__ == "__main__":
    sys.exit(main())
