"""The production kit, run as written on this machine without containers (`make smoke`).

    python deploy/production/smoke.py [--keep]

Needs DATABASE_URL and REDIS_URL (make smoke runs it under deploy/devservices.py, which provides
them: the embedded servers or the machine's), Debian's nginx and openssl (installed with apt-get
when missing and run as root), and the venv's gunicorn and celery. It

1. makes a fresh database `<DATABASE_URL's name>_smoke` and a work directory under .local/smoke/;
2. runs the image build's `collectstatic` and the Procfile's `release` line (migrations and
   provisioning of the registry's centres) with the production settings (DEBUG off, a random
   SECRET_KEY, two-factor log-in required);
3. starts the Procfile's `web` (gunicorn), `worker` and `beat` lines through entrypoint.sh, on
   loopback;
4. installs deploy/production/nginx.conf the way its header says (envsubst, sites-available, the
   default site removed) into a copy of this machine's /etc/nginx, with a self-signed wildcard
   certificate, its ports moved to free loopback ports, and `nginx -t` with Debian's default site
   still enabled as well (no duplicate default server);
5. creates a centre account with `manage.py create_account` and enrols its authenticator
   (``prepare_account``), then, as a user would, through nginx over TLS: logs in to the API with
   password and code, lists and creates people, loads the log-in page and its hashed stylesheet;
   checks the request id (response, audit entries, nginx's access log, the web log), /metrics
   (refused through nginx, answered on loopback with the calls just made and the worker's task),
   /readyz with the worker, a task run by the worker in the centre, and beat running.

Every check prints one line; the first failure ends the run with exit code 1 and the logs' tails.
The processes are stopped at the end, the database dropped and the work directory removed after a
pass; --keep leaves both (and a failed run leaves both) for inspection.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):  # run as a script: the repository root makes deploy importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.production.smoke_support.client import Browser, plain_get
from deploy.production.smoke_support.common import (
    BASE_DOMAIN,
    BIN,
    CENTRE,
    CENTRE_HOST,
    PRODUCTION,
    ROOT,
    STARTUP_SECONDS,
    WORK,
    SmokeFailure,
    check,
    free_port,
    say,
)
from deploy.production.smoke_support.nginx import install_nginx, nginx_and_openssl


def wait_for(ready: Callable[[], object], what: str, processes: list[Process]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        for process in processes:
            if process.popen.poll() is not None:
                raise SmokeFailure(f"{process.name} exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out waiting for {what}")
        time.sleep(0.2)


# --- Environment ---------------------------------------------------------------------------------


def smoke_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SmokeFailure("DATABASE_URL is not set: run `make smoke` (deploy/devservices.py)")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_smoke"))


def fresh_database(url: str, *, create: bool = True) -> None:
    """Drop the smoke's database if it is there, and create it empty (unless ``create`` is off)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


def production_env(database_url: str, web_port: int) -> dict[str, str]:
    """The environment of every process: env.example's production values, for this machine."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "opsplatform.settings.production",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # A Fernet key (32 random bytes, URL-safe base64) for the two-factor secrets at rest.
        "OPS_SECRETS_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BASE_DOMAIN": BASE_DOMAIN,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        # A queue of its own: no other worker on this Redis takes the smoke's tasks.
        "CELERY_QUEUE": f"ops-smoke-{os.getpid()}",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "OPS_TRUSTED_PROXY_HOPS": "1",
        "OPS_READYZ_TOKEN": "",
        "OPS_METRICS_TOKEN": "",
        "SENTRY_DSN": "",
        "STATIC_ROOT": str(WORK / "staticfiles"),
        "EMAIL_URL": "consolemail://",
        "PORT": str(web_port),
        "WEB_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "1",
        "CELERY_BEAT_SCHEDULE": str(WORK / "celerybeat-schedule"),
        "PROMETHEUS_MULTIPROC_DIR": str(WORK / "metrics"),
        "PYTHONUNBUFFERED": "1",
    }


# --- Processes -----------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


def run(command: list[str], env: dict[str, str], what: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SmokeFailure(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    say(f"ok   {what}")
    return done.stdout


@contextmanager
def procfile_processes(env: dict[str, str], names: list[str]) -> Iterator[list[Process]]:
    """The Procfile's lines, started as the image starts them (entrypoint.sh <type>)."""
    started: list[Process] = []
    try:
        for name in names:
            log = WORK / f"{name}.log"
            popen = subprocess.Popen(
                ["/bin/sh", str(PRODUCTION / "entrypoint.sh"), name],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            started.append(Process(name, popen, log))
        yield started
    finally:
        for process in started:
            stop(process.popen)


def stop(popen: subprocess.Popen[bytes]) -> None:
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, signal.SIGTERM)  # the process group this script started
    except ProcessLookupError:
        return
    try:
        popen.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()


