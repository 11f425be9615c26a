"""Which host reaches what: centres, the portal, and clear refusals for everything else."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "hostname", ["nieznany.localhost", "myslenice.localhost.evil.com", "evil.com"]
)
def test_unknown_hosts_get_a_clear_polish_404(hostname: str) -> None:
    response = Client(HTTP_HOST=hostname).get("/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Nie znaleziono ośrodka pod tym adresem" in html
    assert "myslenice.localhost" in html  # tells what a centre's address looks like


def test_the_portal_answers_on_the_base_domain() -> None:
    response = Client(HTTP_HOST="localhost").get("/konto/logowanie/")
    assert response.status_code == 200
    assert "koordynatora regionalnego" in response.content.decode()


def test_a_port_in_the_host_is_accepted() -> None:
    assert Client(HTTP_HOST="krasnystaw.localhost:8000").get("/konto/logowanie/").status_code == 200


def test_forwarded_host_is_not_trusted() -> None:
    client = Client(HTTP_HOST="nieznany.localhost", HTTP_X_FORWARDED_HOST="myslenice.localhost")
    assert client.get("/konto/logowanie/").status_code == 404
    client = Client(HTTP_HOST="debica.localhost", HTTP_X_FORWARDED_HOST="myslenice.localhost")
    assert "MOPS Dębica" in client.get("/konto/logowanie/").content.decode()


def test_centre_pages_name_their_centre() -> None:
    html = Client(HTTP_HOST="daleszyce.localhost").get("/konto/logowanie/").content.decode()
    assert "MGOPS Daleszyce" in html
