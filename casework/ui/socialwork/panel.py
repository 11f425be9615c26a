"""The case file's social-work and care sections: what they show for one case and one user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework.audit import audit_reads
from casework.models import (
    Case,
    CommunityProject,
    IndividualProgramme,
    ProjectParticipation,
    ServicePlan,
    SocialContract,
)
from casework.models.socialwork import ProgrammeStatus
from casework.permissions import Capability, has_capability
from casework.selectors.care import PlanBalance, service_plan_balances, service_plan_list
from casework.selectors.socialwork import (
    TimeSplit,
    activity_list,
    contract_list,
    current_participations,
    programme_list,
    project_list,
)
from casework.ui.socialwork.actions import (
    activity_action,
    contract_actions,
    contract_create_action,
    delivery_action,
    participant_add_action,
    participant_remove_action,
    programme_create_action,
    programme_end_action,
    service_plan_action,
)
from casework.ui.socialwork.common import (
    FormAction,
    case_of,
    casework_page,
    contract_anchor,
    household_member_choices,
    ui_url,
)
from opsplatform.ui.access import is_htmx, signed_in_user
from tenants.accounts.models import User

# --- the case file's panel ---------------------------------------------------------------------


@dataclass
class ContractItem:
    contract: SocialContract
    url: str
    anchor: str
    actions: list[FormAction]


@dataclass
class ProgrammeItem:
    programme: IndividualProgramme
    actions: list[FormAction]


@dataclass
class ParticipationItem:
    project: CommunityProject
    participation: ProjectParticipation
    actions: list[FormAction]


@dataclass
class PlanItem:
    plan: ServicePlan
    balance: PlanBalance
    actions: list[FormAction]

    @property
    def delivered_percent(self) -> float | None:
        share = self.balance.delivered_share
        return None if share is None else float(share * 100)


@dataclass
class SocialWorkPanel:
    """What the case file's social-work and care sections show for one case and one user."""

    case: Case
    case_open: bool
    contracts: list[ContractItem]
    programmes: list[ProgrammeItem]
    participations: list[ParticipationItem]
    plans: list[PlanItem]
    new_contract: FormAction | None = None
    new_programme: FormAction | None = None
    new_participation: FormAction | None = None
    new_plan: FormAction | None = None
    log_time: FormAction | None = None
    today: dt.date = field(default_factory=timezone.localdate)
    today_time: TimeSplit | None = None


def _household_participations(
    member_ids: set[str], projects: Sequence[CommunityProject]
) -> list[tuple[CommunityProject, ProjectParticipation]]:
    """Current participations of the household's members in the projects running today."""
    by_pk = {project.pk: project for project in projects}
    return [
        (by_pk[participation.project_id], participation)
        for participation in current_participations(projects=projects, person_ids=member_ids)
    ]


def user_time_today(user: User) -> TimeSplit:
    today = timezone.localdate()
    minutes: dict[str, int] = {}
    for entry in activity_list(worker=user.public_id, date_from=today, date_to=today):
        minutes[entry.category] = minutes.get(entry.category, 0) + entry.minutes
    return TimeSplit.of(minutes)


def build_panel(request: HttpRequest, case: Case) -> SocialWorkPanel:
    user = signed_in_user(request)
    can_contract = has_capability(user, Capability.CONTRACT_MANAGE)
    can_project = has_capability(user, Capability.PROJECT_MANAGE)
    can_plan = has_capability(user, Capability.SERVICE_PLAN_MANAGE)
    can_log = has_capability(user, Capability.ACTIVITY_LOG)
    is_open = case.status == "open"

    contracts = list(contract_list(case=case.public_id))
    programmes = list(programme_list(case=case.public_id))
    plans = list(service_plan_list(case=case.public_id))
    # From each plan's start to its end or today, whichever comes first (as the API does).
    balances = service_plan_balances(plans=plans, date_to=timezone.localdate())
    projects = list(project_list(active_on=timezone.localdate()))
    member_choices = household_member_choices(case)
    participations = _household_participations(
        {value for value, _label in member_choices}, projects
    )
    read: list[Model] = [*contracts, *programmes, *plans]
    read += [participation for _project, participation in participations]
    audit_reads(read)

    panel = SocialWorkPanel(
        case=case,
        case_open=is_open,
        contracts=[
            ContractItem(
                contract=contract,
                url=ui_url("contract-detail", contract_id=contract.public_id),
                anchor=contract_anchor(contract),
                actions=contract_actions(user, contract),
            )
            for contract in contracts
        ],
        programmes=[
            ProgrammeItem(
                programme=programme,
                actions=(
                    [
                        programme_end_action(programme, discontinue=False),
                        programme_end_action(programme, discontinue=True),
                    ]
                    if can_contract and programme.status == ProgrammeStatus.ACTIVE
                    else []
                ),
            )
            for programme in programmes
        ],
        participations=[
            ParticipationItem(
                project=project,
                participation=participation,
                actions=[participant_remove_action(case, participation)] if can_project else [],
            )
            for project, participation in participations
        ],
        plans=[
            PlanItem(
                plan=plan,
                balance=balances[plan.pk],
                actions=[delivery_action(plan)] if can_plan else [],
            )
            for plan in plans
        ],
    )
    if is_open and can_contract:
        panel.new_contract = contract_create_action(request, case, members=member_choices)
        panel.new_programme = programme_create_action(case, members=member_choices)
    if can_project and projects:
        panel.new_participation = participant_add_action(case, projects, members=member_choices)
    if is_open and can_plan:
        panel.new_plan = service_plan_action(case, members=member_choices)
    if can_log:
        panel.log_time = activity_action(case)
        panel.today_time = user_time_today(user)
    return panel


def case_panel_context(request: HttpRequest, case: Case) -> dict[str, object]:
    """Context for ``casework/ui/socialwork/_case_panel.html`` on the case file: the case's
    contracts with their reviews, programmes, project participations and service plans with
    hours planned against delivered, and the forms for the next steps the user's role may take
    (unbound). Records the reads in the audit trail as the user. One key, ``socialwork``."""
    return {"socialwork": build_panel(request, case)}


@casework_page
@require_http_methods(["GET"])
def case_socialwork(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The social-work and care sections of one case on a page of their own; asked for by the
    case file with htmx, the sections alone."""
    case = case_of(case_id)
    context = case_panel_context(request, case)
    if is_htmx(request):
        return render(request, "casework/ui/socialwork/_case_panel.html", context)
    try:
        case_file = ui_url("case-detail", case_id=case.public_id)
    except NoReverseMatch:
        case_file = None
    return render(
        request,
        "casework/ui/socialwork/case_page.html",
        {**context, "case": case, "case_file_url": case_file},
    )