# --- nginx ---------------------------------------------------------------------------------------


# --- A user's HTTPS client -----------------------------------------------------------------------


# --- The account ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    totp_secret: str


def prepare_account(env: dict[str, str], browser: Browser) -> Account:
    """A centre manager as an operator makes one (`manage.py create_account`, then
    `manage.py issue_enrolment_link`), who opens the one-time link through nginx, types the key
    into an authenticator (here: computes the code) and confirms it with the password. Kept in one
    function: enrolment is the part most likely to change."""
    username, password = "smoke-kierownik", secrets.token_urlsafe(18)
    run(
        [
            *(sys.executable, "manage.py", "create_account", "--centre", CENTRE, username),
            *("--role", "manager", "--password-stdin"),
        ],
        env,
        "manage.py create_account (a centre manager)",
        stdin=password + "\n",
    )
    printed = run(
        [sys.executable, "manage.py", "issue_enrolment_link", "--centre", CENTRE, username],
        env,
        "manage.py issue_enrolment_link",
    )
    link = re.search(r"https?://[^/\s]+(/\S+)", printed)
    if link is None:
        raise SmokeFailure(f"no enrolment link in: {printed!r}")
    status, _, page = browser.request("GET", CENTRE_HOST, link.group(1))
    secret = re.search(rb'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or secret is None or csrf is None:
        raise SmokeFailure(f"the enrolment link does not show the key ({status})")
    say("ok   the enrolment link shows the key")
    key = secret.group(1).decode().replace(" ", "")
    # The current code confirms it. A code is good once, so the API log-in below uses the next
    # step's code, which the server accepts too (phones' clocks drift by a step either way).
    status, _, answer = browser.request(
        "POST",
        CENTRE_HOST,
        link.group(1),
        form={
            "csrfmiddlewaretoken": csrf.group(1).decode(),
            "password": password,
            "code": totp_code(key),
        },
    )
    errors = re.findall(rb'class="[^"]*error[^"]*"[^>]*>([^<]+)<', answer)
    check(status == 302, f"authenticator confirmed with password and code ({status} {errors})")
    return Account(username, password, key)


def totp_code(secret: str, moment: float | None = None) -> str:
    """What an authenticator app shows (RFC 6238, the project's own implementation)."""
    sys.path.insert(0, str(ROOT))
    from tenants.accounts.totp import code_at

    return code_at(secret, moment)


# --- The run -------------------------------------------------------------------------------------


def smoke(keep: bool) -> None:
    started = time.monotonic()
    nginx, openssl = nginx_and_openssl()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    database_url = smoke_database_url()
    fresh_database(database_url)
    web_port, https_port, http_port = free_port(), free_port(), free_port()
    env = production_env(database_url, web_port)
    say(f"database {urlsplit(database_url).path.lstrip('/')}, work directory {WORK}")

    run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env,
        "manage.py check --deploy",
    )
    run([sys.executable, "manage.py", "collectstatic", "--noinput"], env, "collectstatic")
    check((WORK / "staticfiles" / "staticfiles.json").exists(), "static manifest written")
    run(["/bin/sh", str(PRODUCTION / "entrypoint.sh"), "release"], env, "Procfile release")

    with procfile_processes(env, ["web", "worker", "beat"]) as processes:
        wait_for(lambda: plain_get(web_port, BASE_DOMAIN, "/livez")[0] == 200, "web", processes)
        say(f"ok   gunicorn answers on 127.0.0.1:{web_port}")
        command, logs = install_nginx(nginx, openssl, web_port, https_port, http_port)
        nginx_process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        processes.append(Process("nginx", nginx_process, logs / "error.log"))
        try:
            browser = Browser(https_port, WORK / "fullchain.pem")
            wait_for(lambda: _live(browser), "nginx", processes)
            say(f"ok   nginx answers on 127.0.0.1:{https_port} (TLS, *.{BASE_DOMAIN})")
            as_a_user(browser, env, web_port, logs, processes)
        except BaseException:
            for process in processes:
                tail = (
                    process.log.read_text(errors="replace")[-1500:] if process.log.exists() else ""
                )
                print(f"--- {process.name} ({process.log}) ---\n{tail}", file=sys.stderr)
            raise
    if not keep:
        shutil.rmtree(WORK, ignore_errors=True)
        fresh_database(database_url, create=False)
    say(f"passed in {time.monotonic() - started:.0f} s")


