"""Individual programmes and participation in social projects and PAL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from casework.models import Case, IndividualProgramme
from casework.permissions import Capability, require_capability
from casework.selectors.people import person_by_id
from casework.selectors.socialwork import (
    participation_get,
    programme_get,
    project_get,
    project_list,
)
from casework.services.socialwork import (
    programme_complete,
    programme_create,
    programme_discontinue,
    project_participant_add,
    project_participant_remove,
)
from casework.ui.socialwork.actions import (
    participant_add_action,
    participant_remove_action,
    programme_create_action,
    programme_end_action,
)
from casework.ui.socialwork.common import (
    ANCHOR_PROGRAMMES,
    ANCHOR_PROJECTS,
    case_of,
    case_url,
    casework_page,
    posted_data,
    submit_form,
)
from opsplatform.errors import NotFound
from opsplatform.ui.access import signed_in_user

# --- individual programmes ---------------------------------------------------------------------


@casework_page
@require_http_methods(["GET", "POST"])
def programme_create_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.CONTRACT_MANAGE)
    case = case_of(case_id)
    action = programme_create_action(case, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        programme_create(
            user=signed_in_user(request),
            case=case,
            person=person_by_id(data["person"], field="person"),
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            goals=data["goals"],
        )
        return case_url(case, ANCHOR_PROGRAMMES), str(_("Rozpoczęto program indywidualny."))

    return submit_form(
        request,
        action,
        save,
        title=str(_("Nowy program indywidualny – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_PROGRAMMES),
    )


def _programme_of(case: Case, programme_id: UUID) -> IndividualProgramme:
    programme = programme_get(public_id=programme_id)
    if programme.case_id != case.pk:
        raise NotFound("Nie znaleziono programu w tej sprawie.")
    return programme


def _programme_end(
    request: HttpRequest, case_id: UUID, programme_id: UUID, *, discontinue: bool
) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.CONTRACT_MANAGE)
    case = case_of(case_id)
    programme = _programme_of(case, programme_id)
    action = programme_end_action(programme, discontinue=discontinue, data=posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        end = programme_discontinue if discontinue else programme_complete
        end(user=signed_in_user(request), programme=programme, ends_on=data["ends_on"])
        message = _("Program przerwany.") if discontinue else _("Program zakończony.")
        return case_url(case, ANCHOR_PROGRAMMES), str(message)

    return submit_form(
        request,
        action,
        save,
        title=f"{action.title} – {programme.person}",
        back=case_url(case, ANCHOR_PROGRAMMES),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def programme_complete_view(
    request: HttpRequest, case_id: UUID, programme_id: UUID
) -> HttpResponse:
    return _programme_end(request, case_id, programme_id, discontinue=False)


@casework_page
@require_http_methods(["GET", "POST"])
def programme_discontinue_view(
    request: HttpRequest, case_id: UUID, programme_id: UUID
) -> HttpResponse:
    return _programme_end(request, case_id, programme_id, discontinue=True)


# --- social projects and PAL -------------------------------------------------------------------


@casework_page
@require_http_methods(["GET", "POST"])
def participant_add_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.PROJECT_MANAGE)
    case = case_of(case_id)
    projects = list(project_list(active_on=timezone.localdate()))
    action = participant_add_action(case, projects, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        project = project_get(public_id=data["project"])
        project_participant_add(
            user=signed_in_user(request),
            project=project,
            person=person_by_id(data["person"], field="person"),
            joined_on=data["joined_on"],
        )
        return case_url(case, ANCHOR_PROJECTS), str(
            _("Dodano uczestnika projektu „%(name)s”.") % {"name": project.name}
        )

    return submit_form(
        request,
        action,
        save,
        title=str(_("Dodaj uczestnika projektu – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_PROJECTS),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def participant_remove_view(
    request: HttpRequest, case_id: UUID, project_id: UUID, participation_id: UUID
) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.PROJECT_MANAGE)
    case = case_of(case_id)
    project = project_get(public_id=project_id)
    participation = participation_get(project=project, public_id=participation_id)
    action = participant_remove_action(case, participation, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        project_participant_remove(
            user=signed_in_user(request), participation=participation, left_on=data["left_on"]
        )
        return case_url(case, ANCHOR_PROJECTS), str(_("Zakończono udział w projekcie."))

    return submit_form(
        request,
        action,
        save,
        title=f"{action.title} – {participation.person}, {project.name}",
        back=case_url(case, ANCHOR_PROJECTS),
    )
