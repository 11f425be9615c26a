"""Everything the centre holds about one person, for a subject-access request (RODO art. 15).

:func:`subject_access_report` builds one typed report (``SubjectAccessReport`` of
:mod:`casework.rodo.report_types`: the JSON export as it is; the page and the PDF lay it out with
:mod:`casework.rodo.layout`): the person's identity and contact data, their
household memberships, every intake, case, application, interview, decision, delay notice,
appeal, social contract, individual programme, project participation, care plan and delivery and
time-log entry tied to them, the report of every access to their data from the audit trail, and the
purposes, legal bases and retention periods from the art. 30 register.

What is the person's and what is someone else's (art. 15 ust. 4: a copy must not adversely affect
the rights and freedoms of others):

- **Other household members** appear only by first name, last name and relationship, and only in the
  households the person belongs or belonged to. Their PESEL, documents, dates of birth, contact
  data, incomes and any special-category data (reasons, diagnoses, care, applications, decisions,
  contracts) are never included.
- Records with a single party (applications and what follows them, contracts, programmes,
  participations, care plans) are included when the person is that party, never when another
  member is.
- Household-level records (cases, family interviews, intakes about the household, time-log
  entries) are included for the households the person belongs or belonged to, limited to the
  period of the membership. The free text of a family interview describes the whole family: it is
  included, flagged ``review_before_release``, for the officer to redact other members' data before
  handing the copy over.
- The name of whoever reported a case is included only when it is an institution (police, school,
  court...): a private reporter (a neighbour, a relative) is a third party; their kind is shown.
- The access report holds the entries about the person and about their households' shared
  records (the household, its case, interviews...) during the membership; entries about another
  member's own records are that member's data and are left out.
- The access report names the member of staff (user name and role), as the platform's privacy rules
  ask; the officer releasing it may withhold staff identities where the CJEU's C-579/21 allows.

Only the manager and the auditor may build it (``AUDIT_READ``); building it is recorded in the
audit trail as a read of the person with the purpose ``subject_access`` (:func:`record_export`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from casework.audit import current_actor
from casework.models import Application, AuditEntry, Case, HouseholdMember, Person
from casework.models.audit import AuditAction
from casework.permissions import Capability, require_capability
from casework.rodo.register import activities, activities_for_record, controller_of
from casework.rodo.report_records import (
    Membership,
    application_record,
    care_records,
    case_record,
    contract_records,
    decision_and_appeal_records,
    delay_notice_records,
    income_rows,
    intake_records,
    interview_records,
    iso,
    label_of,
    membership_record,
    participation_records,
    person_record,
    programme_records,
    role_label,
    time_log_records,
)
from casework.rodo.report_types import (
    AccessRecord,
    CentreRecord,
    ProcessingRecord,
    SubjectAccessReport,
)
from casework.selectors.audit import person_access_log
from tenants.accounts.models import User
from tenants.models import Centre

FORMAT = "ops-subject-access/1"
PURPOSE = "subject_access"
# The audit entry of an export: the person is its subject and its object; the object type carries
# the purpose, since the trail has no column of its own for it.
EXPORT_OBJECT_TYPE = "rodo.subject_access"


# What a kind of record is called, for the access report (Polish, whatever the interface).
RECORD_LABELS: dict[str, str] = {
    "casework.person": "dane osobowe",
    "casework.household": "gospodarstwo domowe",
    "casework.householdmember": "członkostwo w gospodarstwie",
    "casework.incomerecord": "dochód",
    "casework.intake": "zgłoszenie",
    "casework.case": "sprawa",
    "casework.caseassignment": "przydział sprawy",
    "casework.handover": "przekazanie sprawy",
    "casework.application": "wniosek",
    "casework.familyinterview": "wywiad środowiskowy",
    "casework.decision": "decyzja",
    "casework.delaynotice": "zawiadomienie o zwłoce",
    "casework.appeal": "odwołanie",
    "casework.activityentry": "wpis czasu pracy",
    "casework.socialcontract": "kontrakt socjalny",
    "casework.contractreview": "ocena kontraktu",
    "casework.individualprogramme": "program indywidualny",
    "casework.projectparticipation": "udział w projekcie",
    "casework.serviceplan": "plan usług",
    "casework.servicedelivery": "realizacja usług",
    EXPORT_OBJECT_TYPE: "realizacja prawa dostępu (wydanie kopii danych)",
}


# --- the report ---------------------------------------------------------------------------------


def subject_access_report(*, user: User, person: Person, centre: Centre) -> SubjectAccessReport:
    """Everything the centre holds about ``person`` as one JSON-ready dict (stable keys, ISO dates,
    Polish labels next to codes). Managers and auditors only. Does not write the audit entry: the
    caller records the export with :func:`record_export` once it has been delivered."""
    require_capability(user, Capability.AUDIT_READ)
    member_rows = list(
        HouseholdMember.objects.filter(person=person)
        .select_related("household")
        .order_by("joined_on", "id")
    )
    memberships = [Membership(m.household_id, m.joined_on, m.left_on) for m in member_rows]
    household_ids = {m.household_id for m in memberships}

    cases = [
        case
        for case in Case.objects.filter(household_id__in=household_ids)
        .prefetch_related("assignments__team", "assignments__worker", "handovers__to_team")
        .order_by("opened_on", "id")
        if any(
            m.household_id == case.household_id
            and (m.until is None or case.opened_on <= m.until)
            and (case.closed_on is None or case.closed_on >= m.since)
            for m in memberships
        )
    ]
    applications = list(
        Application.objects.filter(applicant=person)
        .select_related("case")
        .order_by("received_on", "id")
    )
    report: SubjectAccessReport = {
        "format": FORMAT,
        "generated_at": iso(timezone.now()),
        "generated_by": {
            "username": user.get_username(),
            "role": getattr(user, "role", ""),
            "role_label": role_label(getattr(user, "role", "")),
        },
        "centre": _centre(centre),
        "person": person_record(person),
        "household_memberships": [membership_record(m) for m in member_rows],
        "incomes": income_rows(person),
        "intakes": intake_records(person, memberships, household_ids),
        "cases": [case_record(case) for case in cases],
        "applications": [application_record(a) for a in applications],
        "delay_notices": delay_notice_records(applications),
        "interviews": interview_records(cases, memberships),
        "decisions": [],
        "appeals": [],
        "social_contracts": contract_records(person),
        "individual_programmes": programme_records(person),
        "project_participations": participation_records(person),
        "service_plans": [],
        "service_deliveries": [],
        "time_log": time_log_records(memberships, household_ids),
        "access_report": _access_report(user, person, member_rows),
        "processing": _processing(),
        "rectification": {
            "how": "Sprostowanie lub uzupełnienie danych osobowych (art. 16 RODO) wprowadza "
            "pracownik ośrodka w zwykłym trybie zmiany danych osoby; każda zmiana trafia do "
            "dziennika dostępu.",
            "api": f"PATCH /api/people/{person.public_id}/",
        },
    }
    report["decisions"], report["appeals"] = decision_and_appeal_records(applications)
    report["service_plans"], report["service_deliveries"] = care_records(person)
    return report


def _centre(centre: Centre) -> CentreRecord:
    controller = controller_of(centre)
    return {
        "name": getattr(centre, "name", ""),
        "short_name": getattr(centre, "short_name", ""),
        "address": getattr(centre, "address", ""),
        "controller": controller.as_dict(),
    }


def _access_report(
    user: User, person: Person, member_rows: list[HouseholdMember]
) -> list[AccessRecord]:
    """Every entry of the trail about the person, and about their households' shared records
    (no ``person_id``) while they belonged to them; an entry about another member's own record
    (their application, contract...) is that member's data and stays out. Oldest first."""
    own = str(person.public_id)
    periods = [
        (str(m.household.public_id), Membership(m.household_id, m.joined_on, m.left_on))
        for m in member_rows
    ]

    def concerns_the_person(entry: AuditEntry) -> bool:
        if entry.person_id == own:
            return True
        if entry.person_id:
            return False
        day = timezone.localdate(entry.at)
        return any(
            household == entry.household_id and membership.covers(day)
            for household, membership in periods
        )

    entries: Iterable[AuditEntry] = person_access_log(user=user, person=person).reverse()
    return [
        {
            "at": iso(entry.at),
            "username": entry.actor_username,
            "role": entry.actor_role,
            "role_label": role_label(entry.actor_role),
            "action": entry.action,
            "action_label": label_of(AuditAction, entry.action),
            "record_type": entry.object_type,
            "record_type_label": RECORD_LABELS.get(entry.object_type, entry.object_type),
            "record_id": entry.object_id,
            "break_glass_reason": entry.break_glass_reason,
        }
        for entry in entries
        if concerns_the_person(entry)
    ]


