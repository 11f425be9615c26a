"""The shape of the subject-access report (``subject_access_report`` in
:mod:`casework.rodo.subject_access`): one ``TypedDict`` per kind of record, so that the page, the
PDF and the JSON export read the same declared keys. Dates and times are ISO strings (``None``
when empty), amounts strings with two decimals, and every stored code has its Polish label next
to it (``…_label``)."""

from __future__ import annotations

from typing import TypedDict


class Address(TypedDict):
    street: str
    postal_code: str
    city: str


class GeneratedBy(TypedDict):
    username: str
    role: str
    role_label: str


class CentreRecord(TypedDict):
    name: str
    short_name: str
    address: str
    controller: dict[str, str]


class PersonRecord(TypedDict):
    id: str
    first_name: str
    last_name: str
    pesel: str | None
    document_type: str
    document_type_label: str
    document_number: str
    date_of_birth: str | None
    sex: str
    sex_label: str
    citizenship: str
    address: Address
    phone: str
    registered_at: str | None
    updated_at: str | None


class OtherMember(TypedDict):
    """Another member of the person's household: names and relationship only (art. 15 ust. 4)."""

    first_name: str
    last_name: str
    relation: str
    relation_label: str


class MembershipRecord(TypedDict):
    household_id: str
    household_address: Address
    relation: str
    relation_label: str
    joined_on: str | None
    left_on: str | None
    other_members: list[OtherMember]


class IncomeRow(TypedDict):
    id: str
    household_id: str
    as_of: str | None
    amount: str | None
    source: str


class IntakeRecord(TypedDict):
    id: str
    about: str
    arrived_at: str | None
    channel: str
    channel_label: str
    reporter_kind: str
    reporter_kind_label: str
    reporter_name: str
    reasons: list[str]
    reasons_labels: list[str]
    notes: str
    outcome: str
    outcome_label: str
    outcome_note: str
    routed_team: str
    routed_worker: str
    resolved_at: str | None
    case_number: str
    registered_by: str


class AssignmentRow(TypedDict):
    function: str
    team: str
    worker: str
    started_on: str | None
    ended_on: str | None


class HandoverRow(TypedDict):
    to_team: str
    reason: str
    handed_over_at: str | None


class CaseRecord(TypedDict):
    id: str
    number: str
    status: str
    status_label: str
    opened_on: str | None
    closed_on: str | None
    closing_reason: str
    legal_hold: bool
    assignments: list[AssignmentRow]
    handovers: list[HandoverRow]


class ApplicationRecord(TypedDict):
    id: str
    case_number: str
    received_on: str | None
    benefits: list[str]
    benefits_labels: list[str]
    urgent: bool
    complex: bool
    status: str
    status_label: str
    decision_due_on: str | None


class DelayNoticeRecord(TypedDict):
    id: str
    application_id: str
    sent_on: str | None
    new_due_on: str | None
    reason: str


class InterviewRecord(TypedDict):
    id: str
    case_number: str
    kind: str
    kind_label: str
    needed_since: str | None
    due_on: str | None
    conducted_on: str | None
    worker: str
    diagnosis: str
    help_plan: str
    review_before_release: bool


class DecisionRecord(TypedDict):
    id: str
    application_id: str
    number: str
    benefit: str
    benefit_label: str
    outcome: str
    outcome_label: str
    amount: str | None
    period_from: str | None
    period_to: str | None
    payment_schedule: str
    payment_schedule_label: str
    legal_basis: str
    reasoning: str
    issued_on: str | None
    issued_by: str
    delivered_on: str | None


class AppealRecord(TypedDict):
    id: str
    decision_number: str
    lodged_on: str | None
    forwarded_on: str | None
    outcome: str
    outcome_label: str
    outcome_on: str | None


class ReviewRow(TypedDict):
    due_on: str | None
    done_on: str | None
    note: str


class ContractRecord(TypedDict):
    id: str
    case_number: str
    variant: str
    variant_label: str
    worker: str
    goals: str
    client_obligations: str
    centre_obligations: str
    starts_on: str | None
    ends_on: str | None
    status: str
    status_label: str
    signed_on: str | None
    closed_on: str | None
    goals_achieved: bool | None
    outcome_note: str
    reviews: list[ReviewRow]


class ProgrammeRecord(TypedDict):
    id: str
    case_number: str
    kind: str
    kind_label: str
    worker: str
    starts_on: str | None
    ends_on: str | None
    status: str
    status_label: str
    goals: str


class ParticipationRecord(TypedDict):
    id: str
    project: str
    project_kind: str
    project_kind_label: str
    joined_on: str | None
    left_on: str | None


class ServicePlanRecord(TypedDict):
    id: str
    case_number: str
    service_type: str
    service_type_label: str
    provider_kind: str
    provider_kind_label: str
    provider_name: str
    hours_per_week: str | None
    starts_on: str | None
    ends_on: str | None
    hourly_cost: str | None
    fee_rule: str
    fee_rule_label: str
    fee_percent: str | None
    decision_number: str
    coordinator: str


class DeliveryRecord(TypedDict):
    plan_id: str
    day: str | None
    hours: str | None
    carer: str


class TimeLogRecord(TypedDict):
    household_id: str
    day: str | None
    minutes: int
    category: str
    category_label: str
    worker: str


class AccessRecord(TypedDict):
    """One entry of the access report: who read or changed the person's data, and when."""

    at: str | None
    username: str
    role: str
    role_label: str
    action: str
    action_label: str
    record_type: str
    record_type_label: str
    record_id: str
    break_glass_reason: str


class ProcessingRecord(TypedDict):
    """One processing activity of the art. 30 register and the parts of the report it covers."""

    activity: str
    activity_label: str
    purposes: list[str]
    legal_basis: list[str]
    recipients: list[str]
    retention: str
    retention_years: int | None
    jrwa: list[str]
    report_parts: list[str]


class Rectification(TypedDict):
    how: str
    api: str


class SubjectAccessReport(TypedDict):
    """The whole report, in the order of the JSON export."""

    format: str
    generated_at: str | None
    generated_by: GeneratedBy
    centre: CentreRecord
    person: PersonRecord
    household_memberships: list[MembershipRecord]
    incomes: list[IncomeRow]
    intakes: list[IntakeRecord]
    cases: list[CaseRecord]
    applications: list[ApplicationRecord]
    delay_notices: list[DelayNoticeRecord]
    interviews: list[InterviewRecord]
    decisions: list[DecisionRecord]
    appeals: list[AppealRecord]
    social_contracts: list[ContractRecord]
    individual_programmes: list[ProgrammeRecord]
    project_participations: list[ParticipationRecord]
    service_plans: list[ServicePlanRecord]
    service_deliveries: list[DeliveryRecord]
    time_log: list[TimeLogRecord]
    access_report: list[AccessRecord]
    processing: list[ProcessingRecord]
    rectification: Rectification
