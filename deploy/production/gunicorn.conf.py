"""gunicorn settings of the web process (deploy/production/Procfile: `gunicorn -c <this file>`).

Metrics across worker processes: each gunicorn worker counts its own requests, and a scrape reaches
only one of them. With PROMETHEUS_MULTIPROC_DIR set (the Procfile sets it) prometheus_client keeps
every worker's values in files there and /metrics sums them (opsplatform/metrics.py). The files of
the previous run are removed when gunicorn starts, and a worker that exits is marked dead so its
live gauges stop counting (its counters keep adding up, as Prometheus expects)."""

import os
import shutil
from pathlib import Path
from typing import Any


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
