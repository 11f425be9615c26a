"""Everything the centre holds about one person, for a subject-access request (RODO art. 15).

:func:`subject_access_report` builds one structured dict (the JSON export as it is; the page and the
PDF lay out the same dict using :data:`SECTIONS`): the person's identity and contact data, their
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
- The access report names the member of staff (user name and role) as the brief of the platform
  asks; the officer releasing it may withhold staff identities where the CJEU's C-579/21 allows.

Only the manager and the auditor may build it (``AUDIT_READ``); building it is recorded in the
audit trail as a read of the person with the purpose ``subject_access`` (:func:`record_export`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation

from casework.audit import current_actor
from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    AuditEntry,
    Case,
    Decision,
    DelayNotice,
    FamilyInterview,
    HouseholdMember,
    IncomeRecord,
    IndividualProgramme,
    Intake,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.audit import AuditAction
from casework.models.care import FeeRule, ProviderKind, ServiceType
from casework.models.cases import CaseStatus
from casework.models.intake import Channel, IntakeOutcome, ReporterKind
from casework.models.people import IdentityDocument, Relation, Sex
from casework.models.proceedings import (
    AppealOutcome,
    ApplicationStatus,
    DecisionOutcome,
    InterviewKind,
    PaymentSchedule,
)
from casework.models.socialwork import (
    ActivityCategory,
    ContractStatus,
    ContractVariant,
    ProgrammeKind,
    ProgrammeStatus,
    ProjectKind,
)
from casework.permissions import Capability, require_capability
from casework.reference.models import AssistanceReason, BenefitType
from casework.rodo.register import activities, activities_for_record, controller_of
from casework.selectors.audit import person_access_log
from tenants.accounts.roles import Role

FORMAT = "ops-subject-access/1"
PURPOSE = "subject_access"
# The audit entry of an export: the person is its subject and its object; the object type carries
# the purpose, since the trail has no column of its own for it.
EXPORT_OBJECT_TYPE = "rodo.subject_access"

# Reporters whose name is an institution's, not a private third party's.
INSTITUTION_REPORTERS = frozenset(
    {
        ReporterKind.POLICE,
        ReporterKind.SCHOOL,
        ReporterKind.COURT,
        ReporterKind.HEALTH,
        ReporterKind.OTHER_INSTITUTION,
    }
)

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


# --- formatting --------------------------------------------------------------------------------


def _label(choices: type[models.Choices], value: Any) -> str:
    """The Polish label of a stored code ("" for an empty or unknown one)."""
    if value in (None, ""):
        return ""
    with translation.override("pl"):
        labels = dict(choices.choices)
        return str(labels.get(value, value))


def role_label(role: str) -> str:
    if role in Role.values:
        with translation.override("pl"):
            return str(Role(role).label)
    return role


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _staff(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _address(record: Any) -> dict[str, str]:
    return {"street": record.street, "postal_code": record.postal_code, "city": record.city}


@dataclass(frozen=True)
class Membership:
    household_id: int
    since: dt.date
    until: dt.date | None

    def covers(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return self.since <= day and (self.until is None or day <= self.until)


def _in_memberships(memberships: Iterable[Membership], household_id: int | None, day: Any) -> bool:
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day)
    return any(m.household_id == household_id and m.covers(day) for m in memberships)


# --- the report ---------------------------------------------------------------------------------


def subject_access_report(*, user: Any, person: Person, centre: Any) -> dict[str, Any]:
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
    report: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": _iso(timezone.now()),
        "generated_by": {
            "username": user.get_username(),
            "role": getattr(user, "role", ""),
            "role_label": role_label(getattr(user, "role", "")),
        },
        "centre": _centre(centre),
        "person": _person(person),
        "household_memberships": [_membership(m) for m in member_rows],
        "incomes": _incomes(person),
        "intakes": _intakes(person, memberships, household_ids),
        "cases": [_case(case) for case in cases],
        "applications": [_application(a) for a in applications],
        "delay_notices": _delay_notices(applications),
        "interviews": _interviews(cases, memberships),
        "decisions": [],
        "appeals": [],
        "social_contracts": _contracts(person),
        "individual_programmes": _programmes(person),
        "project_participations": _participations(person),
        "service_plans": [],
        "service_deliveries": [],
        "time_log": _time_log(memberships, household_ids),
        "access_report": _access_report(user, person, member_rows),
        "processing": _processing(),
        "rectification": {
            "how": "Sprostowanie lub uzupełnienie danych osobowych (art. 16 RODO) wprowadza "
            "pracownik ośrodka w zwykłym trybie zmiany danych osoby; każda zmiana trafia do "
            "dziennika dostępu.",
            "api": f"PATCH /api/people/{person.public_id}/",
        },
    }
    report["decisions"], report["appeals"] = _decisions_and_appeals(applications)
    report["service_plans"], report["service_deliveries"] = _care(person)
    return report


def _centre(centre: Any) -> dict[str, Any]:
    controller = controller_of(centre)
    return {
        "name": getattr(centre, "name", ""),
        "short_name": getattr(centre, "short_name", ""),
        "address": getattr(centre, "address", ""),
        "controller": controller.as_dict(),
    }


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": str(person.public_id),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "pesel": person.pesel,
        "document_type": person.document_type,
        "document_type_label": _label(IdentityDocument, person.document_type),
        "document_number": person.document_number,
        "date_of_birth": _iso(person.date_of_birth),
        "sex": person.sex,
        "sex_label": _label(Sex, person.sex),
        "citizenship": person.citizenship,
        "address": _address(person),
        "phone": person.phone,
        "registered_at": _iso(person.created_at),
        "updated_at": _iso(person.updated_at),
    }


def _membership(member: HouseholdMember) -> dict[str, Any]:
    """The person's membership and the other members as the law allows: names and relationship."""
    household = member.household
    others = (
        HouseholdMember.objects.filter(household=household)
        .exclude(person_id=member.person_id)
        .select_related("person")
        .order_by("joined_on", "id")
    )
    return {
        "household_id": str(household.public_id),
        "household_address": _address(household),
        "relation": member.relation,
        "relation_label": _label(Relation, member.relation),
        "joined_on": _iso(member.joined_on),
        "left_on": _iso(member.left_on),
        "other_members": [
            {
                "first_name": other.person.first_name,
                "last_name": other.person.last_name,
                "relation": other.relation,
                "relation_label": _label(Relation, other.relation),
            }
            for other in others
        ],
    }


