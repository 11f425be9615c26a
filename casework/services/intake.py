"""First contact: register who came or reported, why, and how it ended (at the desk or routed)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Household, Intake, Person
from casework.models.intake import RESOLVED_AT_DESK, Channel, IntakeOutcome, ReporterKind
from casework.permissions import Capability, require_capability
from casework.reference.selectors import invalid_reason_codes
from casework.services.cases import assign_to, open_case_for
from casework.visibility import require_intake_household_access
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.plausible_dates import check_act
from tenants.accounts.models import User
from tenants.org.models import Team


@transaction.atomic
def intake_register(
    *,
    user: User,
    arrived_at: dt.datetime | None = None,
    channel: str,
    reporter_kind: str,
    reasons: list[str],
    person: Person | None = None,
    household: Household | None = None,
    reporter_name: str = "",
    notes: str = "",
) -> Intake:
    """Register a visit or a report. Reasons are art. 7 codes in force on the day of arrival.

    The household is the one named, or else the person's current one. A team role may name only
    a household it may take an intake about (in its scope, new, or opened by break-glass: see
    ``casework.visibility.require_intake_household_access``); first contact and managers any."""
    require_capability(user, Capability.INTAKE_REGISTER)
    if household is None and person is not None:
        membership = (
            person.memberships.filter(left_on__isnull=True).select_related("household").first()
        )
        household = membership.household if membership else None
    # Named directly or through the person: routing the intake would open the household's case.
    require_intake_household_access(user, household)
    moment = arrived_at or timezone.now()
    errors: dict[str, list[str]] = {}
    check_act(errors, "arrived_at", moment)
    if channel not in Channel.values:
        errors["channel"] = [_("Nieznana forma kontaktu.")]
    if reporter_kind not in ReporterKind.values:
        errors["reporter_kind"] = [_("Nieznany rodzaj zgłaszającego.")]
    if reporter_kind not in (ReporterKind.SELF, "") and not reporter_name.strip():
        errors["reporter_name"] = [_("Podaj, kto zgłasza (instytucja lub osoba).")]
    if not reasons:
        errors["reasons"] = [_("Wskaż co najmniej jeden powód zgłoszenia (art. 7 ustawy).")]
    else:
        invalid = invalid_reason_codes(reasons, timezone.localdate(moment))
        if invalid:
            errors["reasons"] = [
                _(
                    "Powód „%(code)s” nie obowiązuje w dniu zgłoszenia (np. od 22.06.2023 "
                    "„przemoc domowa” zamiast „przemoc w rodzinie”)."
                )
                % {"code": code}
                for code in invalid
            ]
    if len(set(reasons)) != len(reasons):
        errors.setdefault("reasons", []).append(_("Powody nie mogą się powtarzać."))
    if (
        person is not None
        and household is not None
        and not household.members.filter(person=person, left_on__isnull=True).exists()
    ):
        errors["household"] = [_("Osoba nie jest członkiem wskazanego gospodarstwa.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return Intake.objects.create(
        arrived_at=moment,
        channel=channel,
        reporter_kind=reporter_kind,
        reporter_name=reporter_name,
        person=person,
        household=household,
        reasons=reasons,
        notes=notes,
        registered_by=user,
    )


def _refuse_if_closed(intake: Intake) -> None:
    if intake.outcome != IntakeOutcome.PENDING:
        raise Conflict(
            _("Zgłoszenie zostało już rozstrzygnięte (%(outcome)s).")
            % {"outcome": intake.get_outcome_display()},
            code="intake_already_resolved",
        )


@transaction.atomic
def intake_resolve(
    *, user: User, intake: Intake, outcome: str, note: str = "", at: dt.datetime | None = None
) -> Intake:
    """Close the intake at the desk: information, advice or a referral outside the centre."""
    require_capability(user, Capability.INTAKE_REGISTER)
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    # Checked again now: the household may have gained another team's case since registration.
    require_intake_household_access(user, intake.household)
    _refuse_if_closed(intake)
    moment = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if outcome not in RESOLVED_AT_DESK:
        errors["outcome"] = [
            _("Na stanowisku można udzielić informacji, porady lub skierować dalej.")
        ]
    if outcome == IntakeOutcome.REFERRAL_OUTSIDE and not note.strip():
        errors["note"] = [_("Podaj, dokąd skierowano osobę.")]
    check_act(errors, "at", moment)
    if moment < intake.arrived_at:
        errors.setdefault("at", []).append(_("Rozstrzygnięcie nie może być przed zgłoszeniem."))
    if errors:
        raise ValidationFailed(fields=errors)
    intake.outcome = outcome
    intake.outcome_note = note
    intake.resolved_at = moment
    intake.save(update_fields=["outcome", "outcome_note", "resolved_at", "updated_at"])
    return intake


@transaction.atomic
def intake_route(
    *,
    user: User,
    intake: Intake,
    team: Team,
    worker: User | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Intake:
    """Route the intake to a team (and a worker): the household's case is opened if it has none
    and assigned to the team for its function. The time of routing is recorded."""
    require_capability(user, Capability.INTAKE_REGISTER)
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    # Checked again now: the household may have gained another team's case since registration.
    require_intake_household_access(user, intake.household)
    _refuse_if_closed(intake)
    moment = at or timezone.now()
    errors: dict[str, list[str]] = {}
    check_act(errors, "at", moment)
    if moment < intake.arrived_at:
        errors.setdefault("at", []).append(_("Przekazanie nie może być przed zgłoszeniem."))
    if errors:
        raise ValidationFailed(fields=errors)
    if intake.household is None:
        raise ValidationFailed(
            _("Aby przekazać sprawę do zespołu, wskaż osobę i jej gospodarstwo domowe."),
            fields={"household": [_("Zgłoszenie nie ma przypisanego gospodarstwa domowego.")]},
            code="intake_without_household",
        )
    case = open_case_for(user=user, household=intake.household, on=timezone.localdate(moment))
    assign_to(case=case, team=team, worker=worker, on=timezone.localdate(moment))
    intake.outcome = IntakeOutcome.ROUTED
    intake.routed_team = team
    intake.routed_worker = worker
    intake.outcome_note = note
    intake.resolved_at = moment
    intake.case = case
    intake.save(
        update_fields=[
            "outcome", "routed_team", "routed_worker", "outcome_note", "resolved_at", "case",
            "updated_at",
        ]
    )  # fmt: skip
    return intake
