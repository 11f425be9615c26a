"""The next steps offered on the case file and the contract page, each a form with where it
posts (``FormAction``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casework.models import (
    Case,
    CommunityProject,
    ContractReview,
    IndividualProgramme,
    ProjectParticipation,
    ServicePlan,
    SocialContract,
)
from casework.models.socialwork import ContractStatus
from casework.permissions import Capability, has_capability
from casework.selectors.cases import staff_list
from casework.services.socialwork import CONTRACT_IN_FORCE
from casework.ui.socialwork.common import FormAction, household_member_choices, ui_url
from casework.ui.socialwork_forms import (
    ActivityForm,
    Choices,
    ContractBreakForm,
    ContractCompleteForm,
    ContractCreateForm,
    ContractSignForm,
    DeliveryForm,
    ParticipantAddForm,
    ParticipantRemoveForm,
    ProgrammeCreateForm,
    ProgrammeEndForm,
    ReviewPlanForm,
    ReviewRecordForm,
    ServicePlanCreateForm,
    object_key,
)
from opsplatform.ui.access import signed_in_user
from tenants.accounts.models import User
from tenants.accounts.roles import Role


def contract_workers(user: User) -> Choices | None:
    """For a manager, the staff who may be a contract's social-worker party (else None: the
    user is the party)."""
    if user.role != Role.MANAGER:
        return None
    workers = [
        (str(worker.public_id), worker.get_full_name() or worker.get_username())
        for worker in staff_list()
        if has_capability(worker, Capability.CONTRACT_MANAGE)
    ]
    return workers


def contract_create_action(
    request: HttpRequest, case: Case, data: Any = None, members: Choices | None = None
) -> FormAction:
    user = signed_in_user(request)
    workers = contract_workers(user)
    if members is None:
        members = household_member_choices(case)
    form = ContractCreateForm(data, members=members, workers=workers)
    if workers is not None and "worker" in form.fields:
        form.fields["worker"].initial = str(user.public_id)
    return FormAction(
        title=str(_("Nowy kontrakt socjalny")),
        form=form,
        url=ui_url("contract-create", case_id=case.public_id),
        submit=str(_("Zapisz projekt kontraktu")),
    )


def sign_action(contract: SocialContract, data: Any = None, return_to: str = "") -> FormAction:
    return FormAction(
        title=str(_("Podpisanie kontraktu")),
        form=ContractSignForm(data, key=object_key(contract.public_id)),
        url=ui_url("contract-sign", contract_id=contract.public_id),
        submit=str(_("Zapisz podpisanie")),
        return_to=return_to,
    )


def review_plan_action(
    contract: SocialContract, data: Any = None, return_to: str = ""
) -> FormAction:
    return FormAction(
        title=str(_("Zaplanuj ocenę realizacji")),
        form=ReviewPlanForm(data, key=object_key(contract.public_id)),
        url=ui_url("contract-review-plan", contract_id=contract.public_id),
        submit=str(_("Zaplanuj ocenę")),
        return_to=return_to,
    )


def review_record_action(
    contract: SocialContract, review: ContractReview, data: Any = None, return_to: str = ""
) -> FormAction:
    return FormAction(
        title=str(_("Zapisz ocenę zaplanowaną na %(day)s") % {"day": f"{review.due_on:%d.%m.%Y}"}),
        form=ReviewRecordForm(data, key=object_key(review.public_id)),
        url=ui_url(
            "contract-review-record", contract_id=contract.public_id, review_id=review.public_id
        ),
        submit=str(_("Zapisz ocenę")),
        return_to=return_to,
    )


def complete_action(contract: SocialContract, data: Any = None, return_to: str = "") -> FormAction:
    return FormAction(
        title=str(_("Zakończenie kontraktu")),
        form=ContractCompleteForm(data, key=object_key(contract.public_id)),
        url=ui_url("contract-complete", contract_id=contract.public_id),
        submit=str(_("Zakończ kontrakt")),
        return_to=return_to,
    )


def break_action(contract: SocialContract, data: Any = None, return_to: str = "") -> FormAction:
    return FormAction(
        title=str(_("Zerwanie lub niedotrzymanie kontraktu")),
        form=ContractBreakForm(data, key=object_key(contract.public_id)),
        url=ui_url("contract-break", contract_id=contract.public_id),
        submit=str(_("Zapisz zerwanie kontraktu")),
        danger=True,
        confirm=str(_("Zapisać, że kontrakt został zerwany lub niedotrzymany?")),
        return_to=return_to,
    )


def contract_actions(user: User, contract: SocialContract, return_to: str = "") -> list[FormAction]:
    """The next steps of a contract that the user may take, in the order they come."""
    if not has_capability(user, Capability.CONTRACT_MANAGE):
        return []
    if contract.status in (ContractStatus.COMPLETED, ContractStatus.BROKEN):
        return []
    actions: list[FormAction] = []
    if contract.status == ContractStatus.DRAFT:
        actions.append(sign_action(contract, return_to=return_to))
    if contract.status in CONTRACT_IN_FORCE:
        actions += [
            review_record_action(contract, review, return_to=return_to)
            for review in contract.reviews.all()
            if review.done_on is None
        ]
    actions.append(review_plan_action(contract, return_to=return_to))
    if contract.status in CONTRACT_IN_FORCE:
        actions += [
            complete_action(contract, return_to=return_to),
            break_action(contract, return_to=return_to),
        ]
    return actions


def programme_create_action(
    case: Case, data: Any = None, members: Choices | None = None
) -> FormAction:
    return FormAction(
        title=str(_("Nowy program indywidualny")),
        form=ProgrammeCreateForm(
            data, members=household_member_choices(case) if members is None else members
        ),
        url=ui_url("programme-create", case_id=case.public_id),
        submit=str(_("Rozpocznij program")),
    )


def programme_end_action(
    programme: IndividualProgramme, *, discontinue: bool, data: Any = None
) -> FormAction:
    kwargs = {"case_id": programme.case.public_id, "programme_id": programme.public_id}
    form = ProgrammeEndForm(data, key=object_key(programme.public_id), discontinue=discontinue)
    if discontinue:
        return FormAction(
            title=str(_("Przerwanie programu")),
            form=form,
            url=ui_url("programme-discontinue", **kwargs),
            submit=str(_("Przerwij program")),
            danger=True,
            confirm=str(_("Zapisać przerwanie programu?")),
        )
    return FormAction(
        title=str(_("Zakończenie programu")),
        form=form,
        url=ui_url("programme-complete", **kwargs),
        submit=str(_("Zakończ program")),
    )


def participant_add_action(
    case: Case,
    projects: Sequence[CommunityProject],
    data: Any = None,
    members: Choices | None = None,
) -> FormAction:
    choices = [
        (str(project.public_id), f"{project.name} ({project.get_kind_display()})")
        for project in projects
    ]
    return FormAction(
        title=str(_("Dodaj uczestnika projektu")),
        form=ParticipantAddForm(
            data,
            projects=choices,
            members=household_member_choices(case) if members is None else members,
        ),
        url=ui_url("participant-add", case_id=case.public_id),
        submit=str(_("Dodaj do projektu")),
    )


def participant_remove_action(
    case: Case, participation: ProjectParticipation, data: Any = None
) -> FormAction:
    return FormAction(
        title=str(_("Zakończ udział")),
        form=ParticipantRemoveForm(data, key=object_key(participation.public_id)),
        url=ui_url(
            "participant-remove",
            case_id=case.public_id,
            project_id=participation.project.public_id,
            participation_id=participation.public_id,
        ),
        submit=str(_("Zakończ udział w projekcie")),
    )


def service_plan_action(case: Case, data: Any = None, members: Choices | None = None) -> FormAction:
    return FormAction(
        title=str(_("Nowy plan usług opiekuńczych")),
        form=ServicePlanCreateForm(
            data, members=household_member_choices(case) if members is None else members
        ),
        url=ui_url("service-plan-create", case_id=case.public_id),
        submit=str(_("Zapisz plan usług")),
    )


def delivery_action(plan: ServicePlan, data: Any = None) -> FormAction:
    return FormAction(
        title=str(_("Zapisz realizację usług")),
        form=DeliveryForm(data, key=object_key(plan.public_id)),
        url=ui_url("service-delivery-record", plan_id=plan.public_id),
        submit=str(_("Zapisz godziny")),
    )


def activity_action(case: Case | None, data: Any = None) -> FormAction:
    url = ui_url("case-activity-log", case_id=case.public_id) if case else ui_url("activity-log")
    return FormAction(
        title=str(_("Zarejestruj czas pracy")),
        form=ActivityForm(data),
        url=url,
        submit=str(_("Zapisz czas")),
        open=True,
    )
