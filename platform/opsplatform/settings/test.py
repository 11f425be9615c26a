"""The test suite: real PostgreSQL and Redis, the same code path users run."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# A queue of its own, so a `make run` worker on the same Redis never takes the suite's tasks.
os.environ.setdefault("CELERY_QUEUE", f"ops-test-{os.getpid()}")

from opsplatform.settings.base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
