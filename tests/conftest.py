"""Suite-wide fixtures. The five centres are provisioned once per session from the repository's
registry, with demo data, exactly as `make run` does; tests run in transactions that roll back."""

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoDbBlocker

from opsplatform.schemas import use_public_schema
from tenants.demo import DEMO_PASSWORD

CENTRE_SLUGS = ("myslenice", "krasnystaw", "piaseczno", "daleszyce", "debica")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("provision_centres", "--demo", stdout=io.StringIO())
    yield


@pytest.fixture(autouse=True)
def _public_schema_after_each_test() -> Iterator[None]:
    yield
    use_public_schema()


@pytest.fixture(autouse=True)
def _domain_cache_emptied() -> None:
    """Each test starts with an empty host → centre cache (rolled-back centres leave no trace),
    which the test settings keep for the whole test (stable query counts)."""
    from opsplatform.middleware import forget_cached_domains

    forget_cached_domains()


@pytest.fixture(autouse=True)
def _login_lockouts_cleared() -> Iterator[None]:
    """Failed log-ins are counted in Redis, which no transaction rolls back: forget them after each
    test, so that one test's failures (or a fuzzing run's) never lock out the next test's log-in."""
    yield
    from tenants.accounts.lockout import clear_all

    clear_all()


def host(slug: str | None) -> str:
    return f"{slug}.localhost" if slug else "localhost"


@pytest.fixture
def centre_client() -> "CentreClientFactory":
    return CentreClientFactory()


class CentreClientFactory:
    """Builds test clients bound to one host (a centre's or the portal's)."""

    def __call__(self, slug: str | None) -> Client:
        return Client(HTTP_HOST=host(slug))

    def logged_in(self, slug: str | None, username: str, password: str = DEMO_PASSWORD) -> Client:
        client = self(slug)
        response = client.post("/konto/logowanie/", {"username": username, "password": password})
        assert response.status_code == 302, f"log-in of {username} at {host(slug)} failed"
        return client


@pytest.fixture(scope="session")
def worker(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[object]:
    """A real Celery worker for the whole session (started on first use)."""
    from tests.workers import celery_worker

    with django_db_blocker.unblock(), celery_worker() as process:
        yield process