def _pesel(born: str, serial: str) -> str:
    """A valid PESEL for a date of birth in the 1900s (YYMMDD) and a four-digit serial."""
    digits = born + serial
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check_digit = (10 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10) % 10
    return digits + str(check_digit)


PESEL = _pesel("800514", "1240")  # a woman (even tenth digit), born 1980-05-14


def _handshake_refused(port: int, name: str) -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            context.wrap_socket(sock, server_hostname=name).close()
        except ssl.SSLError:
            return True
    return False


def _live(browser: Browser) -> bool:
    try:
        return browser.request("GET", BASE_DOMAIN, "/livez")[0] == 200
    except OSError:
        return False


def as_a_user(
    browser: Browser, env: dict[str, str], web_port: int, logs: Path, processes: list[Process]
) -> None:
    status, headers, _ = browser.request("GET", CENTRE_HOST, "/konto/logowanie/")
    check(status == 200, f"log-in page of {CENTRE_HOST} through nginx")
    check("max-age=31536000" in headers.get("strict-transport-security", ""), "HSTS header")
    page = browser.request("GET", CENTRE_HOST, "/konto/logowanie/")[2].decode()
    stylesheet = re.search(r'href="(/static/ops/base\.[0-9a-f]{12}\.css)"', page)
    if stylesheet is None:
        raise SmokeFailure("the page does not link the content-hashed stylesheet")
    say("ok   the page links the content-hashed stylesheet")
    status, headers, css = browser.request("GET", CENTRE_HOST, stylesheet.group(1))
    check(
        status == 200 and "immutable" in headers.get("cache-control", "") and css,
        f"hashed stylesheet served with a one-year cache ({headers.get('cache-control')})",
    )
    check(_handshake_refused(browser.port, "not-ours.example"), "TLS refused for a foreign name")
    status, _, docs = browser.request("GET", CENTRE_HOST, "/api/docs/")
    check(status == 200 and b"/static/" in docs, "API docs with their hashed static files")
    for asset in re.findall(rb'(?:src|href)="(/static/[^"]+)"', docs):
        status, _, _ = browser.request("GET", CENTRE_HOST, asset.decode())
        check(status == 200, f"  {asset.decode()}")

    account = prepare_account(env, browser)
    status, refused, body = browser.request(
        "POST",
        CENTRE_HOST,
        "/api/auth/token/",
        {"username": account.username, "password": account.password},
    )
    check(
        status == 400 and json.loads(body)["code"] == "otp_required", "API log-in asks for a code"
    )
    refused_id = refused.get("x-request-id", "")
    status, _, body = browser.request(
        "POST",
        CENTRE_HOST,
        "/api/auth/token/",
        {
            "username": account.username,
            "password": account.password,
            "otp": totp_code(account.totp_secret, time.time() + 30),
            "name": "smoke",
        },
    )
    check(status == 200, f"API log-in with password and code ({status})")
    auth = {"Authorization": f"Token {json.loads(body)['token']}"}

    status, headers, body = browser.request(
        "POST",
        CENTRE_HOST,
        "/api/people/",
        {
            "first_name": "Anna",
            "last_name": "Próbna",
            "pesel": PESEL,
            "date_of_birth": "1980-05-14",
            "city": "Myślenice",
        },
        auth,
    )
    if status != 201:
        raise SmokeFailure(f"creating a person through the API answered {status}: {body!r}")
    say("ok   a person created through the API")
    person = json.loads(body)
    request_id = headers.get("x-request-id", "")
    check(re.fullmatch(r"[0-9a-f]{32}", request_id), "response carries nginx's request id")
    status, _, body = browser.request(
        "GET", CENTRE_HOST, f"/api/people/{person['id']}/", None, auth
    )
    check(status == 200 and json.loads(body)["last_name"] == "Próbna", "and read back")
    status, _, body = browser.request("GET", CENTRE_HOST, "/api/people/?page_size=10", None, auth)
    check(status == 200 and json.loads(body)["count"] == 1, "the centre's list holds it")

    audited = run(
        [sys.executable, "-c", _AUDIT_SCRIPT.format(centre=CENTRE, request_id=request_id)],
        env,
        "audit query",
    ).strip()
    check(
        audited.startswith("create ") and audited.endswith(" ok"),
        f"audit entry with the id: {audited}",
    )
    access = (logs / "ops.access.log").read_text()
    check(f'"request_id":"{request_id}"' in access, "nginx's access log has the same id")
    web_lines = [
        json.loads(line)
        for line in (WORK / "web.log").read_text().splitlines()
        if line.startswith("{")
    ]
    check(
        web_lines and all("request_id" in line for line in web_lines),
        f"every JSON line of the web log has a request_id ({len(web_lines)} lines)",
    )
    check(
        any(line["request_id"] == refused_id for line in web_lines),
        "the web log's line about the refused log-in names that request's id",
    )

    status, _, _ = browser.request("GET", CENTRE_HOST, "/metrics")
    check(status == 404, "/metrics is not served through nginx")
    status, body = plain_get(web_port, CENTRE_HOST, "/readyz")
    readiness = json.loads(body or b"{}")
    check(
        status == 200 and readiness.get("worker", {}).get("ok"), "readyz: database, Redis, worker"
    )
    run([sys.executable, "manage.py", "probe_task", CENTRE], env, f"a task run in {CENTRE}")
    deadline = time.monotonic() + 60
    while True:
        status, body = plain_get(web_port, BASE_DOMAIN, "/metrics")
        text = body.decode()
        counted = f'centre="{CENTRE}"' in text and "ops_celery_tasks_total" in text
        if (status == 200 and counted) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    check(status == 200, "/metrics answers on loopback")
    check('view="casework-api:person-list"' in text, "requests by view in /metrics")
    check(counted, f"tasks by centre in /metrics ({CENTRE})")
    check("ops_celery_queue_length{" in text, "queue length in /metrics")
    beat_log = (WORK / "beat.log").read_text()
    check("beat: Starting" in beat_log or "Scheduler" in beat_log, "beat is running")
    for process in processes:
        check(process.popen.poll() is None, f"{process.name} still running")


_AUDIT_SCRIPT = """
import django; django.setup()
from django_tenants.utils import schema_context
from casework.audit import audit_verify
from casework.models import AuditEntry
with schema_context({centre!r}):
    entries = list(AuditEntry.objects.filter(request_id={request_id!r}))
    print(" ".join(sorted(e.action for e in entries)), "ok" if audit_verify().ok else "BROKEN")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep .local/smoke (logs) afterwards")
    args = parser.parse_args()
    try:
        smoke(args.keep)
    except SmokeFailure as failure:
        say(f"FAILED {failure}")
        sys.exit(1)


if __name__ == "__main__":
    main()
