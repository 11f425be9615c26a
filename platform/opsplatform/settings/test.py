"""The test suite: real PostgreSQL and Redis, the same code path users run."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# A queue of its own, so a `make run` worker on the same Redis never takes the suite's tasks.
os.environ.setdefault("CELERY_QUEUE", f"ops-test-{os.getpid()}")


def _test_redis_url(url: str) -> str:
    """The same Redis server, another database (REDIS_TEST_DB, default 15), so that the suite's
    broadcasts (worker pings) and cache never meet a `make run` worker or cache."""
    if os.environ.get("REDIS_TEST_URL"):
        return os.environ["REDIS_TEST_URL"]
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{os.environ.get('REDIS_TEST_DB', '15')}"))


os.environ["REDIS_URL"] = _test_redis_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/0"))
os.environ["REDIS_TEST_URL"] = os.environ["REDIS_URL"]

from opsplatform.settings.base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The domain cache is emptied before every test (tests/conftest.py) and never expires during one,
# so that tests counting a page's queries never see the lookup come back half-way.
TENANT_DOMAIN_CACHE_SECONDS = 24 * 60 * 60.0
# No spare schemas unless a test asks for them (tests/tenants/test_spares.py): each would be
# a replay of the template in every test database.
TENANT_SPARE_SCHEMAS = 0
