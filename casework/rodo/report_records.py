"""The records of the subject-access report, one builder per kind (each returns the typed shape
of :mod:`casework.rodo.report_types`), and the formatting they share: ISO dates, amounts with
two decimals, Polish labels next to codes, staff by name. What each builder leaves out, and
why, is described in :mod:`casework.rodo.subject_access`."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation

from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
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
from casework.reference.models import AssistanceReason, BenefitType
from casework.rodo.report_types import (
    Address,
    AppealRecord,
    ApplicationRecord,
    CaseRecord,
    ContractRecord,
    DecisionRecord,
    DelayNoticeRecord,
    DeliveryRecord,
    IncomeRow,
    IntakeRecord,
    InterviewRecord,
    MembershipRecord,
    ParticipationRecord,
    PersonRecord,
    ProgrammeRecord,
    ServicePlanRecord,
    TimeLogRecord,
)
from tenants.accounts.models import User
from tenants.accounts.roles import Role

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


# --- formatting --------------------------------------------------------------------------------


def label_of(choices: type[models.Choices], value: Any) -> str:
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


def iso(value: dt.date | None) -> str | None:
    """A date, or a date and time in the centre's zone to the second, as ISO 8601."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def staff_name(user: User | None) -> str:
    """A member of staff as the report names them (full name, else user name)."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def address_of(record: Any) -> Address:
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


def in_memberships(memberships: Iterable[Membership], household_id: int | None, day: Any) -> bool:
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day)
    return any(m.household_id == household_id and m.covers(day) for m in memberships)


def person_record(person: Person) -> PersonRecord:
    return {
        "id": str(person.public_id),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "pesel": person.pesel,
        "document_type": person.document_type,
        "document_type_label": label_of(IdentityDocument, person.document_type),
        "document_number": person.document_number,
        "date_of_birth": iso(person.date_of_birth),
        "sex": person.sex,
        "sex_label": label_of(Sex, person.sex),
        "citizenship": person.citizenship,
        "address": address_of(person),
        "phone": person.phone,
        "registered_at": iso(person.created_at),
        "updated_at": iso(person.updated_at),
    }


def membership_record(member: HouseholdMember) -> MembershipRecord:
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
        "household_address": address_of(household),
        "relation": member.relation,
        "relation_label": label_of(Relation, member.relation),
        "joined_on": iso(member.joined_on),
        "left_on": iso(member.left_on),
        "other_members": [
            {
                "first_name": other.person.first_name,
                "last_name": other.person.last_name,
                "relation": other.relation,
                "relation_label": label_of(Relation, other.relation),
            }
            for other in others
        ],
    }


def income_rows(person: Person) -> list[IncomeRow]:
    records = (
        IncomeRecord.objects.filter(member__person=person)
        .select_related("member__household")
        .order_by("as_of", "id")
    )
    return [
        {
            "id": str(record.public_id),
            "household_id": str(record.member.household.public_id),
            "as_of": iso(record.as_of),
            "amount": money(record.amount),
            "source": record.source,
        }
        for record in records
    ]


def _reason_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(AssistanceReason.objects.filter(code__in=set(codes)).values_list("code", "name"))


def intake_records(
    person: Person, memberships: list[Membership], household_ids: set[int]
) -> list[IntakeRecord]:
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
        or in_memberships(memberships, intake.household_id, intake.arrived_at)
    ]
    reasons = _reason_names(code for intake in intakes for code in intake.reasons)
    return [
        {
            "id": str(intake.public_id),
            "about": "person" if intake.person_id == person.pk else "household",
            "arrived_at": iso(intake.arrived_at),
            "channel": intake.channel,
            "channel_label": label_of(Channel, intake.channel),
            "reporter_kind": intake.reporter_kind,
            "reporter_kind_label": label_of(ReporterKind, intake.reporter_kind),
            "reporter_name": intake.reporter_name
            if intake.reporter_kind in INSTITUTION_REPORTERS
            else "",
            "reasons": list(intake.reasons),
            "reasons_labels": [reasons.get(code, code) for code in intake.reasons],
            "notes": intake.notes if intake.person_id == person.pk else "",
            "outcome": intake.outcome,
            "outcome_label": label_of(IntakeOutcome, intake.outcome),
            "outcome_note": intake.outcome_note,
            "routed_team": intake.routed_team.name if intake.routed_team else "",
            "routed_worker": staff_name(intake.routed_worker),
            "resolved_at": iso(intake.resolved_at),
            "case_number": intake.case.number if intake.case else "",
            "registered_by": staff_name(intake.registered_by),
        }
        for intake in intakes
    ]


def case_record(case: Case) -> CaseRecord:
    return {
        "id": str(case.public_id),
        "number": case.number,
        "status": case.status,
        "status_label": label_of(CaseStatus, case.status),
        "opened_on": iso(case.opened_on),
        "closed_on": iso(case.closed_on),
        "closing_reason": case.closing_reason,
        "legal_hold": case.legal_hold,
        "assignments": [
            {
                "function": a.function,
                "team": a.team.name,
                "worker": staff_name(a.worker),
                "started_on": iso(a.started_on),
                "ended_on": iso(a.ended_on),
            }
            for a in case.assignments.all()
        ],
        "handovers": [
            {
                "to_team": h.to_team.name,
                "reason": h.reason,
                "handed_over_at": iso(h.handed_over_at),
            }
            for h in case.handovers.all()
        ],
    }


def _benefit_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(BenefitType.objects.filter(code__in=set(codes)).values_list("code", "name"))


def application_record(application: Application) -> ApplicationRecord:
    names = _benefit_names(application.benefits)
    return {
        "id": str(application.public_id),
        "case_number": application.case.number,
        "received_on": iso(application.received_on),
        "benefits": list(application.benefits),
        "benefits_labels": [names.get(code, code) for code in application.benefits],
        "urgent": application.urgent,
        "complex": application.complex,
        "status": application.status,
        "status_label": label_of(ApplicationStatus, application.status),
        "decision_due_on": iso(application.decision_due_on),
    }


def delay_notice_records(applications: list[Application]) -> list[DelayNoticeRecord]:
    notices = (
        DelayNotice.objects.filter(application__in=applications)
        .select_related("application")
        .order_by("sent_on", "id")
    )
    return [
        {
            "id": str(notice.public_id),
            "application_id": str(notice.application.public_id),
            "sent_on": iso(notice.sent_on),
            "new_due_on": iso(notice.new_due_on),
            "reason": notice.reason,
        }
        for notice in notices
    ]


def interview_records(cases: list[Case], memberships: list[Membership]) -> list[InterviewRecord]:
    interviews = (
        FamilyInterview.objects.filter(case__in=cases)
        .select_related("case", "worker")
        .order_by("needed_since", "id")
    )
    rows: list[InterviewRecord] = []
    for interview in interviews:
        day = interview.conducted_on or interview.needed_since
        if not in_memberships(memberships, interview.case.household_id, day):
            continue
        rows.append(
            {
                "id": str(interview.public_id),
                "case_number": interview.case.number,
                "kind": interview.kind,
                "kind_label": label_of(InterviewKind, interview.kind),
                "needed_since": iso(interview.needed_since),
                "due_on": iso(interview.due_on),
                "conducted_on": iso(interview.conducted_on),
                "worker": staff_name(interview.worker),
                "diagnosis": interview.diagnosis,
                "help_plan": interview.help_plan,
                # The family's diagnosis may name other members: redact before handing over.
                "review_before_release": bool(interview.diagnosis or interview.help_plan),
            }
        )
    return rows


def decision_and_appeal_records(
    applications: list[Application],
) -> tuple[list[DecisionRecord], list[AppealRecord]]:
    decisions = list(
        Decision.objects.filter(application__in=applications)
        .select_related("application", "issued_by")
        .order_by("issued_on", "id")
    )
    names = _benefit_names(d.benefit for d in decisions)
    decision_rows: list[DecisionRecord] = [
        {
            "id": str(decision.public_id),
            "application_id": str(decision.application.public_id),
            "number": decision.number,
            "benefit": decision.benefit,
            "benefit_label": names.get(decision.benefit, decision.benefit),
            "outcome": decision.outcome,
            "outcome_label": label_of(DecisionOutcome, decision.outcome),
            "amount": money(decision.amount),
            "period_from": iso(decision.period_from),
            "period_to": iso(decision.period_to),
            "payment_schedule": decision.payment_schedule,
            "payment_schedule_label": label_of(PaymentSchedule, decision.payment_schedule),
            "legal_basis": decision.legal_basis,
            "reasoning": decision.reasoning,
            "issued_on": iso(decision.issued_on),
            "issued_by": staff_name(decision.issued_by),
            "delivered_on": iso(decision.delivered_on),
        }
        for decision in decisions
    ]
    appeals = (
        Appeal.objects.filter(decision__in=decisions)
        .select_related("decision")
        .order_by("lodged_on", "id")
    )
    appeal_rows: list[AppealRecord] = [
        {
            "id": str(appeal.public_id),
            "decision_number": appeal.decision.number,
            "lodged_on": iso(appeal.lodged_on),
            "forwarded_on": iso(appeal.forwarded_on),
            "outcome": appeal.outcome,
            "outcome_label": label_of(AppealOutcome, appeal.outcome),
            "outcome_on": iso(appeal.outcome_on),
        }
        for appeal in appeals
    ]
    return decision_rows, appeal_rows


def contract_records(person: Person) -> list[ContractRecord]:
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
            "variant_label": label_of(ContractVariant, contract.variant),
            "worker": staff_name(contract.worker),
            "goals": contract.goals,
            "client_obligations": contract.client_obligations,
            "centre_obligations": contract.centre_obligations,
            "starts_on": iso(contract.starts_on),
            "ends_on": iso(contract.ends_on),
            "status": contract.status,
            "status_label": label_of(ContractStatus, contract.status),
            "signed_on": iso(contract.signed_on),
            "closed_on": iso(contract.closed_on),
            "goals_achieved": contract.goals_achieved,
            "outcome_note": contract.outcome_note,
            "reviews": [
                {"due_on": iso(r.due_on), "done_on": iso(r.done_on), "note": r.note}
                for r in contract.reviews.all()
            ],
        }
        for contract in contracts
    ]


def programme_records(person: Person) -> list[ProgrammeRecord]:
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
            "kind_label": label_of(ProgrammeKind, programme.kind),
            "worker": staff_name(programme.worker),
            "starts_on": iso(programme.starts_on),
            "ends_on": iso(programme.ends_on),
            "status": programme.status,
            "status_label": label_of(ProgrammeStatus, programme.status),
            "goals": programme.goals,
        }
        for programme in programmes
    ]


def participation_records(person: Person) -> list[ParticipationRecord]:
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
            "project_kind_label": label_of(ProjectKind, p.project.kind),
            "joined_on": iso(p.joined_on),
            "left_on": iso(p.left_on),
        }
        for p in participations
    ]


def care_records(person: Person) -> tuple[list[ServicePlanRecord], list[DeliveryRecord]]:
    plans = list(
        ServicePlan.objects.filter(recipient=person)
        .select_related("case", "coordinator", "decision")
        .order_by("starts_on", "id")
    )
    plan_rows: list[ServicePlanRecord] = [
        {
            "id": str(plan.public_id),
            "case_number": plan.case.number,
            "service_type": plan.service_type,
            "service_type_label": label_of(ServiceType, plan.service_type),
            "provider_kind": plan.provider_kind,
            "provider_kind_label": label_of(ProviderKind, plan.provider_kind),
            "provider_name": plan.provider_name,
            "hours_per_week": money(plan.hours_per_week),
            "starts_on": iso(plan.starts_on),
            "ends_on": iso(plan.ends_on),
            "hourly_cost": money(plan.hourly_cost),
            "fee_rule": plan.fee_rule,
            "fee_rule_label": label_of(FeeRule, plan.fee_rule),
            "fee_percent": money(plan.fee_percent),
            "decision_number": plan.decision.number if plan.decision else "",
            "coordinator": staff_name(plan.coordinator),
        }
        for plan in plans
    ]
    deliveries = (
        ServiceDelivery.objects.filter(plan__in=plans).select_related("plan").order_by("day", "id")
    )
    delivery_rows: list[DeliveryRecord] = [
        {
            "plan_id": str(delivery.plan.public_id),
            "day": iso(delivery.day),
            "hours": money(delivery.hours),
            "carer": delivery.carer,
        }
        for delivery in deliveries
    ]
    return plan_rows, delivery_rows


def time_log_records(memberships: list[Membership], household_ids: set[int]) -> list[TimeLogRecord]:
    entries = (
        ActivityEntry.objects.filter(household_id__in=household_ids)
        .select_related("worker", "household")
        .order_by("day", "id")
    )
    return [
        {
            "household_id": str(entry.household.public_id) if entry.household else "",
            "day": iso(entry.day),
            "minutes": entry.minutes,
            "category": entry.category,
            "category_label": label_of(ActivityCategory, entry.category),
            "worker": staff_name(entry.worker),
        }
        for entry in entries
        if in_memberships(memberships, entry.household_id, entry.day)
    ]
