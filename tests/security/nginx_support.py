"""Debian's nginx running deploy/production/nginx.conf in front of gunicorn, both on loopback,
for tests that go through the real proxy configuration.

nginx is found at its path (NGINX_PATH, /usr/sbin/nginx, or on PATH) and installed with apt-get
when missing and the suite runs as root (CI machines), like the browser tests' chromium. Every file
nginx writes (pid, logs, temporary bodies) is under a temporary directory: no root paths."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.debian_tools import apt_install, can_apt_install, found_executable
from tests.ui.server import free_port
from tests.workers import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "production" / "nginx.conf"
ENV_EXAMPLE = ROOT / "deploy" / "production" / "env.example"
PACKAGES = ("nginx-light", "openssl")
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
STARTUP_SECONDS = 60


def _found_nginx() -> str | None:
    return found_executable("NGINX_PATH", NGINX_CANDIDATES, "nginx")


def nginx_and_openssl() -> tuple[str, str] | str:
    """The paths of nginx and openssl (installing Debian's packages first if needed and
    possible), or the reason why they cannot be had."""
    nginx, openssl = _found_nginx(), shutil.which("openssl")
    if nginx and openssl:
        return nginx, openssl
    failure = apt_install(PACKAGES) if can_apt_install() else None
    if failure:
        return failure
    nginx, openssl = _found_nginx(), shutil.which("openssl")
    if nginx and openssl:
        return nginx, openssl
    return (
        "These tests need Debian's nginx and openssl: run `apt-get install nginx-light openssl` "
        "as root (or set NGINX_PATH to an nginx binary)."
    )


def production_env_value(name: str) -> str:
    """A value the production kit sets (deploy/production/env.example)."""
    match = re.search(rf"^{re.escape(name)}=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    assert match, f"{name} is not set in {ENV_EXAMPLE}"
    return match.group(1).strip()


def render_site_config(
    *, web_port: int, http_port: int, https_port: int, directory: Path, certificate: Path, key: Path
) -> str:
    """deploy/production/nginx.conf as written, with its placeholders filled in (as the envsubst
    command at its top does), its listen ports moved to loopback, IPv6 listens dropped (loopback
    IPv6 may not exist here) and its log files under ``directory``."""
    text = NGINX_CONF.read_text()
    values = {
        "BASE_DOMAIN": settings.BASE_DOMAIN,
        "WEB_UPSTREAM": f"127.0.0.1:{web_port}",
        "TLS_CERTIFICATE": str(certificate),
        "TLS_CERTIFICATE_KEY": str(key),
    }
    # Only the lines that are configuration (comments show the placeholders too).
    lines = []
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            for name, value in values.items():
                line = line.replace("${" + name + "}", value)
        lines.append(line)
    text = "\n".join(lines) + "\n"
    replacements = [
        (r"^(\s*)listen \[::\]:\d+.*;\n", ""),
        (r"^(\s*)listen 80( |;)", rf"\1listen 127.0.0.1:{http_port}\2"),
        (r"^(\s*)listen 443( |;)", rf"\1listen 127.0.0.1:{https_port}\2"),
        (r"/var/log/nginx/", f"{directory}/logs/"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count, f"nginx.conf changed: {pattern!r} no longer matches; update this test"
    config_lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("${" in line for line in config_lines), "a placeholder was left unfilled"
    return text


def _main_config(directory: Path) -> str:
    temp = directory / "temp"
    return f"""
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/logs/error.log info;
events {{ worker_connections 128; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    access_log {directory}/logs/access.log;
    include {directory}/ops.conf;
}}
"""


def _self_signed(openssl: str, directory: Path) -> tuple[Path, Path]:
    domain = settings.BASE_DOMAIN
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={domain}",
            "-addext",
            f"subjectAltName=DNS:{domain},DNS:*.{domain}",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(database_url: str, extra_env: dict[str, str], *, workers: int = 2) -> Iterator[int]:
    """gunicorn serving the test database on a free loopback port, as the Procfile's web line
    runs it (the test settings: demo accounts, no second factor); yields the port once /livez
    answers. Its output goes to test-artifacts/gunicorn.log."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "opsplatform.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_TEST_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    with (ARTIFACTS / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "opsplatform.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--error-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until(
                lambda: _plain_get(port, "/livez") == 200,
                process,
                f"gunicorn did not start; see {log.name}",
            )
            yield port
        finally:
            _stop(process)


@dataclass(frozen=True)
class Proxy:
    https_port: int
    directory: Path

    def request(
        self,
        method: str,
        path: str,
        *,
        host: str,
        source: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTPS request to nginx from the loopback address ``source``, with SNI and Host
        ``host``; (status, headers, body)."""
        connection = _Connection(self.https_port, host, source)
        try:
            connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@contextmanager
def nginx_in_front_of(web_port: int) -> Iterator[Proxy]:
    """nginx with the production site configuration, proxying to ``web_port``; yields once a
    request through it reaches the web process."""
    found = nginx_and_openssl()
    assert not isinstance(found, str), found
    nginx, openssl = found
    directory = Path(tempfile.mkdtemp(prefix="ops-nginx-"))
    # When run as root, nginx's workers run as nobody: they must reach the temporary paths.
    directory.chmod(0o755)
    try:
        for sub in ("logs", "temp", "static"):
            (directory / sub).mkdir()
            (directory / sub).chmod(0o777)
        certificate, key = _self_signed(openssl, directory)
        http_port, https_port = free_port(), free_port()
        (directory / "ops.conf").write_text(
            render_site_config(
                web_port=web_port,
                http_port=http_port,
                https_port=https_port,
                directory=directory,
                certificate=certificate,
                key=key,
            )
        )
        (directory / "nginx.conf").write_text(_main_config(directory))
        command = [
            nginx,
            "-p",
            str(directory),
            "-c",
            str(directory / "nginx.conf"),
            "-e",
            str(directory / "logs" / "error.log"),
        ]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, f"nginx -t refused the configuration:\n{checked.stderr}"
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        proxy = Proxy(https_port=https_port, directory=directory)
        try:
            _wait_until(
                lambda: _through(proxy) == 200,
                process,
                f"nginx did not start; see {directory}/logs/error.log",
            )
            yield proxy
        finally:
            _stop(process)
            _keep_logs(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _keep_logs(directory: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for name in ("error.log", "ops.access.log"):
        source = directory / "logs" / name
        if source.exists():
            shutil.copyfile(source, ARTIFACTS / f"nginx-{name}")


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 from a chosen loopback source, with SNI for the name (nginx refuses
    the handshake for any name that is not ours). The certificate is the test's own."""

    def __init__(self, port: int, server_name: str, source: str) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__("127.0.0.1", port, timeout=30, context=context, source_address=(source, 0))
        self._server_name = server_name
        self._source = source

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout, (self._source, 0))
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)  # type: ignore[attr-defined]  # HTTPSConnection's private context


def _plain_get(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path, headers={"Host": settings.BASE_DOMAIN})
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def _through(proxy: Proxy) -> int | None:
    try:
        return proxy.request("GET", "/livez", host=settings.BASE_DOMAIN, source="127.0.0.1")[0]
    except (OSError, http.client.HTTPException):
        return None


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], failure: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.2)
