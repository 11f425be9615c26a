"""A subject-access request (RODO art. 15): everything the centre holds about a person, built
through the services, comes back in the JSON export (and its PDF), nothing of another household
does, other members appear only by name and relationship, the access report names who read the
data, each export is recorded in the audit trail, and the art. 30 register is complete."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from casework.models import AuditEntry, Person
from casework.rodo.layout import SECTIONS
from casework.rodo.register import (
    ART30_ELEMENTS,
    activities,
    activities_for_record,
    missing_elements,
    processing_register,
)
from casework.rodo.subject_access import EXPORT_OBJECT_TYPE
from tests.casework.factories import api, household, new_pesel, person, user

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"
DIAGNOSIS = "Utrata pracy; choroba przewlekła osoby prowadzącej gospodarstwo."


@dataclass
class Subject:
    person: Person
    spouse: Person
    stranger: Person
    ids: dict[str, str]


@pytest.fixture
def subject() -> Subject:
    """A person with one record of every kind, made through the services; a spouse in the same
    household with their own application and income; a stranger in another household."""
    from casework.services import care, intake, proceedings, socialwork
    from casework.services import cases as case_services
    from casework.services import people as people_services

    today = timezone.localdate()
    main = person(SLUG, first_name="Żaneta", last_name="Łącka-Wąsowicz", phone="600100200")
    spouse = person(
        SLUG,
        first_name="Bożydar",
        last_name="Wąsowicz",
        pesel=new_pesel(dt.date(1975, 3, 9), female=False),
        phone="699888777",
    )
    stranger = person(SLUG, first_name="Zenobiusz", last_name="Obcy-Daleki")
    hh = household(SLUG, main)
    other_hh = household(SLUG, stranger)
    manager = user(SLUG, "kierownik")
    ids: dict[str, str] = {}
    with schema_context(SLUG):
        spouse_member = people_services.household_member_add(
            user=manager, household=hh, person=spouse, relation="spouse"
        )
        main_member = hh.members.get(person=main)
        ids["income"] = str(
            people_services.income_record(
                user=manager, member=main_member, as_of=today, amount=Decimal("812.34")
            ).public_id
        )
        people_services.income_record(
            user=manager, member=spouse_member, as_of=today, amount=Decimal("4321.99")
        )
        ids["intake"] = str(
            intake.intake_register(
                user=manager,
                channel="visit",
                reporter_kind="neighbour",
                reporter_name="Sąsiadka Prywatna",
                reasons=["ubostwo"],
                person=main,
                notes="Zgłoszenie w sprawie pani Żanety.",
            ).public_id
        )
        case = case_services.case_open(user=manager, household=hh, opened_on=today)
        ids["case"] = case.number
        application = proceedings.application_register(
            user=manager,
            case=case,
            applicant=main,
            received_on=today,
            benefits=["zasilek-okresowy"],
        )
        ids["application"] = str(application.public_id)
        interview = proceedings.interview_schedule(
            user=manager, case=case, worker=manager, needed_since=today, application=application
        )
        proceedings.interview_record(
            user=manager,
            interview=interview,
            conducted_on=today,
            diagnosis=DIAGNOSIS,
            help_plan="Zasiłek okresowy i praca socjalna.",
        )
        ids["interview"] = str(interview.public_id)
        proceedings.authorisation_grant(
            user=manager, worker=manager, reference="UP/RODO/1", valid_from=today
        )
        decision = proceedings.decision_issue(
            user=manager,
            application=application,
            benefit="zasilek-okresowy",
            outcome="grant",
            reasoning="Dochód poniżej kryterium.",
            issued_on=today,
            amount=Decimal("612.50"),
            period_from=today,
            period_to=today + dt.timedelta(days=90),
            payment_schedule="monthly",
        )
        ids["decision"] = decision.number
        proceedings.decision_deliver(user=manager, decision=decision, delivered_on=today)
        ids["appeal"] = str(
            proceedings.appeal_register(user=manager, decision=decision, lodged_on=today).public_id
        )
        second = proceedings.application_register(
            user=manager, case=case, applicant=main, received_on=today, benefits=["zasilek-celowy"]
        )
        ids["delay_notice"] = str(
            proceedings.delay_notice_send(
                user=manager,
                application=second,
                sent_on=today,
                new_due_on=second.decision_due_on + dt.timedelta(days=30),
                reason="Oczekiwanie na zaświadczenie z PUP.",
            ).public_id
        )
        spouse_application = proceedings.application_register(
            user=manager, case=case, applicant=spouse, received_on=today, benefits=["zasilek-staly"]
        )
        ids["spouse_application"] = str(spouse_application.public_id)
        contract = socialwork.contract_create(
            user=manager,
            case=case,
            person=main,
            variant="standard",
            goals="Podjęcie zatrudnienia.",
            client_obligations="Rejestracja w PUP.",
            centre_obligations="Wsparcie w poszukiwaniu pracy.",
            starts_on=today,
            ends_on=today + dt.timedelta(days=180),
        )
        ids["contract"] = str(contract.public_id)
        ids["programme"] = str(
            socialwork.programme_create(
                user=manager, case=case, person=main, kind="independence", starts_on=today
            ).public_id
        )
        project = socialwork.project_create(
            user=manager, name="Klub Aktywnych Sąsiadów", kind="pal", starts_on=today
        )
        ids["participation"] = str(
            socialwork.project_participant_add(
                user=manager, project=project, person=main, joined_on=today
            ).public_id
        )
        plan = care.service_plan_create(
            user=manager,
            case=case,
            recipient=main,
            service_type="uslugi-opiekuncze",
            provider_kind="in_house",
            hours_per_week=Decimal("10"),
            starts_on=today,
            hourly_cost=Decimal("35.00"),
            fee_rule="free",
        )
        ids["plan"] = str(plan.public_id)
        care.service_delivery_record(user=manager, plan=plan, day=today, hours=Decimal("2.50"))
        socialwork.activity_log(
            user=manager, day=today, minutes=47, category="social_work", household=hh
        )
        # The stranger's household has its own case and application.
        other_case = case_services.case_open(user=manager, household=other_hh, opened_on=today)
        ids["other_case"] = other_case.number
        proceedings.application_register(
            user=manager,
            case=other_case,
            applicant=stranger,
            received_on=today,
            benefits=["zasilek-celowy"],
        )
        socialwork.activity_log(
            user=manager, day=today, minutes=33, category="social_work", household=other_hh
        )
    return Subject(person=main, spouse=spouse, stranger=stranger, ids=ids)


def _export(username: str, person: Person) -> Any:
    return api(SLUG, username).get(f"/api/people/{person.public_id}/subject-access/")


def test_the_export_holds_every_record_of_the_person(subject: Subject) -> None:
    response = _export("kierownik", subject.person)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    report = response.json()
    ids = subject.ids
    assert report["format"] == "ops-subject-access/1"
    assert report["centre"]["name"] == "Miejski Ośrodek Pomocy Społecznej w Krasnymstawie"
    assert report["centre"]["controller"]["dpo"] == "nie wskazano"
    me = report["person"]
    assert (me["first_name"], me["last_name"]) == ("Żaneta", "Łącka-Wąsowicz")
    assert me["pesel"] == subject.person.pesel and me["phone"] == "600100200"
    assert me["sex_label"] == "kobieta"
    dt.date.fromisoformat(me["date_of_birth"])  # ISO dates

    [membership] = report["household_memberships"]
    assert membership["relation"] == "head"
    assert membership["relation_label"] == "osoba prowadząca gospodarstwo"
    assert [m["relation"] for m in membership["other_members"]] == ["spouse"]

    assert [i["id"] for i in report["incomes"]] == [ids["income"]]
    [intake] = report["intakes"]
    assert intake["id"] == ids["intake"] and intake["reasons"] == ["ubostwo"]
    assert intake["reporter_kind_label"] == "sąsiad"
    assert intake["reporter_name"] == ""  # a private reporter is a third party
    assert [c["number"] for c in report["cases"]] == [ids["case"]]
    assert ids["application"] in [a["id"] for a in report["applications"]]
    assert len(report["applications"]) == 2
    assert report["applications"][0]["benefits_labels"] != ["zasilek-okresowy"]  # a name
    assert [n["id"] for n in report["delay_notices"]] == [ids["delay_notice"]]
    [interview] = report["interviews"]
    assert interview["id"] == ids["interview"] and interview["diagnosis"] == DIAGNOSIS
    assert interview["review_before_release"] is True
    [decision] = report["decisions"]
    assert decision["number"] == ids["decision"] and decision["amount"] == "612.50"
    assert decision["outcome_label"] == "przyznanie"
    assert [a["id"] for a in report["appeals"]] == [ids["appeal"]]
    assert [c["id"] for c in report["social_contracts"]] == [ids["contract"]]
    assert [p["id"] for p in report["individual_programmes"]] == [ids["programme"]]
    [participation] = report["project_participations"]
    assert participation["id"] == ids["participation"]
    assert participation["project"] == "Klub Aktywnych Sąsiadów"
    assert [p["id"] for p in report["service_plans"]] == [ids["plan"]]
    assert [d["hours"] for d in report["service_deliveries"]] == ["2.50"]
    assert [t["minutes"] for t in report["time_log"]] == [47]
    # Purposes, legal bases and retention from the art. 30 register.
    by_activity = {row["activity"]: row for row in report["processing"]}
    assert "decisions" in by_activity["benefits"]["report_parts"]
    assert any("art. 9 ust. 2" in basis for basis in by_activity["benefits"]["legal_basis"])
    assert by_activity["benefits"]["retention_years"] == 10
    assert report["rectification"]["api"] == f"PATCH /api/people/{subject.person.public_id}/"
    # Every section the page and the PDF show is a list in the export.
    assert all(isinstance(report[spec.key], list) for spec in SECTIONS)


def test_other_members_and_other_households_stay_out(subject: Subject) -> None:
    """Other members of the person's household: first name, last name and relationship only.
    Nothing of another household."""
    report = _export("audytor", subject.person).json()
    [other] = report["household_memberships"][0]["other_members"]
    assert other == {
        "first_name": "Bożydar",
        "last_name": "Wąsowicz",
        "relation": "spouse",
        "relation_label": "małżonek / partner",
    }
    text = json.dumps(report, ensure_ascii=False)
    # The spouse's identity, contact, income and application are not the person's data.
    assert str(subject.spouse.pesel) not in text
    assert "699888777" not in text
    assert "4321.99" not in text
    assert subject.ids["spouse_application"] not in text
    assert str(subject.spouse.public_id) not in text
    assert "zasilek-staly" not in text
    # Another household: not a word.
    assert "Obcy-Daleki" not in text and "Zenobiusz" not in text
    assert str(subject.stranger.pesel) not in text
    assert subject.ids["other_case"] not in text
    assert 33 not in [t["minutes"] for t in report["time_log"]]
    # The private reporter's name is not released.
    assert "Sąsiadka Prywatna" not in text


def test_the_access_report_names_who_read_the_data(subject: Subject) -> None:
    reader = api(SLUG, "audytor")
    assert reader.get(f"/api/people/{subject.person.public_id}/").status_code == 200
    report = _export("kierownik", subject.person).json()
    rows = report["access_report"]
    stamps = [row["at"] for row in rows]
    assert stamps == sorted(stamps)  # oldest first, as a report reads
    reads = [
        row
        for row in rows
        if row["username"] == "audytor"
        and row["action"] == "read"
        and row["record_type"] == "casework.person"
    ]
    assert reads, rows
    assert (
        reads[-1]
        | {
            "role": "auditor",
            "role_label": "audytor (tylko odczyt)",
            "action_label": "odczyt",
            "record_type_label": "dane osobowe",
            "break_glass_reason": "",
        }
        == reads[-1]
    )
    assert {"create", "update"} <= {row["action"] for row in rows}
    assert set(rows[0]) == {
        "at", "username", "role", "role_label", "action", "action_label", "record_type",
        "record_type_label", "record_id", "break_glass_reason",
    }  # fmt: skip


def test_each_export_is_recorded_in_the_audit_trail(subject: Subject) -> None:
    def exports() -> list[AuditEntry]:
        with schema_context(SLUG):
            return list(
                AuditEntry.objects.filter(
                    object_type=EXPORT_OBJECT_TYPE, person_id=str(subject.person.public_id)
                ).order_by("seq")
            )

    assert exports() == []
    assert _export("audytor", subject.person).status_code == 200
    pdf = api(SLUG, "kierownik").get(f"/api/people/{subject.person.public_id}/subject-access/pdf/")
    assert pdf.status_code == 200
    entries = exports()
    assert [(e.actor_username, e.action) for e in entries] == [
        ("audytor", "read"),
        ("kierownik", "read"),
    ]
    assert all(e.object_id == str(subject.person.public_id) for e in entries)
    # The next report shows the earlier export.
    report = _export("kierownik", subject.person).json()
    kinds = [row["record_type"] for row in report["access_report"]]
    assert kinds.count(EXPORT_OBJECT_TYPE) == 2


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_has_the_person_and_every_section(subject: Subject) -> None:
    api(SLUG, "audytor").get(f"/api/people/{subject.person.public_id}/")
    response = api(SLUG, "kierownik").get(
        f"/api/people/{subject.person.public_id}/subject-access/pdf/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "dane-osoby-lacka-wasowicz-zaneta.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Miejski Ośrodek Pomocy Społecznej w Krasnymstawie" in text
    assert "Osoba: Żaneta Łącka-Wąsowicz" in text
    assert "Data sporządzenia:" in text
    for spec in SECTIONS:
        assert spec.title in text, spec.title
    assert "Dostęp do danych (z dziennika dostępu)" in text
    assert "audytor (tylko odczyt)" in text
    assert subject.ids["decision"] in text
    assert "Bożydar Wąsowicz (małżonek / partner)" in text
    assert "Obcy-Daleki" not in text and str(subject.spouse.pesel) not in text


@pytest.mark.parametrize("username", ["socjalny", "pierwszy.kontakt", "swiadczenia", "uslugi"])
def test_other_roles_may_not_export(subject: Subject, username: str) -> None:
    for suffix in ("", "pdf/"):
        response = api(SLUG, username).get(
            f"/api/people/{subject.person.public_id}/subject-access/{suffix}"
        )
        assert response.status_code == 403
        # Refused by the capability, or earlier by the household scope of the role.
        assert response.json()["code"] in {"not_allowed_audit_read", "household_out_of_scope"}
    with schema_context(SLUG):
        assert not AuditEntry.objects.filter(object_type=EXPORT_OBJECT_TYPE).exists()


def test_an_unknown_person_is_404() -> None:
    response = api(SLUG, "kierownik").get(
        "/api/people/00000000-0000-0000-0000-000000000000/subject-access/"
    )
    assert response.status_code == 404


def test_the_openapi_schema_describes_the_export() -> None:
    response = api(SLUG, "kierownik").get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    json_path = paths["/api/people/{person_id}/subject-access/"]["get"]
    assert json_path["operationId"] == "person_subject_access"
    schema = json_path["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/SubjectAccessOutput")
    pdf_path = paths["/api/people/{person_id}/subject-access/pdf/"]["get"]
    assert "application/pdf" in pdf_path["responses"]["200"]["content"]
    assert "/api/rodo/register/" in paths


# --- the art. 30 register -------------------------------------------------------------------


def test_every_activity_has_every_element_of_article_30() -> None:
    configured = activities()
    assert {a.code for a in configured} == {
        "intake", "benefits", "social_work", "care_services", "reporting",
    }  # fmt: skip
    assert set(ART30_ELEMENTS) == set("abcdefg")
    for activity in configured:
        assert missing_elements(activity) == [], activity.code
        assert activity.legal_basis, activity.code
        assert any("art. 6 ust. 1" in basis for basis in activity.legal_basis), activity.code
        assert "nie dotyczy" in activity.third_country_transfers
        assert activity.jrwa, activity.code


def test_a_missing_element_is_found() -> None:
    from dataclasses import replace

    complete = activities()[0]
    assert missing_elements(replace(complete, recipients=())) == ["d"]
    assert missing_elements(replace(complete, retention=" ", measures=("",))) == ["f", "g"]


def test_every_kind_of_personal_record_has_a_purpose() -> None:
    from casework.audit import AUDITED_MODELS

    for model in AUDITED_MODELS:
        label = model._meta.label_lower
        if label == "casework.decisionauthorisation":
            continue  # staff data, not a data subject's
        assert activities_for_record(label), label


def test_the_register_takes_the_controller_from_the_registry() -> None:
    from tenants.models import Centre

    centre = Centre.objects.get(slug="myslenice")
    with schema_context("myslenice"):
        register = processing_register(centre)
    controller = register.controller.as_dict()
    assert controller["name"] == "Miejsko-Gminny Ośrodek Pomocy Społecznej w Myślenicach"
    assert controller["address"] == "ul. Słowackiego 82, 32-400 Myślenice"
    assert controller["represented_by"] == (
        "Kierownik Miejsko-Gminnego Ośrodka Pomocy Społecznej w Myślenicach"
    )
    assert controller["dpo"] == "nie wskazano"  # the registry holds no DPO contact
    with schema_context("krasnystaw"):
        blank = processing_register(Centre.objects.get(slug="krasnystaw")).controller.as_dict()
    assert blank["address"] == "nie wskazano"


def test_the_register_shows_the_retention_rules_the_centre_applies() -> None:
    from casework.privacy.models import RetentionRule
    from tenants.models import Centre

    centre = Centre.objects.get(slug="myslenice")
    with schema_context("myslenice"):
        RetentionRule.objects.filter(record_type="intake").update(
            years=6, archival_category="B6", jrwa_symbol="5110"
        )
        RetentionRule.objects.filter(record_type="activity_log").update(active=False)
        by_code = {a.code: a for a in processing_register(centre).activities}
    intake = [rule["text"] for rule in by_code["intake"].centre_retention]
    assert intake == [
        "zgłoszenie zakończone bez założenia sprawy: 6 lat od końca roku zakończenia "
        "(JRWA 5110, B6)"
    ]
    social = {rule["record_type"]: rule for rule in by_code["social_work"].centre_retention}
    assert set(social) == {"social_contract", "activity_log"}
    assert social["activity_log"]["text"].endswith("usuwanie wyłączone przez ośrodek")
    assert [r["record_type"] for r in by_code["benefits"].centre_retention] == ["case_file"]
    assert [r["record_type"] for r in by_code["care_services"].centre_retention] == ["care_plan"]
    assert by_code["reporting"].centre_retention == ()
