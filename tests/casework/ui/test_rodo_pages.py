"""RODO pages on a centre's host: subject-access requests (find a person, the report on screen, the
JSON and PDF downloads) and the register of processing activities with its PDF. Managers and
auditors only (there is no DPO role); every report is recorded in the audit trail."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django_tenants.utils import schema_context
from pypdf import PdfReader

from casework.models import AuditEntry, Person
from casework.rodo.layout import SECTIONS
from casework.rodo.register import activities
from casework.rodo.subject_access import EXPORT_OBJECT_TYPE
from tests.casework.factories import household, person
from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db
SLUG = "myslenice"
OTHER_ROLES = ("pierwszy.kontakt", "swiadczenia", "socjalny", "uslugi")


def page_text(response: Any) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def subject() -> Person:
    found = person(SLUG, first_name="Łucja", last_name="Żółćka-Śliwińska", city="Myślenice")
    household(SLUG, found)
    return found


def _exports(subject: Person) -> list[tuple[str, str]]:
    with schema_context(SLUG):
        return list(
            AuditEntry.objects.filter(
                object_type=EXPORT_OBJECT_TYPE, person_id=str(subject.public_id)
            )
            .order_by("seq")
            .values_list("actor_username", "action")
        )


def test_the_manager_finds_a_person_and_gets_the_report(
    centre_client: CentreClientFactory, subject: Person
) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    found = client.get("/wnioski-rodo/", {"q": str(subject.pesel)})
    assert found.status_code == 200
    assert f'href="/wnioski-rodo/{subject.public_id}/"' in found.content.decode()
    assert "Dane osoby: Łucja Żółćka-Śliwińska" in page_text(found)
    partial = client.get("/wnioski-rodo/", {"q": "Żółćka"}, HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="person-results")  # fmt: skip
    assert partial.status_code == 200 and "<h1" not in partial.content.decode()
    assert str(subject.public_id) in partial.content.decode()

    response = client.get(f"/wnioski-rodo/{subject.public_id}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    text = page_text(response)
    assert "Dostęp do danych (RODO): Łucja Żółćka-Śliwińska" in text
    assert "Miejsko-Gminny Ośrodek Pomocy Społecznej w Myślenicach" in text
    for spec in SECTIONS:
        assert spec.title in text, spec.title
    assert "Pobierz JSON" in text and "Pobierz PDF" in text
    assert f'href="/wnioski-rodo/{subject.public_id}/json/"' in html
    assert f'href="/wnioski-rodo/{subject.public_id}/pdf/"' in html
    # Rectification goes through the person service (the API), linked from the report.
    assert f"PATCH /api/people/{subject.public_id}/" in text
    assert f'href="/dziennik-dostepu/{subject.public_id}/"' in html
    assert "<script>" not in html and "style=" not in html and "onclick" not in html
    assert _exports(subject) == [("kierownik", "read")]


def test_the_downloads_are_the_report_and_are_recorded(
    centre_client: CentreClientFactory, subject: Person
) -> None:
    client = centre_client.logged_in(SLUG, "audytor")
    response = client.get(f"/wnioski-rodo/{subject.public_id}/json/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "dane-osoby-zolcka-sliwinska-lucja.json" in response["Content-Disposition"]
    report = json.loads(response.content.decode("utf-8"))
    assert report["person"]["last_name"] == "Żółćka-Śliwińska"
    assert "Żółćka" in response.content.decode("utf-8")  # UTF-8, not \\u escapes
    assert report["household_memberships"][0]["relation"] == "head"

    pdf = client.get(f"/wnioski-rodo/{subject.public_id}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "Osoba: Łucja Żółćka-Śliwińska" in text
    assert "Miejsko-Gminny Ośrodek Pomocy Społecznej w Myślenicach" in text
    assert _exports(subject) == [("audytor", "read"), ("audytor", "read")]


def test_the_register_page_and_its_pdf(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(SLUG, "audytor")
    response = client.get("/rejestr-czynnosci/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Rejestr czynności przetwarzania" in text
    assert "Kierownik Miejsko-Gminnego Ośrodka Pomocy Społecznej w Myślenicach" in text
    assert "ul. Słowackiego 82, 32-400 Myślenice" in text
    assert "nie wskazano" in text  # no DPO contact in the registry
    for letter in "bcdefg":
        assert f"{letter})" in text
    for activity in activities():
        assert activity.name in text
    pdf = client.get("/rejestr-czynnosci/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "rejestr-czynnosci-myslenice.pdf" in pdf["Content-Disposition"]
    pdf_words = pdf_text(pdf.content)
    assert "REJESTR CZYNNOŚCI PRZETWARZANIA" in pdf_words
    assert "Miejsko-Gminny Ośrodek Pomocy Społecznej w Myślenicach" in pdf_words
    for activity in activities():
        assert activity.name in pdf_words


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_other_roles_are_refused(
    centre_client: CentreClientFactory, subject: Person, username: str
) -> None:
    client = centre_client.logged_in(SLUG, username)
    for url in (
        "/wnioski-rodo/",
        f"/wnioski-rodo/{subject.public_id}/",
        f"/wnioski-rodo/{subject.public_id}/json/",
        f"/wnioski-rodo/{subject.public_id}/pdf/",
        "/rejestr-czynnosci/",
        "/rejestr-czynnosci/pdf/",
    ):
        assert client.get(url).status_code == 403, url
    assert _exports(subject) == []
    assert 'href="/wnioski-rodo/"' not in client.get("/").content.decode()


def test_the_menu_and_the_person_page_lead_to_it(
    centre_client: CentreClientFactory, subject: Person
) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    home = client.get("/")
    assert 'href="/wnioski-rodo/"' in home.content.decode()
    log = client.get(f"/dziennik-dostepu/{subject.public_id}/")
    assert log.status_code == 200
    assert f'href="/wnioski-rodo/{subject.public_id}/"' in log.content.decode()
    assert "Dostęp do danych (RODO)" in page_text(log)


def test_unknown_person_is_404_and_post_is_refused(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    assert client.get("/wnioski-rodo/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.post("/rejestr-czynnosci/").status_code == 405


def test_not_logged_in_goes_to_the_log_in_page(centre_client: CentreClientFactory) -> None:
    response = centre_client(SLUG).get("/wnioski-rodo/")
    assert response.status_code == 302 and "/konto/logowanie/" in response["Location"]
