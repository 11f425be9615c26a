"""Cases: opening and closing, assignment per canonical function, handovers between teams."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Case, CaseAssignment, Handover, Household
from casework.models.cases import CaseStatus
from casework.permissions import Capability, require_capability
from casework.services.numbering import next_number
from casework.visibility import require_case_access, require_intake_household_access
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.plausible_dates import check_act
from tenants.accounts.models import User
from tenants.org.models import StaffPosition, Team


@transaction.atomic
def case_open(*, user: User, household: Household, opened_on: dt.date | None = None) -> Case:
    """Open the household's case; at most one case of a household is open at a time. Team roles
    only for a household they may take an intake about (see
    ``casework.visibility.require_intake_household_access``)."""
    require_capability(user, Capability.CASE_MANAGE)
    require_intake_household_access(user, household)
    day = opened_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    check_act(errors, "opened_on", day)
    if errors:
        raise ValidationFailed(fields=errors)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    existing = Case.objects.filter(household=household, status=CaseStatus.OPEN).first()
    if existing is not None:
        raise Conflict(
            _("Gospodarstwo ma już otwartą sprawę %(number)s.") % {"number": existing.number},
            fields={"household": [_("Otwarta sprawa: %(number)s.") % {"number": existing.number}]},
            code="case_already_open",
        )
    return Case.objects.create(
        number=next_number(Case, day.year), household=household, opened_on=day
    )


def open_case_for(*, user: User, household: Household, on: dt.date) -> Case:
    """The household's open case, opened now if it has none."""
    existing = Case.objects.filter(household=household, status=CaseStatus.OPEN).first()
    return existing or case_open(user=user, household=household, opened_on=on)


@transaction.atomic
def case_close(*, user: User, case: Case, closed_on: dt.date, reason: str) -> Case:
    require_capability(user, Capability.CASE_MANAGE)
    require_case_access(user, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("Sprawa jest już zamknięta."), code="case_closed")
    errors: dict[str, list[str]] = {}
    check_act(errors, "closed_on", closed_on)
    if closed_on < case.opened_on:
        errors.setdefault("closed_on", []).append(
            _("Data zamknięcia nie może być przed datą otwarcia sprawy.")
        )
    if not reason.strip():
        errors["reason"] = [_("Podaj powód zamknięcia sprawy.")]
    if errors:
        raise ValidationFailed(fields=errors)
    case.status = CaseStatus.CLOSED
    case.closed_on = closed_on
    case.closing_reason = reason
    case.save(update_fields=["status", "closed_on", "closing_reason", "updated_at"])
    # An audited update: one entry per assignment ended (casework.audit.audited_update).
    CaseAssignment.objects.filter(case=case, ended_on__isnull=True).update(ended_on=closed_on)
    return case


def _check_worker_in_team(worker: User | None, team: Team, on: dt.date) -> None:
    if worker is None:
        return
    works_there = StaffPosition.objects.filter(team=team, person=worker, started_on__lte=on).filter(
        ended_on__isnull=True
    )
    if not works_there.exists():
        raise ValidationFailed(
            fields={
                "worker": [
                    _("Pracownik %(worker)s nie pracuje w komórce „%(team)s”.")
                    % {"worker": worker, "team": team.name}
                ]
            },
            code="worker_not_in_team",
        )


def _function_of(team: Team, function: str | None) -> str:
    if function:
        if function not in team.functions:
            raise ValidationFailed(
                fields={
                    "function": [
                        _("Komórka „%(team)s” nie realizuje tej funkcji.") % {"team": team.name}
                    ]
                }
            )
        return function
    if not team.functions:
        raise ValidationFailed(
            fields={
                "team": [
                    _("„%(team)s” to sekcja – wskaż zespół lub stanowisko.") % {"team": team.name}
                ]
            }
        )
    return str(team.functions[0])


@transaction.atomic
def case_assign(
    *,
    user: User,
    case: Case,
    team: Team,
    worker: User | None = None,
    function: str | None = None,
    on: dt.date | None = None,
) -> CaseAssignment:
    """Assign the case, for one canonical function, to a team (and a worker in it). The previous
    assignment for that function ends the same day. The case must be in the user's scope."""
    require_capability(user, Capability.CASE_MANAGE)
    require_case_access(user, case)
    errors: dict[str, list[str]] = {}
    check_act(errors, "on", on)
    if errors:
        raise ValidationFailed(fields=errors)
    return assign_to(case=case, team=team, worker=worker, function=function, on=on)


def assign_to(
    *,
    case: Case,
    team: Team,
    worker: User | None = None,
    function: str | None = None,
    on: dt.date | None = None,
) -> CaseAssignment:
    """The assignment itself, for services that have checked the user already: routing an intake
    (checked by ``require_intake_household_access``: the desk routes any household, that is
    its job; a team role only one it may take) and a handover (the case leaves the user's
    scope on the way)."""
    day = on or timezone.localdate()
    if case.status != CaseStatus.OPEN:
        raise Conflict(_("Sprawa jest zamknięta."), code="case_closed")
    chosen = _function_of(team, function)
    _check_worker_in_team(worker, team, day)
    CaseAssignment.objects.filter(case=case, function=chosen, ended_on__isnull=True).update(
        ended_on=day
    )
    return CaseAssignment.objects.create(
        case=case, function=chosen, team=team, worker=worker, started_on=day
    )


@transaction.atomic
def case_handover(
    *,
    user: User,
    case: Case,
    to_team: Team,
    reason: str,
    to_worker: User | None = None,
    function: str | None = None,
    at: dt.datetime | None = None,
) -> Handover:
    """Hand the case over to another team (and worker), recording why and when."""
    require_capability(user, Capability.CASE_MANAGE)
    require_case_access(user, case)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Podaj powód przekazania sprawy.")]})
    moment = at or timezone.now()
    errors: dict[str, list[str]] = {}
    check_act(errors, "at", moment)
    if errors:
        raise ValidationFailed(fields=errors)
    chosen = _function_of(to_team, function)
    current = (
        CaseAssignment.objects.filter(case=case, ended_on__isnull=True)
        .select_related("team", "worker")
        .order_by("-started_on", "-id")
    )
    previous = current.filter(function=chosen).first() or current.first()
    if previous is not None and previous.team_id == to_team.pk and previous.worker == to_worker:
        raise Conflict(
            _("Sprawa jest już przypisana do tego zespołu i pracownika."), code="same_team"
        )
    handover = Handover.objects.create(
        case=case,
        from_team=previous.team if previous else None,
        from_worker=previous.worker if previous else None,
        to_team=to_team,
        to_worker=to_worker,
        reason=reason,
        handed_over_at=moment,
        by=user,
    )
    if previous is not None and previous.function != chosen:
        CaseAssignment.objects.filter(pk=previous.pk).update(ended_on=timezone.localdate(moment))
    assign_to(
        case=case, team=to_team, worker=to_worker, function=chosen, on=timezone.localdate(moment)
    )
    return handover