# Which kinds of record each part of the report holds (for purposes and retention).
_PART_RECORD_TYPES = {
    "person": "casework.person",
    "household_memberships": "casework.householdmember",
    "incomes": "casework.incomerecord",
    "intakes": "casework.intake",
    "cases": "casework.case",
    "applications": "casework.application",
    "delay_notices": "casework.delaynotice",
    "interviews": "casework.familyinterview",
    "decisions": "casework.decision",
    "appeals": "casework.appeal",
    "social_contracts": "casework.socialcontract",
    "individual_programmes": "casework.individualprogramme",
    "project_participations": "casework.projectparticipation",
    "service_plans": "casework.serviceplan",
    "service_deliveries": "casework.servicedelivery",
    "time_log": "casework.activityentry",
}


def _processing() -> list[ProcessingRecord]:
    """Art. 15 ust. 1 lit. a, d: why and on what basis each kind of data is processed and for how
    long, from the art. 30 register."""
    rows: list[ProcessingRecord] = []
    for activity in activities():
        parts = [
            part
            for part, record_type in _PART_RECORD_TYPES.items()
            if activity in activities_for_record(record_type)
        ]
        rows.append(
            {
                "activity": activity.code,
                "activity_label": activity.name,
                "purposes": list(activity.purposes),
                "legal_basis": list(activity.legal_basis),
                "recipients": list(activity.recipients),
                "retention": activity.retention,
                "retention_years": activity.retention_years or None,
                "jrwa": list(activity.jrwa),
                "report_parts": parts,
            }
        )
    return rows


def record_export(person: Person) -> AuditEntry:
    """Record in the audit trail that the current actor read the whole of ``person``'s data to
    answer a subject-access request (action ``read``, the person as subject and object, the
    purpose in the object type)."""
    actor = current_actor()
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        action=AuditAction.READ,
        object_type=EXPORT_OBJECT_TYPE,
        object_id=str(person.public_id),
        person_id=str(person.public_id),
        household_id="",
        ip=actor.ip,
        break_glass_reason=actor.break_glass_reason,
    )
    entry.save(force_insert=True)
    return entry
