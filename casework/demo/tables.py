"""The tables the demo history writes, one ``Table`` of rows per model, in the order their
foreign keys need."""

from __future__ import annotations

from casework.demo.rows import Table
from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    Case,
    CaseAssignment,
    CommunityProject,
    ContractReview,
    Decision,
    DecisionAuthorisation,
    DelayNotice,
    FamilyInterview,
    Handover,
    Household,
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


class HistoryTables:
    """One ``Table`` per model the history fills. ``streamed`` are sent as they fill, parents
    before children; decisions, appeals, service plans, deliveries and the activity log later
    (``all`` holds every one)."""

    def __init__(self, seed: str) -> None:
        self.person = Table(Person, (
            "first_name", "last_name", "pesel", "document_type", "document_number",
            "date_of_birth", "sex", "citizenship", "street", "postal_code", "city", "phone",
            "is_synthetic",
        ), ids=True, seed=seed)  # fmt: skip
        self.household = Table(Household, (
            "street", "postal_code", "city", "is_synthetic",
        ), ids=True, seed=seed)  # fmt: skip
        self.member = Table(HouseholdMember, (
            "household", "person", "relation", "joined_on", "left_on",
        ), ids=True, seed=seed)  # fmt: skip
        self.income = Table(IncomeRecord, (
            "member", "as_of", "amount", "source", "recorded_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.case = Table(Case, (
            "number", "household", "status", "opened_on", "closed_on", "closing_reason",
            "legal_hold",
        ), ids=True, seed=seed)  # fmt: skip
        self.assignment = Table(CaseAssignment, (
            "case", "function", "team", "worker", "started_on", "ended_on",
        ), ids=False, seed=seed)  # fmt: skip
        self.handover = Table(Handover, (
            "case", "from_team", "to_team", "from_worker", "to_worker", "reason",
            "handed_over_at", "by",
        ), ids=False, seed=seed)  # fmt: skip
        self.intake = Table(Intake, (
            "arrived_at", "channel", "reporter_kind", "reporter_name", "person", "household",
            "reasons", "notes", "outcome", "outcome_note", "routed_team", "routed_worker",
            "resolved_at", "case", "registered_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.authorisation = Table(DecisionAuthorisation, (
            "worker", "reference", "valid_from", "valid_to", "granted_by",
        ), ids=True, seed=seed)  # fmt: skip
        self.application = Table(Application, (
            "case", "applicant", "received_on", "benefits", "urgent", "complex", "status",
            "decision_due_on", "registered_by",
        ), ids=True, seed=seed)  # fmt: skip
        self.interview = Table(FamilyInterview, (
            "case", "application", "kind", "needed_since", "due_on", "conducted_on", "worker",
            "diagnosis", "help_plan",
        ), ids=True, seed=seed)  # fmt: skip
        # The number (the second field) is filled in once all decisions are known.
        self.decision = Table(Decision, (
            "application", "number", "outcome", "benefit", "amount", "period_from", "period_to",
            "payment_schedule", "legal_basis", "reasoning", "issued_on", "issued_by",
            "authorisation", "interview", "delivered_on",
        ), ids=True, seed=seed)  # fmt: skip
        self.delay = Table(DelayNotice, (
            "application", "sent_on", "new_due_on", "reason", "by",
        ), ids=False, seed=seed)  # fmt: skip
        self.appeal = Table(Appeal, (
            "decision", "lodged_on", "forward_due_on", "forwarded_on", "outcome", "outcome_on",
            "registered_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.contract = Table(SocialContract, (
            "case", "person", "worker", "variant", "goals", "client_obligations",
            "centre_obligations", "starts_on", "ends_on", "status", "signed_on", "closed_on",
            "goals_achieved", "outcome_note",
        ), ids=True, seed=seed)  # fmt: skip
        self.review = Table(ContractReview, (
            "contract", "due_on", "done_on", "note",
        ), ids=False, seed=seed)  # fmt: skip
        self.programme = Table(IndividualProgramme, (
            "case", "person", "worker", "kind", "starts_on", "ends_on", "status", "goals",
        ), ids=False, seed=seed)  # fmt: skip
        self.project = Table(CommunityProject, (
            "name", "kind", "starts_on", "ends_on", "coordinator", "target_groups",
        ), ids=True, seed=seed)  # fmt: skip
        self.participation = Table(ProjectParticipation, (
            "project", "person", "joined_on", "left_on",
        ), ids=False, seed=seed)  # fmt: skip
        self.plan = Table(ServicePlan, (
            "case", "recipient", "service_type", "provider_kind", "provider_name",
            "hours_per_week", "starts_on", "ends_on", "hourly_cost", "fee_rule", "fee_percent",
            "decision", "coordinator",
        ), ids=True, seed=seed)  # fmt: skip
        self.delivery = Table(ServiceDelivery, (
            "plan", "day", "hours", "carer", "recorded_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.activity = Table(ActivityEntry, (
            "worker", "day", "minutes", "category", "household",
        ), ids=False, seed=seed)  # fmt: skip
        # Parents before children: foreign keys are checked at the end of each COPY.
        self.streamed = [
            self.household, self.person, self.member, self.income, self.authorisation,
            self.case, self.assignment, self.handover, self.intake, self.application,
            self.interview, self.delay, self.contract, self.review, self.programme,
            self.project, self.participation,
        ]  # fmt: skip
        self.all = [
            *self.streamed, self.decision, self.appeal, self.plan, self.delivery,
            self.activity,
        ]  # fmt: skip
