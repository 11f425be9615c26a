"""Retention pages: who may open them (manager and auditor read, only the manager changes), rule
edits with inline errors, the dry-run preview listing the demo cases, setting and lifting a legal
hold by case number, and the register after a run."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import AuditEntry, Case
from casework.privacy.demo import HOLD_REASON
from casework.privacy.models import LegalHold, RecordType, RetentionRule
from casework.privacy.services import apply_retention
from tests.casework.factories import user
from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db
SLUG = "piaseczno"
PAGES = (
    "/retencja/",
    "/retencja/do-usuniecia/",
    "/retencja/wstrzymania/",
    "/retencja/rejestr/",
)
OTHER_ROLES = ("pierwszy.kontakt", "swiadczenia", "socjalny", "uslugi")


def _text(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _demo_cases() -> tuple[Case, Case]:
    with schema_context(SLUG):
        held = Case.objects.get(holds__reason=HOLD_REASON)
        expired = Case.objects.get(
            household__members__person__last_name="Archiwalna", opened_on=dt.date(2012, 3, 1)
        )
    return expired, held


def _rule(record_type: str = RecordType.CASE_FILE) -> RetentionRule:
    with schema_context(SLUG):
        return RetentionRule.objects.get(record_type=record_type)


def test_pages_are_for_the_manager_and_the_auditor(centre_client: CentreClientFactory) -> None:
    for username in OTHER_ROLES:
        client = centre_client.logged_in(SLUG, username)
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 403, (username, url)
            assert "tylko kierownik i audytor" in response.content.decode()
    for username in ("kierownik", "audytor"):
        client = centre_client.logged_in(SLUG, username)
        for url in PAGES:
            assert client.get(url).status_code == 200, (username, url)
    assert centre_client(SLUG).get("/retencja/")["Location"].startswith("/konto/logowanie/")


def test_the_menu_shows_retention_to_the_manager_and_auditor_only(
    centre_client: CentreClientFactory,
) -> None:
    assert 'href="/retencja/"' in centre_client.logged_in(SLUG, "audytor").get("/").content.decode()
    assert (
        'href="/retencja/"'
        not in centre_client.logged_in(SLUG, "socjalny").get("/").content.decode()
    )


def test_the_auditor_reads_but_changes_nothing(centre_client: CentreClientFactory) -> None:
    auditor = centre_client.logged_in(SLUG, "audytor")
    rule = _rule()
    page = auditor.get("/retencja/").content.decode()
    assert f"/retencja/zasady/{rule.public_id}/" not in page
    assert auditor.get(f"/retencja/zasady/{rule.public_id}/").status_code == 403
    post = auditor.post(
        f"/retencja/zasady/{rule.public_id}/",
        {"archival_category": "B5", "years": "5", "active": "on"},
    )
    assert post.status_code == 403
    expired, held = _demo_cases()
    assert (
        auditor.post(
            "/retencja/wstrzymania/", {"case_number": expired.number, "reason": "x"}
        ).status_code
        == 403
    )
    assert auditor.post(f"/retencja/wstrzymania/{held.public_id}/zniesienie/").status_code == 403
    with schema_context(SLUG):
        assert _rule().years == rule.years
        assert not LegalHold.objects.filter(case=expired).exists()


def test_the_manager_edits_a_rule_and_sees_errors_inline(
    centre_client: CentreClientFactory,
) -> None:
    manager = centre_client.logged_in(SLUG, "kierownik")
    rule = _rule(RecordType.INTAKE)
    url = f"/retencja/zasady/{rule.public_id}/"
    assert "Zapisz regułę" in manager.get(url).content.decode()
    bad = manager.post(url, {"archival_category": "B10", "years": "3", "jrwa_symbol": "8310"})
    assert bad.status_code == 200
    text = _text(bad)
    assert "Okres przechowywania musi odpowiadać kategorii archiwalnej" in text
    assert 'value="8310"' in bad.content.decode()  # what was typed is kept
    assert _rule(RecordType.INTAKE).years == rule.years
    good = manager.post(
        url, {"archival_category": "B3", "years": "3", "jrwa_symbol": "8310", "active": "on"}
    )
    assert good.status_code == 302 and good["Location"] == "/retencja/"
    saved = _rule(RecordType.INTAKE)
    assert (saved.years, saved.archival_category, saved.jrwa_symbol) == (3, "B3", "8310")
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            object_type="privacy.retentionrule", object_id=str(rule.public_id)
        ).exists()


def test_the_preview_lists_the_expired_and_the_held_case_and_changes_nothing(
    centre_client: CentreClientFactory,
) -> None:
    expired, held = _demo_cases()
    response = centre_client.logged_in(SLUG, "audytor").get("/retencja/do-usuniecia/")
    text = _text(response)
    due_part, held_part = text.split("Po terminie, ale wstrzymane")[:2]
    assert expired.number in due_part and held.number not in due_part
    assert held.number in held_part.split("W ciągu następnych")[0]
    with schema_context(SLUG):
        assert Case.objects.get(id=expired.id).closing_reason != ""


def test_the_preview_as_of_an_earlier_day_finds_nothing(
    centre_client: CentreClientFactory,
) -> None:
    expired, _ = _demo_cases()
    response = centre_client.logged_in(SLUG, "kierownik").get(
        "/retencja/do-usuniecia/?na_dzien=2020-01-01"
    )
    assert expired.number not in _text(response).split("Po terminie")[0]
    assert "Żadna sprawa nie jest do usunięcia" in _text(response)


def test_the_manager_sets_and_lifts_a_hold_by_case_number(
    centre_client: CentreClientFactory,
) -> None:
    manager = centre_client.logged_in(SLUG, "kierownik")
    expired, _ = _demo_cases()
    missing = manager.post(
        "/retencja/wstrzymania/", {"case_number": "NIE/2000/00000", "reason": "Kontrola"}
    )
    assert missing.status_code == 200
    assert "Nie ma sprawy o takim znaku." in _text(missing)
    no_reason = manager.post("/retencja/wstrzymania/", {"case_number": expired.number})
    assert 'value="' + expired.number + '"' in no_reason.content.decode()
    set_hold = manager.post(
        "/retencja/wstrzymania/", {"case_number": expired.number, "reason": "Skarga do WSA"}
    )
    assert set_hold.status_code == 302
    with schema_context(SLUG):
        assert Case.objects.get(id=expired.id).legal_hold is True
        assert expired.number in [
            c.number for c in apply_retention(timezone.localdate(), dry_run=True).held_cases
        ]
    listing = _text(manager.get("/retencja/wstrzymania/"))
    assert "Skarga do WSA" in listing
    lift_url = f"/retencja/wstrzymania/{expired.public_id}/zniesienie/"
    assert manager.post(lift_url, {"lift_reason": ""}).status_code == 200
    lifted = manager.post(lift_url, {"lift_reason": "Skarga oddalona"})
    assert lifted.status_code == 302
    with schema_context(SLUG):
        assert Case.objects.get(id=expired.id).legal_hold is False
    assert manager.get(lift_url).status_code == 404  # nothing left to lift


def test_the_register_shows_a_run_without_personal_data(
    centre_client: CentreClientFactory,
) -> None:
    expired, _ = _demo_cases()
    with schema_context(SLUG):
        apply_retention(timezone.localdate())
    text = _text(centre_client.logged_in(SLUG, "audytor").get("/retencja/rejestr/"))
    assert expired.number in text and "casework.person" in text
    assert "Archiwalna" not in text and "zanonimizowano" in text


def test_the_case_file_panel_shows_the_hold() -> None:
    _, held = _demo_cases()
    with schema_context(SLUG):
        request = RequestFactory().get("/")
        html = Template("{% load retention %}{% retention_panel case %}").render(
            Context({"case": held, "user": user(SLUG, "kierownik"), "request": request})
        )
    assert HOLD_REASON in html and f"/retencja/wstrzymania/{held.public_id}/zniesienie/" in html


def test_the_case_file_shows_retention_for_closed_and_held_cases_only(
    centre_client: CentreClientFactory,
) -> None:
    expired, held = _demo_cases()
    client = centre_client.logged_in(SLUG, "kierownik")
    held_page = _text(client.get(f"/sprawy/{held.public_id}/"))
    assert HOLD_REASON in held_page and "Znieś wstrzymanie" in held_page
    expired_page = _text(client.get(f"/sprawy/{expired.public_id}/"))
    assert "Sprawa nie jest objęta wstrzymaniem usuwania." in expired_page
    assert "Wstrzymaj usuwanie" in expired_page
    with schema_context(SLUG):
        open_case = Case.objects.filter(status="open", legal_hold=False).first()
    assert open_case is not None
    open_page = client.get(f"/sprawy/{open_case.public_id}/").content.decode()
    assert 'id="retention-' not in open_page and "wstrzymaniem usuwania" not in open_page