def _incomes(person: Person) -> list[dict[str, Any]]:
    records = (
        IncomeRecord.objects.filter(member__person=person)
        .select_related("member__household")
        .order_by("as_of", "id")
    )
    return [
        {
            "id": str(record.public_id),
            "household_id": str(record.member.household.public_id),
            "as_of": _iso(record.as_of),
            "amount": _money(record.amount),
            "source": record.source,
        }
        for record in records
    ]


def _reason_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(AssistanceReason.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _intakes(
    person: Person, memberships: list[Membership], household_ids: set[int]
) -> list[dict[str, Any]]:
    candidates = (
        Intake.objects.filter(
            Q(person=person) | Q(person__isnull=True, household_id__in=household_ids)
        )
        .select_related("routed_team", "routed_worker", "registered_by", "case", "household")
        .order_by("arrived_at", "id")
    )
    intakes = [
        intake
        for intake in candidates
        if intake.person_id == person.pk
        or _in_memberships(memberships, intake.household_id, intake.arrived_at)
    ]
    reasons = _reason_names(code for intake in intakes for code in intake.reasons)
    return [
        {
            "id": str(intake.public_id),
            "about": "person" if intake.person_id == person.pk else "household",
            "arrived_at": _iso(intake.arrived_at),
            "channel": intake.channel,
            "channel_label": _label(Channel, intake.channel),
            "reporter_kind": intake.reporter_kind,
            "reporter_kind_label": _label(ReporterKind, intake.reporter_kind),
            "reporter_name": intake.reporter_name
            if intake.reporter_kind in INSTITUTION_REPORTERS
            else "",
            "reasons": list(intake.reasons),
            "reasons_labels": [reasons.get(code, code) for code in intake.reasons],
            "notes": intake.notes if intake.person_id == person.pk else "",
            "outcome": intake.outcome,
            "outcome_label": _label(IntakeOutcome, intake.outcome),
            "outcome_note": intake.outcome_note,
            "routed_team": intake.routed_team.name if intake.routed_team else "",
            "routed_worker": _staff(intake.routed_worker),
            "resolved_at": _iso(intake.resolved_at),
            "case_number": intake.case.number if intake.case else "",
            "registered_by": _staff(intake.registered_by),
        }
        for intake in intakes
    ]


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": str(case.public_id),
        "number": case.number,
        "status": case.status,
        "status_label": _label(CaseStatus, case.status),
        "opened_on": _iso(case.opened_on),
        "closed_on": _iso(case.closed_on),
        "closing_reason": case.closing_reason,
        "legal_hold": case.legal_hold,
        "assignments": [
            {
                "function": a.function,
                "team": a.team.name,
                "worker": _staff(a.worker),
                "started_on": _iso(a.started_on),
                "ended_on": _iso(a.ended_on),
            }
            for a in case.assignments.all()
        ],
        "handovers": [
            {
                "to_team": h.to_team.name,
                "reason": h.reason,
                "handed_over_at": _iso(h.handed_over_at),
            }
            for h in case.handovers.all()
        ],
    }


