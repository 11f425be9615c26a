"""The tenant's search path is set once per request, not before every statement: with 2,500
centres on one server the SET was a third of the statements a simple API call sent."""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sets_sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every `SET search_path` statement sent to PostgreSQL (django-tenants sends it on a raw
    cursor, which Django's query capture does not see)."""
    sent: list[str] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else str(query)
        if text.lstrip().upper().startswith("SET SEARCH_PATH"):
            sent.append(text)
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    yield sent


@pytest.mark.parametrize("path", ["/api/teams/", "/api/cases/?page_size=5", "/"])
def test_one_search_path_per_request(
    centre_client: CentreClientFactory, sets_sent: list[str], path: str
) -> None:
    client = centre_client.logged_in("krasnystaw", "kierownik")
    client.get(path)  # warm: the host → centre lookup is cached after the first request
    sets_sent.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert sets_sent == ['SET search_path = "krasnystaw","public"']
