"""Documents on a centre's host: the administrative decision and the social contract as printable
pages and as PDFs. What a reader of the case sees, the Polish letters in the PDF, who may open
them (every staff role reads cases; nobody unauthenticated), 404 for unknown ids, and the read
recorded in the audit trail."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from django_tenants.utils import schema_context
from pypdf import PdfReader

from casework.models import AuditEntry, ContractReview, Decision, Person, SocialContract
from casework.models.socialwork import ContractStatus
from tests.casework.factories import open_to
from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
STAFF = ("pierwszy.kontakt", "swiadczenia", "socjalny", "uslugi", "kierownik", "audytor")
CENTRE_GENITIVE = "Miejsko-Gminnego Ośrodka Pomocy Społecznej w Daleszycach"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())  # justified lines come out with doubled spaces


def page_text(response: Any) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def _rename(person_id: int) -> None:
    Person.objects.filter(pk=person_id).update(
        first_name="Żaneta", last_name="Łącka-Wąsowicz", street="ul. Źródlana 7"
    )


@pytest.fixture
def decision() -> Decision:
    """A delivered grant with an amount and a period, its applicant renamed with Polish letters."""
    with schema_context(SLUG):
        found = (
            Decision.objects.select_related("application__applicant", "application__case")
            .filter(
                outcome="grant",
                amount__isnull=False,
                period_from__isnull=False,
                period_to__isnull=False,
                delivered_on__isnull=False,
            )
            .exclude(number="")
            .order_by("-issued_on")
            .first()
        )
        assert found is not None
        _rename(found.application.applicant_id)
        found.refresh_from_db()
        return found


@pytest.fixture
def contract() -> SocialContract:
    """A signed (or running) contract with at least one review, its person renamed."""
    with schema_context(SLUG):
        found = (
            SocialContract.objects.select_related("case", "person", "worker")
            .filter(
                status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE],
                signed_on__isnull=False,
                reviews__isnull=False,
            )
            .order_by("-starts_on")
            .first()
        )
        assert found is not None
        _rename(found.person_id)
        found.refresh_from_db()
        return found


def test_decision_page_has_every_part_of_a_kpa_decision(
    centre_client: CentreClientFactory, decision: Decision
) -> None:
    client = centre_client.logged_in(SLUG, "swiadczenia")
    response = client.get(f"/decyzje/{decision.public_id}/druk/")
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert html.count("<h1") == 1
    assert f"Decyzja nr {decision.number}" in text
    # organ, place and date, the case reference
    assert "Miejsko-Gminny Ośrodek Pomocy Społecznej w Daleszycach" in text
    assert "Daleszyce, dnia" in text
    with schema_context(SLUG):
        case_number = decision.application.case.number
    assert f"Znak sprawy: {case_number}" in text
    # addressee, legal basis, ruling, reasoning, appeal, signature
    assert "Żaneta Łącka-Wąsowicz" in text and "ul. Źródlana 7" in text
    assert f"Na podstawie {decision.legal_basis}, po rozpatrzeniu wniosku z dnia" in text
    assert "orzeka się:" in text
    assert "Przyznaje się stronie świadczenie:" in text
    cents = f"{decision.amount:.2f}".split(".")[1]
    assert f",{cents} zł" in text.replace("\u00a0", " ")
    assert "Uzasadnienie" in text and decision.reasoning[:40] in text
    assert "Samorządowego Kolegium Odwoławczego" in text
    assert "w terminie 14 dni od dnia jej doręczenia" in text
    assert f"z upoważnienia Kierownika {CENTRE_GENITIVE}" in text
    with schema_context(SLUG):
        issuer = decision.issued_by.get_full_name()
        reference = decision.authorisation.reference
    assert issuer in text and f"upoważnienie nr {reference}" in text
    # the PDF link and a print button handled by the external script, no inline JS
    assert f'href="/decyzje/{decision.public_id}/pdf/"' in html
    assert "data-print" in html and "casework/print.js" in html
    assert "onclick" not in html and "<script>" not in html and "style=" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_decision_pdf_prints_polish_letters(
    centre_client: CentreClientFactory, decision: Decision
) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get(f"/decyzje/{decision.public_id}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    filename = re.search(r'filename="([^"]+)"', disposition)
    assert filename and re.fullmatch(r"decyzja-[a-z0-9-]+\.pdf", filename.group(1))
    content = response.content
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    # the addressee's name and the fixed text, with ą ł ż Ż ó ś
    assert "Żaneta Łącka-Wąsowicz" in text
    assert "Samorządowego Kolegium Odwoławczego" in text
    assert "Odwoławczego" in text and "może zrzec się" in text
    assert "Uzasadnienie" in text and "Pouczenie" in text
    assert f"z upoważnienia Kierownika {CENTRE_GENITIVE}" in text
    assert "ustawa z dnia 12 marca 2004 r. o pomocy społecznej" in text.replace("\u00a0", " ")


def test_every_staff_role_may_read_documents_in_its_scope_and_each_read_is_audited(
    centre_client: CentreClientFactory, decision: Decision, contract: SocialContract
) -> None:
    with schema_context(SLUG):
        applicant = decision.application.applicant.public_id
        cases = [decision.application.case, contract.case]
    team_roles = ("swiadczenia", "socjalny", "uslugi")
    for opened in cases:
        open_to(SLUG, opened, *team_roles)  # the team roles see their teams' documents only
    desk = centre_client.logged_in(SLUG, "pierwszy.kontakt")
    for url in (f"/decyzje/{decision.public_id}/druk/", f"/kontrakty/{contract.public_id}/pdf/"):
        refused = desk.get(url)  # first contact reads no case file documents
        assert refused.status_code == 403 and "trybie nadzwyczajnym" in refused.content.decode()
    for username in (u for u in STAFF if u != "pierwszy.kontakt"):
        client = centre_client.logged_in(SLUG, username)
        for url, object_type, object_id in (
            (f"/decyzje/{decision.public_id}/druk/", "casework.decision", decision.public_id),
            (f"/decyzje/{decision.public_id}/pdf/", "casework.decision", decision.public_id),
            (f"/kontrakty/{contract.public_id}/druk/", "casework.socialcontract",
             contract.public_id),
            (f"/kontrakty/{contract.public_id}/pdf/", "casework.socialcontract",
             contract.public_id),
        ):  # fmt: skip
            with schema_context(SLUG):
                before = AuditEntry.objects.filter(
                    actor_username=username, action="read", object_id=str(object_id)
                ).count()
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            with schema_context(SLUG):
                entries = AuditEntry.objects.filter(
                    actor_username=username, action="read", object_id=str(object_id)
                )
                assert entries.count() == before + 1, (username, url)
                entry = entries.order_by("-seq").first()
                assert entry is not None and entry.object_type == object_type
                assert entry.actor_role and entry.ip == "127.0.0.1"
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            object_id=str(decision.public_id), person_id=str(applicant), action="read"
        ).exists()


def test_documents_need_a_log_in(
    centre_client: CentreClientFactory, decision: Decision, contract: SocialContract
) -> None:
    anonymous = centre_client(SLUG)
    for url in (
        f"/decyzje/{decision.public_id}/druk/",
        f"/decyzje/{decision.public_id}/pdf/",
        f"/kontrakty/{contract.public_id}/druk/",
        f"/kontrakty/{contract.public_id}/pdf/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/konto/logowanie/" in response["Location"]


def test_documents_are_refused_to_a_role_without_read(
    centre_client: CentreClientFactory, decision: Decision, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every staff role reads today; should a role lose READ, the pages refuse it with the
    reason (and record nothing)."""
    from casework import permissions

    client = centre_client.logged_in(SLUG, "uslugi")
    monkeypatch.setitem(permissions.ROLE_CAPABILITIES, "services_coordinator", frozenset())
    for url in (f"/decyzje/{decision.public_id}/druk/", f"/decyzje/{decision.public_id}/pdf/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "przeglądać danych ośrodka" in response.content.decode()
    with schema_context(SLUG):
        assert not AuditEntry.objects.filter(
            object_id=str(decision.public_id), actor_username="uslugi"
        ).exists()


def test_unknown_documents_are_404(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    for url in (
        f"/decyzje/{uuid4()}/druk/",
        f"/decyzje/{uuid4()}/pdf/",
        f"/kontrakty/{uuid4()}/druk/",
        f"/kontrakty/{uuid4()}/pdf/",
    ):
        assert client.get(url).status_code == 404
    assert client.get("/decyzje/not-a-uuid/druk/").status_code == 404


def test_a_document_of_one_centre_does_not_exist_in_another(
    centre_client: CentreClientFactory, decision: Decision
) -> None:
    client = centre_client.logged_in("krasnystaw", "kierownik")
    assert client.get(f"/decyzje/{decision.public_id}/druk/").status_code == 404
    assert client.get(f"/decyzje/{decision.public_id}/pdf/").status_code == 404


def test_documents_are_not_on_the_portal(
    centre_client: CentreClientFactory, decision: Decision
) -> None:
    client = centre_client.logged_in(None, "analityk")
    assert client.get(f"/decyzje/{decision.public_id}/druk/").status_code == 404


def test_decision_not_yet_delivered_leaves_the_delivery_date_blank(
    centre_client: CentreClientFactory, decision: Decision
) -> None:
    with schema_context(SLUG):
        Decision.objects.filter(pk=decision.pk).update(delivered_on=None)
    client = centre_client.logged_in(SLUG, "audytor")
    text = page_text(client.get(f"/decyzje/{decision.public_id}/druk/"))
    assert "Data doręczenia …………………………" in text


def test_refusal_says_so(centre_client: CentreClientFactory) -> None:
    with schema_context(SLUG):
        refusal = Decision.objects.filter(outcome="refuse").first()
        assert refusal is not None
    client = centre_client.logged_in(SLUG, "kierownik")
    text = page_text(client.get(f"/decyzje/{refusal.public_id}/druk/"))
    assert "Odmawia się stronie przyznania świadczenia:" in text
    assert "Przyznaje się" not in text


def test_contract_page_follows_the_model_contract(
    centre_client: CentreClientFactory, contract: SocialContract
) -> None:
    client = centre_client.logged_in(SLUG, "socjalny")
    response = client.get(f"/kontrakty/{contract.public_id}/druk/")
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert html.count("<h1") == 1
    assert "Kontrakt socjalny" in text
    assert "PROJEKT" not in text
    with schema_context(SLUG):
        worker = contract.worker.get_full_name()
        reviews = list(ContractReview.objects.filter(contract=contract).order_by("due_on"))
        case_number = contract.case.number
    assert f"Znak sprawy: {case_number}" in text
    assert "Żaneta Łącka-Wąsowicz" in text
    assert f"reprezentowany przez pracownika socjalnego: {worker}" in text
    assert "§ 1. Cele kontraktu" in text and contract.goals.split("\n")[0][:30] in text
    assert contract.client_obligations.split("\n")[0][:30] in text
    assert contract.centre_obligations.split("\n")[0][:30] in text
    assert "§ 4. Okres obowiązywania" in text
    assert "art. 11 ust. 2" in text
    assert "podpis osoby (członków rodziny)" in text and "podpis pracownika socjalnego" in text
    assert '<th scope="col">Termin oceny</th>' in html
    assert html.count("<tr>") >= len(reviews) + 1
    assert f'href="/kontrakty/{contract.public_id}/pdf/"' in html


def test_contract_pdf(centre_client: CentreClientFactory, contract: SocialContract) -> None:
    client = centre_client.logged_in(SLUG, "audytor")
    response = client.get(f"/kontrakty/{contract.public_id}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.search(
        r'filename="kontrakt-socjalny-[a-z0-9-]+\.pdf"', response["Content-Disposition"]
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "KONTRAKT SOCJALNY" in text
    assert "Żaneta Łącka-Wąsowicz" in text
    assert "Działania, do których zobowiązuje się osoba (rodzina)" in text
    assert "podpis pracownika socjalnego" in text


def test_a_draft_contract_is_marked_and_leaves_the_date_blank(
    centre_client: CentreClientFactory, contract: SocialContract
) -> None:
    with schema_context(SLUG):
        SocialContract.objects.filter(pk=contract.pk).update(status="draft", signed_on=None)
    client = centre_client.logged_in(SLUG, "socjalny")
    text = page_text(client.get(f"/kontrakty/{contract.public_id}/druk/"))
    assert "PROJEKT – kontrakt nie został jeszcze podpisany przez strony." in text
    assert "zawarty w dniu …………………………" in text


def test_a_completed_contract_shows_its_outcome(
    centre_client: CentreClientFactory, contract: SocialContract
) -> None:
    with schema_context(SLUG):
        SocialContract.objects.filter(pk=contract.pk).update(
            status="completed",
            closed_on=contract.ends_on,
            goals_achieved=True,
            outcome_note="Podjęła zatrudnienie.",
        )
    client = centre_client.logged_in(SLUG, "kierownik")
    text = page_text(client.get(f"/kontrakty/{contract.public_id}/druk/"))
    assert "§ 7. Zakończenie kontraktu" in text
    assert "Cele osiągnięte tak" in text and "Podjęła zatrudnienie." in text


def test_the_document_page_links_back_to_the_case_file(
    centre_client: CentreClientFactory, decision: Decision
) -> None:
    from django.urls import NoReverseMatch, reverse

    with schema_context(SLUG):
        case_id: UUID = decision.application.case.public_id
        try:
            url = reverse("casework-ui:case-detail", kwargs={"case_id": case_id})
        except NoReverseMatch:
            pytest.skip("the case file pages are not installed yet")
    client = centre_client.logged_in(SLUG, "kierownik")
    assert f'href="{url}"' in client.get(f"/decyzje/{decision.public_id}/druk/").content.decode()


def test_amounts_keep_their_grosze(centre_client: CentreClientFactory, decision: Decision) -> None:
    with schema_context(SLUG):
        Decision.objects.filter(pk=decision.pk).update(amount=Decimal("1234.05"))
    client = centre_client.logged_in(SLUG, "kierownik")
    text = page_text(client.get(f"/decyzje/{decision.public_id}/druk/")).replace("\u00a0", " ")
    assert "1 234,05 zł" in text