def _benefit_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(BenefitType.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _application(application: Application) -> dict[str, Any]:
    names = _benefit_names(application.benefits)
    return {
        "id": str(application.public_id),
        "case_number": application.case.number,
        "received_on": _iso(application.received_on),
        "benefits": list(application.benefits),
        "benefits_labels": [names.get(code, code) for code in application.benefits],
        "urgent": application.urgent,
        "complex": application.complex,
        "status": application.status,
        "status_label": _label(ApplicationStatus, application.status),
        "decision_due_on": _iso(application.decision_due_on),
    }


def _delay_notices(applications: list[Application]) -> list[dict[str, Any]]:
    notices = (
        DelayNotice.objects.filter(application__in=applications)
        .select_related("application")
        .order_by("sent_on", "id")
    )
    return [
        {
            "id": str(notice.public_id),
            "application_id": str(notice.application.public_id),
            "sent_on": _iso(notice.sent_on),
            "new_due_on": _iso(notice.new_due_on),
            "reason": notice.reason,
        }
        for notice in notices
    ]


def _interviews(cases: list[Case], memberships: list[Membership]) -> list[dict[str, Any]]:
    interviews = (
        FamilyInterview.objects.filter(case__in=cases)
        .select_related("case", "worker")
        .order_by("needed_since", "id")
    )
    rows = []
    for interview in interviews:
        day = interview.conducted_on or interview.needed_since
        if not _in_memberships(memberships, interview.case.household_id, day):
            continue
        rows.append(
            {
                "id": str(interview.public_id),
                "case_number": interview.case.number,
                "kind": interview.kind,
                "kind_label": _label(InterviewKind, interview.kind),
                "needed_since": _iso(interview.needed_since),
                "due_on": _iso(interview.due_on),
                "conducted_on": _iso(interview.conducted_on),
                "worker": _staff(interview.worker),
                "diagnosis": interview.diagnosis,
                "help_plan": interview.help_plan,
                # The family's diagnosis may name other members: redact before handing over.
                "review_before_release": bool(interview.diagnosis or interview.help_plan),
            }
        )
    return rows


def _decisions_and_appeals(
    applications: list[Application],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    decisions = list(
        Decision.objects.filter(application__in=applications)
        .select_related("application", "issued_by")
        .order_by("issued_on", "id")
    )
    names = _benefit_names(d.benefit for d in decisions)
    decision_rows = [
        {
            "id": str(decision.public_id),
            "application_id": str(decision.application.public_id),
            "number": decision.number,
            "benefit": decision.benefit,
            "benefit_label": names.get(decision.benefit, decision.benefit),
            "outcome": decision.outcome,
            "outcome_label": _label(DecisionOutcome, decision.outcome),
            "amount": _money(decision.amount),
            "period_from": _iso(decision.period_from),
            "period_to": _iso(decision.period_to),
            "payment_schedule": decision.payment_schedule,
            "payment_schedule_label": _label(PaymentSchedule, decision.payment_schedule),
            "legal_basis": decision.legal_basis,
            "reasoning": decision.reasoning,
            "issued_on": _iso(decision.issued_on),
            "issued_by": _staff(decision.issued_by),
            "delivered_on": _iso(decision.delivered_on),
        }
        for decision in decisions
    ]
    appeals = (
        Appeal.objects.filter(decision__in=decisions)
        .select_related("decision")
        .order_by("lodged_on", "id")
    )
    appeal_rows = [
        {
            "id": str(appeal.public_id),
            "decision_number": appeal.decision.number,
            "lodged_on": _iso(appeal.lodged_on),
            "forwarded_on": _iso(appeal.forwarded_on),
            "outcome": appeal.outcome,
            "outcome_label": _label(AppealOutcome, appeal.outcome),
            "outcome_on": _iso(appeal.outcome_on),
        }
        for appeal in appeals
    ]
    return decision_rows, appeal_rows


def _contracts(person: Person) -> list[dict[str, Any]]:
    contracts = (
        SocialContract.objects.filter(person=person)
        .select_related("case", "worker")
        .prefetch_related("reviews")
        .order_by("starts_on", "id")
    )
    return [
        {
            "id": str(contract.public_id),
            "case_number": contract.case.number,
            "variant": contract.variant,
            "variant_label": _label(ContractVariant, contract.variant),
            "worker": _staff(contract.worker),
            "goals": contract.goals,
            "client_obligations": contract.client_obligations,
            "centre_obligations": contract.centre_obligations,
            "starts_on": _iso(contract.starts_on),
            "ends_on": _iso(contract.ends_on),
            "status": contract.status,
            "status_label": _label(ContractStatus, contract.status),
            "signed_on": _iso(contract.signed_on),
            "closed_on": _iso(contract.closed_on),
            "goals_achieved": contract.goals_achieved,
            "outcome_note": contract.outcome_note,
            "reviews": [
                {"due_on": _iso(r.due_on), "done_on": _iso(r.done_on), "note": r.note}
                for r in contract.reviews.all()
            ],
        }
        for contract in contracts
    ]


def _programmes(person: Person) -> list[dict[str, Any]]:
    programmes = (
        IndividualProgramme.objects.filter(person=person)
        .select_related("case", "worker")
        .order_by("starts_on", "id")
    )
    return [
        {
            "id": str(programme.public_id),
            "case_number": programme.case.number,
            "kind": programme.kind,
            "kind_label": _label(ProgrammeKind, programme.kind),
            "worker": _staff(programme.worker),
            "starts_on": _iso(programme.starts_on),
            "ends_on": _iso(programme.ends_on),
            "status": programme.status,
            "status_label": _label(ProgrammeStatus, programme.status),
            "goals": programme.goals,
        }
        for programme in programmes
    ]


def _participations(person: Person) -> list[dict[str, Any]]:
    participations = (
        ProjectParticipation.objects.filter(person=person)
        .select_related("project")
        .order_by("joined_on", "id")
    )
    return [
        {
            "id": str(p.public_id),
            "project": p.project.name,
            "project_kind": p.project.kind,
            "project_kind_label": _label(ProjectKind, p.project.kind),
            "joined_on": _iso(p.joined_on),
            "left_on": _iso(p.left_on),
        }
        for p in participations
    ]


def _care(person: Person) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    plans = list(
        ServicePlan.objects.filter(recipient=person)
        .select_related("case", "coordinator", "decision")
        .order_by("starts_on", "id")
    )
    plan_rows = [
        {
            "id": str(plan.public_id),
            "case_number": plan.case.number,
            "service_type": plan.service_type,
            "service_type_label": _label(ServiceType, plan.service_type),
            "provider_kind": plan.provider_kind,
            "provider_kind_label": _label(ProviderKind, plan.provider_kind),
            "provider_name": plan.provider_name,
            "hours_per_week": _money(plan.hours_per_week),
            "starts_on": _iso(plan.starts_on),
            "ends_on": _iso(plan.ends_on),
            "hourly_cost": _money(plan.hourly_cost),
            "fee_rule": plan.fee_rule,
            "fee_rule_label": _label(FeeRule, plan.fee_rule),
            "fee_percent": _money(plan.fee_percent),
            "decision_number": plan.decision.number if plan.decision else "",
            "coordinator": _staff(plan.coordinator),
        }
        for plan in plans
    ]
    deliveries = (
        ServiceDelivery.objects.filter(plan__in=plans).select_related("plan").order_by("day", "id")
    )
    delivery_rows = [
        {
            "plan_id": str(delivery.plan.public_id),
            "day": _iso(delivery.day),
            "hours": _money(delivery.hours),
            "carer": delivery.carer,
        }
        for delivery in deliveries
    ]
    return plan_rows, delivery_rows


def _time_log(memberships: list[Membership], household_ids: set[int]) -> list[dict[str, Any]]:
    entries = (
        ActivityEntry.objects.filter(household_id__in=household_ids)
        .select_related("worker", "household")
        .order_by("day", "id")
    )
    return [
        {
            "household_id": str(entry.household.public_id) if entry.household else "",
            "day": _iso(entry.day),
            "minutes": entry.minutes,
            "category": entry.category,
            "category_label": _label(ActivityCategory, entry.category),
            "worker": _staff(entry.worker),
        }
        for entry in entries
        if _in_memberships(memberships, entry.household_id, entry.day)
    ]


def _access_report(
    user: Any, person: Person, member_rows: list[HouseholdMember]
) -> list[dict[str, Any]]:
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
            "at": _iso(entry.at),
            "username": entry.actor_username,
            "role": entry.actor_role,
            "role_label": role_label(entry.actor_role),
            "action": entry.action,
            "action_label": _label(AuditAction, entry.action),
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


def _processing() -> list[dict[str, Any]]:
    """Art. 15 ust. 1 lit. a, d: why and on what basis each kind of data is processed and for how
    long, from the art. 30 register."""
    rows = []
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


# --- the layout the page and the PDF share -------------------------------------------------------


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    fields: tuple[tuple[str, str], ...]  # (key in each record, Polish label)
    empty: str = "Brak."


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("intakes", "Zgłoszenia", (
        ("arrived_at", "Czas zgłoszenia"), ("channel_label", "Forma kontaktu"),
        ("reporter_kind_label", "Zgłaszający"), ("reporter_name", "Nazwa zgłaszającego"),
        ("reasons_labels", "Powody"), ("notes", "Notatka"), ("outcome_label", "Wynik"),
        ("outcome_note", "Dokąd skierowano"), ("routed_team", "Zespół"),
        ("case_number", "Sprawa"), ("registered_by", "Przyjął(-ęła)"),
    )),
    SectionSpec("cases", "Sprawy", (
        ("number", "Znak sprawy"), ("status_label", "Stan"), ("opened_on", "Otwarta"),
        ("closed_on", "Zamknięta"), ("closing_reason", "Powód zamknięcia"),
        ("legal_hold", "Wstrzymanie usunięcia"),
    )),
    SectionSpec("applications", "Wnioski", (
        ("case_number", "Sprawa"), ("received_on", "Data wpływu"),
        ("benefits_labels", "Świadczenia"), ("urgent", "Pilna"), ("status_label", "Stan"),
        ("decision_due_on", "Termin załatwienia"),
    )),
    SectionSpec("delay_notices", "Zawiadomienia o zwłoce", (
        ("sent_on", "Data"), ("new_due_on", "Nowy termin"), ("reason", "Przyczyna"),
    )),
    SectionSpec("interviews", "Rodzinne wywiady środowiskowe", (
        ("case_number", "Sprawa"), ("kind_label", "Rodzaj"), ("needed_since", "Potrzeba od"),
        ("conducted_on", "Przeprowadzony"), ("worker", "Pracownik"), ("diagnosis", "Diagnoza"),
        ("help_plan", "Plan pomocy"),
    )),
    SectionSpec("decisions", "Decyzje", (
        ("number", "Numer"), ("benefit_label", "Świadczenie"), ("outcome_label", "Rozstrzygnięcie"),
        ("amount", "Kwota (zł)"), ("period_from", "Od"), ("period_to", "Do"),
        ("legal_basis", "Podstawa prawna"), ("issued_on", "Data wydania"),
        ("issued_by", "Wydał(a)"), ("delivered_on", "Doręczono"),
    )),
    SectionSpec("appeals", "Odwołania", (
        ("decision_number", "Decyzja"), ("lodged_on", "Wniesiono"),
        ("forwarded_on", "Przekazano do SKO"), ("outcome_label", "Rozstrzygnięcie"),
        ("outcome_on", "Data rozstrzygnięcia"),
    )),
    SectionSpec("social_contracts", "Kontrakty socjalne", (
        ("variant_label", "Rodzaj"), ("case_number", "Sprawa"), ("starts_on", "Od"),
        ("ends_on", "Do"), ("status_label", "Stan"), ("goals", "Cele"),
        ("client_obligations", "Zobowiązania osoby"),
        ("centre_obligations", "Zobowiązania ośrodka"),
        ("worker", "Pracownik socjalny"), ("outcome_note", "Ocena realizacji"),
    )),
    SectionSpec("individual_programmes", "Programy indywidualne", (
        ("kind_label", "Rodzaj"), ("starts_on", "Od"), ("ends_on", "Do"),
        ("status_label", "Stan"), ("goals", "Cele"), ("worker", "Pracownik"),
    )),
    SectionSpec("project_participations", "Udział w projektach", (
        ("project", "Projekt"), ("project_kind_label", "Rodzaj"), ("joined_on", "Od"),
        ("left_on", "Do"),
    )),
    SectionSpec("service_plans", "Usługi opiekuńcze – plany", (
        ("service_type_label", "Rodzaj usług"), ("provider_kind_label", "Realizator"),
        ("provider_name", "Nazwa realizatora"), ("hours_per_week", "Godzin tygodniowo"),
        ("starts_on", "Od"), ("ends_on", "Do"), ("fee_rule_label", "Odpłatność"),
        ("coordinator", "Koordynator"),
    )),
    SectionSpec("service_deliveries", "Usługi opiekuńcze – realizacja", (
        ("day", "Dzień"), ("hours", "Godziny"), ("carer", "Opiekun(ka)"),
    )),
    SectionSpec("time_log", "Czas pracy poświęcony gospodarstwu", (
        ("day", "Dzień"), ("minutes", "Minuty"), ("category_label", "Rodzaj czynności"),
        ("worker", "Pracownik"),
    )),
    SectionSpec("incomes", "Dochody", (
        ("as_of", "Stan na dzień"), ("amount", "Kwota (zł)"), ("source", "Źródło"),
    )),
)  # fmt: skip

ACCESS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("at", "Kiedy"),
    ("username", "Kto (użytkownik)"),
    ("role_label", "Rola"),
    ("action_label", "Dostęp"),
    ("record_type_label", "Rodzaj danych"),
    ("break_glass_reason", "Dostęp awaryjny – powód"),
)


def display(value: Any) -> str:
    """A value of the report as a clerk reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "tak" if value else "nie"
    if isinstance(value, list):
        return ", ".join(display(item) for item in value) or "—"
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        date, _, time = text.partition("T")
        day = f"{date[8:10]}.{date[5:7]}.{date[:4]}"
        return f"{day} {time[:5]}" if time else day
    return text


def section_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The sections of :data:`SECTIONS` as lists of (label, shown value) per record."""
    return [
        {
            "key": spec.key,
            "title": spec.title,
            "empty": spec.empty,
            "records": [
                [(label, display(record.get(field))) for field, label in spec.fields]
                for record in report.get(spec.key, [])
            ],
        }
        for spec in SECTIONS
    ]
