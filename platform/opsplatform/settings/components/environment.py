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
STATIC_ROOT: str = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
BASE_DOMAIN: str = env.str("BASE_DOMAIN", default="localhost")
DATABASE_URL: str = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:55432/ops")
REDIS_URL: str = env.str("REDIS_URL", default="redis://127.0.0.1:56379/0")
# Celery queue name; the test suite uses its own so a running `make run` never steals its tasks.
CELERY_QUEUE: str = env.str("CELERY_QUEUE", default="ops")
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT: str = env.str("LOG_FORMAT", default="json")
EXTRA_ALLOWED_HOSTS: list[str] = env.list("EXTRA_ALLOWED_HOSTS", default=[])
