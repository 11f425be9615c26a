"""Polish by default whatever the browser says; English only when chosen with the switch."""

from django.test import Client


def test_polish_even_for_an_english_browser(db: None) -> None:
    response = Client(HTTP_HOST="daleszyce.localhost").get(
        "/konto/logowanie/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
    )
    assert response["Content-Language"] == "pl"
    assert 'lang="pl"' in response.content.decode()


def test_switch_to_english_and_back(db: None) -> None:
    client = Client(HTTP_HOST="daleszyce.localhost")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/konto/logowanie/"})
    assert response.status_code == 302
    page = client.get("/konto/logowanie/")
    assert page["Content-Language"] == "en"
    assert 'lang="en"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "pl", "next": "/konto/logowanie/"})
    assert client.get("/konto/logowanie/")["Content-Language"] == "pl"


def test_unknown_language_cookie_falls_back_to_polish(db: None) -> None:
    client = Client(HTTP_HOST="daleszyce.localhost")
    client.cookies["ops_language"] = "de"
    assert client.get("/konto/logowanie/")["Content-Language"] == "pl"
