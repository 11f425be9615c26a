"""The one place that reads the process environment.

Every other settings module takes its values from here, so that what can be configured is listed
in one file (and in the README's configuration table).
"""

from pathlib import Path

import environ

# The opsplatform package (templates and static sources live inside it, so a plain
# `pip install .` finds them too) and the working directory the processes run in.
PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = Path.cwd()

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=False)
# Demo mode seeds and accepts the demo accounts. It is refused whenever DEBUG is off.
DEMO_MODE: bool = env.bool("DEMO_MODE", default=DEBUG)
if DEMO_MODE and not DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DEMO_MODE requires DEBUG: demo accounts are refused in production.")
# With DEBUG on, a fixed development key is acceptable; with DEBUG off there is no default.
SECRET_KEY: str = (
    env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
    if DEBUG
    else env.str("SECRET_KEY")
)
if not DEBUG and len(SECRET_KEY) < 32:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 32 characters."
    )
# Keys that encrypt secrets kept in the database (the authenticator apps' TOTP secrets): Fernet keys
# (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`),
# comma-separated. The first encrypts, every one decrypts, so a new key is put first, then
# `manage.py rotate_secret_keys` re-encrypts everything with it, then the old one is dropped.
# With DEBUG on, a key derived from SECRET_KEY is used when none is set; with DEBUG off it is
# required.
SECRETS_KEYS: list[str] = env.list("OPS_SECRETS_KEYS", default=[])
if not SECRETS_KEYS:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "OPS_SECRETS_KEYS must be set (one or more Fernet keys, comma-separated): it encrypts "
            "the two-factor secrets in the database."
        )
    import base64
    import hashlib

    SECRETS_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"ops-secrets-key:{SECRET_KEY}".encode()).digest()
        ).decode("ascii")
    ]
for _key in SECRETS_KEYS:
    try:
        from cryptography.fernet import Fernet

        Fernet(_key.strip())
    except ValueError as _exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "Every OPS_SECRETS_KEYS entry must be a Fernet key (32 bytes, url-safe base64)."
        ) from _exc
SECRETS_KEYS = [key.strip() for key in SECRETS_KEYS]
STATIC_ROOT: str = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
BASE_DOMAIN: str = env.str("BASE_DOMAIN", default="localhost")
DATABASE_URL: str = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:55432/ops")
REDIS_URL: str = env.str("REDIS_URL", default="redis://127.0.0.1:56379/0")
# Celery queue name; the test suite uses its own so a running `make run` never steals its tasks.
CELERY_QUEUE: str = env.str("CELERY_QUEUE", default="ops")
# A PostgreSQL backend keeps the catalog entries of every schema its connection has touched
# (about 0.35 MB each): a process that walks many centres closes its connection after this many
# (opsplatform.schemas.schemas_in_turn; centre tasks, snapshot batches, provisioning).
SCHEMAS_PER_CONNECTION: int = env.int("OPS_SCHEMAS_PER_CONNECTION", default=100)
# Centres per snapshot task (one task computes these centres in turn).
SNAPSHOT_CENTRES_PER_TASK: int = env.int("OPS_SNAPSHOT_CENTRES_PER_TASK", default=25)
# A worker process is replaced after this many tasks, or after a task that leaves it above this
# resident size (kB): the ceiling on a worker's memory whatever a task leaves behind.
WORKER_MAX_TASKS_PER_CHILD: int = env.int("OPS_WORKER_MAX_TASKS_PER_CHILD", default=500)
WORKER_MAX_MEMORY_PER_CHILD_KB: int = env.int("OPS_WORKER_MAX_MEMORY_PER_CHILD_KB", default=300_000)
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT: str = env.str("LOG_FORMAT", default="json")
EXTRA_ALLOWED_HOSTS: list[str] = env.list("EXTRA_ALLOWED_HOSTS", default=[])
# How many reverse proxies of our own stand between the clients and the web process: the client's
# address is the entry this many places from the right of X-Forwarded-For
# (opsplatform.client_address).
# 0 (the default, development) ignores the header: a client could write anything into it. The
# production kit (nginx on the host in front of web) uses 1.
TRUSTED_PROXY_HOPS: int = env.int("OPS_TRUSTED_PROXY_HOPS", default=0)
if TRUSTED_PROXY_HOPS < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("OPS_TRUSTED_PROXY_HOPS must be 0 or a positive number.")
# /readyz (database, Redis and worker detail) answers a request that carries
# "Authorization: Bearer <this token>"; with no token set, it answers requests from loopback only.
READYZ_TOKEN: str = env.str("OPS_READYZ_TOKEN", default="")

# How the application reaches PostgreSQL: "session" (directly, or a pooler in session mode: the
# default) or "transaction" (PgBouncer in transaction pooling mode): the search path is then set
# per transaction (SET LOCAL), never left on a pooled connection (opsplatform.transaction_pooling).
DATABASE_POOL_MODE: str = env.str("DATABASE_POOL_MODE", default="session").lower()
if DATABASE_POOL_MODE not in {"session", "transaction"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('DATABASE_POOL_MODE must be "session" or "transaction".')
# /metrics (Prometheus) answers a request with "Authorization: Bearer <this token>"; with no token
# set, requests from loopback only. nginx.conf never passes /metrics on.
METRICS_TOKEN: str = env.str("OPS_METRICS_TOKEN", default="")
# Errors and their request ids to Sentry; empty (the default): nothing is sent anywhere.
SENTRY_DSN: str = env.str("SENTRY_DSN", default="")

# Two-factor log-in (TOTP) for every centre staff role: "required" or "off". "off" is accepted only
# in demo mode, where it is the default so that testers can log in with the demo accounts.
TWO_FACTOR: str = env.str("OPS_TWO_FACTOR", default="off" if DEMO_MODE else "required").lower()
if TWO_FACTOR not in {"required", "off"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('OPS_TWO_FACTOR must be "required" or "off".')
if TWO_FACTOR == "off" and not DEMO_MODE:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "OPS_TWO_FACTOR=off is accepted only in demo mode: staff who see personal data must use "
        "two-factor log-in."
    )
# A session ends after this many minutes without a request, and in any case this many hours after
# the log-in.
SESSION_IDLE_MINUTES: int = env.int("OPS_SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS: int = env.int("OPS_SESSION_MAX_HOURS", default=10)
# API tokens, like sessions, end after a time without use and in any case some time after they
# were issued.
API_TOKEN_IDLE_DAYS: int = env.int("OPS_API_TOKEN_IDLE_DAYS", default=14)
API_TOKEN_MAX_DAYS: int = env.int("OPS_API_TOKEN_MAX_DAYS", default=90)
# An administrator's link to set up the authenticator app is good for this many hours, once.
ENROLMENT_LINK_HOURS: int = env.int("OPS_ENROLMENT_LINK_HOURS", default=72)
# E-mail (password reset links): printed to the console in development, SMTP in production.
EMAIL_URL: str = env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="ops@localhost")
