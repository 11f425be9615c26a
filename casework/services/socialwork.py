"""Social work: the activity log, social contracts and their reviews, individual programmes,
social projects and local activity programmes (PAL)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from casework.models import (
    ActivityEntry,
    Case,
    CommunityProject,
    ContractReview,
    Household,
    HouseholdMember,
    IndividualProgramme,
    Person,
    ProjectParticipation,
    SocialContract,
)
from casework.models.cases import CaseStatus
from casework.models.socialwork import (
    ActivityCategory,
    ContractStatus,
    ContractVariant,
    ProgrammeKind,
    ProgrammeStatus,
    ProjectKind,
)
from casework.permissions import Capability, has_capability, require_capability
from casework.visibility import require_case_access, require_household_access
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.plausible_dates import check_act, check_planned
from tenants.accounts.models import User

# A day's logged time may not exceed 16 hours: the same bound the table's check constraint puts
# on one entry, applied to the sum of a worker's entries for the day.
MAX_MINUTES_PER_DAY = 960

# A signed contract is in force (reviews can be recorded, it can be completed or broken) whether or
# not its start date has come: "signed" only says it has not started yet on the day of signing.
CONTRACT_IN_FORCE = (ContractStatus.SIGNED, ContractStatus.ACTIVE)


def _require_open_case(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise Conflict(
            _("Sprawa %(number)s jest zamknięta.") % {"number": case.number},
            fields={"case": [_("Sprawa jest zamknięta.")]},
            code="case_closed",
        )


def _is_current_member(case: Case, person: Person) -> bool:
    return HouseholdMember.objects.filter(
        household_id=case.household_id, person=person, left_on__isnull=True
    ).exists()


def _lock_worker(worker: User) -> None:
    """Serialise a worker's concurrent writes (one row lock on the account)."""
    get_user_model().objects.select_for_update().filter(pk=worker.pk).first()


# --- activity log ------------------------------------------------------------------------------


@transaction.atomic
def activity_log(
    *,
    user: User,
    day: dt.date,
    minutes: int,
    category: str,
    household: Household | None = None,
) -> ActivityEntry:
    """Log time the user spent on ``day``. A day's entries of one worker may not add up to more
    than 960 minutes; the check holds under concurrent logging because the worker's account row is
    locked first."""
    require_capability(user, Capability.ACTIVITY_LOG)
    if household is not None:
        require_household_access(user, household, purpose="write")
    errors: dict[str, list[str]] = {}
    if not 0 < minutes <= MAX_MINUTES_PER_DAY:
        errors["minutes"] = [_("Czas czynności to od 1 do 960 minut (16 godzin).")]
    if category not in ActivityCategory.values:
        errors["category"] = [_("Nieznany rodzaj czynności.")]
    check_act(errors, "day", day)
    if errors:
        raise ValidationFailed(fields=errors)
    _lock_worker(user)
    logged = (
        ActivityEntry.objects.filter(worker=user, day=day).aggregate(total=Sum("minutes"))["total"]
        or 0
    )
    if logged + minutes > MAX_MINUTES_PER_DAY:
        left = MAX_MINUTES_PER_DAY - logged
        raise ValidationFailed(
            fields={
                "minutes": [
                    _(
                        "W dniu %(day)s zarejestrowano już %(logged)s min; łącznie w jednym dniu "
                        "można zapisać najwyżej 960 min (zostało %(left)s min)."
                    )
                    % {"day": f"{day:%d.%m.%Y}", "logged": logged, "left": left}
                ]
            },
            code="day_total_exceeded",
        )
    return ActivityEntry.objects.create(
        worker=user, day=day, minutes=minutes, category=category, household=household
    )


# --- social contracts ------------------------------------------------------------------------


def _lock_contract(contract: SocialContract) -> SocialContract:
    # Lock the contract row only, not the joined case (which case services lock on their own).
    return (
        SocialContract.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=contract.pk)
    )


def _require_in_force(contract: SocialContract, refusal: str) -> None:
    """``refusal`` says what cannot be done, with ``%(status)s`` for the contract's status."""
    if contract.status not in CONTRACT_IN_FORCE:
        raise Conflict(
            refusal % {"status": contract.get_status_display()},
            code="contract_not_in_force",
        )


@transaction.atomic
def contract_create(
    *,
    user: User,
    case: Case,
    person: Person,
    variant: str,
    goals: str,
    client_obligations: str,
    centre_obligations: str,
    starts_on: dt.date,
    ends_on: dt.date,
    worker: User | None = None,
) -> SocialContract:
    """Draft a social contract with a current member of the case's household. The social worker
    party is ``worker`` (default: the user), who must be able to conclude contracts."""
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, case)
    _require_open_case(case)
    party = worker or user
    errors: dict[str, list[str]] = {}
    if not _is_current_member(case, person):
        errors["person"] = [_("Osoba nie jest obecnie członkiem gospodarstwa domowego tej sprawy.")]
    if variant not in ContractVariant.values:
        errors["variant"] = [_("Nieznany rodzaj kontraktu.")]
    for name, text, message in (
        ("goals", goals, _("Podaj cele kontraktu.")),
        ("client_obligations", client_obligations, _("Podaj zobowiązania osoby lub rodziny.")),
        (
            "centre_obligations",
            centre_obligations,
            _("Podaj zobowiązania pracownika socjalnego / ośrodka."),
        ),
    ):
        if not text.strip():
            errors[name] = [message]
    check_planned(errors, "starts_on", starts_on)
    check_planned(errors, "ends_on", ends_on)
    if ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            _("Kontrakt nie może kończyć się przed dniem rozpoczęcia.")
        )
    if not has_capability(party, Capability.CONTRACT_MANAGE):
        errors["worker"] = [_("Ten pracownik nie zawiera kontraktów socjalnych.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return SocialContract.objects.create(
        case=case,
        person=person,
        worker=party,
        variant=variant,
        goals=goals,
        client_obligations=client_obligations,
        centre_obligations=centre_obligations,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@transaction.atomic
def contract_sign(*, user: User, contract: SocialContract, signed_on: dt.date) -> SocialContract:
    """Record the signing of a draft. The contract is active at once if it has already started on
    the day of signing, else it is signed and waits for its start date."""
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, contract.case)
    contract = _lock_contract(contract)
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(
            _("Podpisać można tylko projekt kontraktu; ten ma status „%(status)s”.")
            % {"status": contract.get_status_display()},
            code="contract_not_draft",
        )
    _require_open_case(contract.case)
    errors: dict[str, list[str]] = {}
    check_act(errors, "signed_on", signed_on)
    if signed_on > contract.ends_on:
        errors.setdefault("signed_on", []).append(
            _("Kontrakt obowiązywał do %(day)s – nie można go podpisać później.")
            % {"day": f"{contract.ends_on:%d.%m.%Y}"}
        )
    if errors:
        raise ValidationFailed(fields=errors)
    contract.signed_on = signed_on
    contract.status = (
        ContractStatus.ACTIVE if contract.starts_on <= signed_on else ContractStatus.SIGNED
    )
    contract.save(update_fields=["signed_on", "status", "updated_at"])
    return contract


@transaction.atomic
def contracts_activate_due(*, on: dt.date) -> int:
    """Signed contracts whose start date has come become active (a nightly job, acting as
    ``system`` in the audit trail). Returns how many changed."""
    due = list(
        SocialContract.objects.select_for_update()
        .filter(status=ContractStatus.SIGNED, starts_on__lte=on)
        .order_by("pk")
    )
    for contract in due:
        contract.status = ContractStatus.ACTIVE
        # One save each, so that every change is in the audit trail.
        contract.save(update_fields=["status", "updated_at"])
    return len(due)


@transaction.atomic
def contract_review_plan(
    *, user: User, contract: SocialContract, due_on: dt.date
) -> ContractReview:
    """Add a review date within the contract's period (drafts may have them planned too)."""
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, contract.case)
    contract = _lock_contract(contract)
    if contract.status in (ContractStatus.COMPLETED, ContractStatus.BROKEN):
        raise Conflict(_("Kontrakt jest już zamknięty."), code="contract_closed")
    if not contract.starts_on <= due_on <= contract.ends_on:
        raise ValidationFailed(
            fields={
                "due_on": [
                    _("Termin oceny musi przypadać w okresie kontraktu (%(start)s–%(end)s).")
                    % {
                        "start": f"{contract.starts_on:%d.%m.%Y}",
                        "end": f"{contract.ends_on:%d.%m.%Y}",
                    }
                ]
            }
        )
    if contract.reviews.filter(due_on=due_on).exists():
        raise Conflict(
            _("Ocena na ten dzień jest już zaplanowana."),
            fields={"due_on": [_("Ocena na ten dzień jest już zaplanowana.")]},
            code="review_already_planned",
        )
    return ContractReview.objects.create(contract=contract, due_on=due_on)


@transaction.atomic
def contract_review_record(
    *, user: User, review: ContractReview, done_on: dt.date, note: str
) -> ContractReview:
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, review.contract.case)
    contract = _lock_contract(review.contract)
    review = ContractReview.objects.select_for_update().get(pk=review.pk)
    if review.done_on is not None:
        raise Conflict(
            _("Ocena została już zapisana (%(day)s).") % {"day": f"{review.done_on:%d.%m.%Y}"},
            code="review_done",
        )
    _require_in_force(contract, _("Nie można zapisać oceny: kontrakt ma status „%(status)s”."))
    errors: dict[str, list[str]] = {}
    check_act(errors, "done_on", done_on)
    if contract.signed_on and done_on < contract.signed_on:
        errors.setdefault("done_on", []).append(
            _("Oceny nie można przeprowadzić przed podpisaniem kontraktu.")
        )
    if not note.strip():
        errors["note"] = [_("Wpisz wnioski z oceny realizacji kontraktu.")]
    if errors:
        raise ValidationFailed(fields=errors)
    review.done_on = done_on
    review.note = note
    review.save(update_fields=["done_on", "note", "updated_at"])
    return review


def _close_errors(contract: SocialContract, closed_on: dt.date, outcome_note: str) -> None:
    errors: dict[str, list[str]] = {}
    check_act(errors, "closed_on", closed_on)
    if contract.signed_on and closed_on < contract.signed_on:
        errors.setdefault("closed_on", []).append(
            _("Data zakończenia nie może być przed datą podpisania kontraktu.")
        )
    if not outcome_note.strip():
        errors["outcome_note"] = [_("Opisz ocenę realizacji kontraktu.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _contract_close(
    *,
    user: User,
    contract: SocialContract,
    refusal: str,
    status: str,
    closed_on: dt.date,
    goals_achieved: bool,
    outcome_note: str,
) -> SocialContract:
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, contract.case)
    contract = _lock_contract(contract)
    _require_in_force(contract, refusal)
    _close_errors(contract, closed_on, outcome_note)
    contract.status = status
    contract.closed_on = closed_on
    contract.goals_achieved = goals_achieved
    contract.outcome_note = outcome_note
    contract.save(
        update_fields=["status", "closed_on", "goals_achieved", "outcome_note", "updated_at"]
    )
    return contract


@transaction.atomic
def contract_complete(
    *,
    user: User,
    contract: SocialContract,
    closed_on: dt.date,
    goals_achieved: bool,
    outcome_note: str,
) -> SocialContract:
    """Close a contract that ran its course, saying whether its goals were achieved."""
    return _contract_close(
        user=user,
        contract=contract,
        refusal=_("Nie można zakończyć kontraktu: kontrakt ma status „%(status)s”."),
        status=ContractStatus.COMPLETED,
        closed_on=closed_on,
        goals_achieved=goals_achieved,
        outcome_note=outcome_note,
    )


@transaction.atomic
def contract_break(
    *, user: User, contract: SocialContract, closed_on: dt.date, outcome_note: str
) -> SocialContract:
    """Record that the contract was broken or not kept (which may be a reason to refuse or stop
    a benefit): its goals count as not achieved."""
    return _contract_close(
        user=user,
        contract=contract,
        refusal=_("Nie można zerwać kontraktu: kontrakt ma status „%(status)s”."),
        status=ContractStatus.BROKEN,
        closed_on=closed_on,
        goals_achieved=False,
        outcome_note=outcome_note,
    )


# --- individual programmes ---------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    user: User,
    case: Case,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    goals: str = "",
) -> IndividualProgramme:
    """Start an individual programme (leaving homelessness, becoming independent, integration of a
    foreigner) for a current member of the case's household, run by the user."""
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, case)
    _require_open_case(case)
    errors: dict[str, list[str]] = {}
    if not _is_current_member(case, person):
        errors["person"] = [_("Osoba nie jest obecnie członkiem gospodarstwa domowego tej sprawy.")]
    if kind not in ProgrammeKind.values:
        errors["kind"] = [_("Nieznany rodzaj programu.")]
    check_planned(errors, "starts_on", starts_on)
    check_planned(errors, "ends_on", ends_on)
    if ends_on is not None and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            _("Program nie może kończyć się przed dniem rozpoczęcia.")
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return IndividualProgramme.objects.create(
        case=case,
        person=person,
        worker=user,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        goals=goals,
    )


def _programme_end(
    user: User, programme: IndividualProgramme, ends_on: dt.date, status: ProgrammeStatus
) -> IndividualProgramme:
    require_capability(user, Capability.CONTRACT_MANAGE)
    require_case_access(user, programme.case)
    programme = IndividualProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.status != ProgrammeStatus.ACTIVE:
        raise Conflict(
            _("Program ma już status „%(status)s”.") % {"status": programme.get_status_display()},
            code="programme_not_active",
        )
    errors: dict[str, list[str]] = {}
    check_act(errors, "ends_on", ends_on)
    if ends_on < programme.starts_on:
        errors.setdefault("ends_on", []).append(
            _("Data zakończenia nie może być przed rozpoczęciem programu.")
        )
    if errors:
        raise ValidationFailed(fields=errors)
    programme.status = status
    programme.ends_on = ends_on
    programme.save(update_fields=["status", "ends_on", "updated_at"])
    return programme


@transaction.atomic
def programme_complete(
    *, user: User, programme: IndividualProgramme, ends_on: dt.date
) -> IndividualProgramme:
    """Close a programme that ran its course; ``ends_on`` becomes the actual end date."""
    return _programme_end(user, programme, ends_on, ProgrammeStatus.COMPLETED)


@transaction.atomic
def programme_discontinue(
    *, user: User, programme: IndividualProgramme, ends_on: dt.date
) -> IndividualProgramme:
    """Record that a programme was stopped before its course ended."""
    return _programme_end(user, programme, ends_on, ProgrammeStatus.DISCONTINUED)


# --- social projects and PAL -------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    user: User,
    name: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    target_groups: list[str] | None = None,
) -> CommunityProject:
    """Start a social project or a local activity programme, coordinated by the user."""
    require_capability(user, Capability.PROJECT_MANAGE)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Podaj nazwę projektu.")]
    if kind not in ProjectKind.values:
        errors["kind"] = [_("Nieznany rodzaj projektu.")]
    check_planned(errors, "starts_on", starts_on)
    check_planned(errors, "ends_on", ends_on)
    if ends_on is not None and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            _("Projekt nie może kończyć się przed dniem rozpoczęcia.")
        )
    groups = [group.strip() for group in target_groups or [] if group.strip()]
    if errors:
        raise ValidationFailed(fields=errors)
    return CommunityProject.objects.create(
        name=name.strip(),
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        coordinator=user,
        target_groups=groups,
    )


def _already_participating() -> Conflict:
    return Conflict(
        _("Ta osoba już uczestniczy w projekcie."),
        fields={"person": [_("Osoba już uczestniczy w projekcie.")]},
        code="already_participating",
    )


@transaction.atomic
def project_participant_add(
    *, user: User, project: CommunityProject, person: Person, joined_on: dt.date
) -> ProjectParticipation:
    require_capability(user, Capability.PROJECT_MANAGE)
    errors: dict[str, list[str]] = {}
    if joined_on < project.starts_on or (project.ends_on and joined_on > project.ends_on):
        errors["joined_on"] = [_("Data przystąpienia musi przypadać w okresie trwania projektu.")]
    check_act(errors, "joined_on", joined_on)
    if errors:
        raise ValidationFailed(fields=errors)
    if project.participations.filter(person=person, left_on__isnull=True).exists():
        raise _already_participating()
    try:
        with transaction.atomic():
            return ProjectParticipation.objects.create(
                project=project, person=person, joined_on=joined_on
            )
    except IntegrityError as exc:  # added concurrently
        raise _already_participating() from exc


@transaction.atomic
def project_participant_remove(
    *, user: User, participation: ProjectParticipation, left_on: dt.date
) -> ProjectParticipation:
    require_capability(user, Capability.PROJECT_MANAGE)
    participation = ProjectParticipation.objects.select_for_update().get(pk=participation.pk)
    if participation.left_on is not None:
        raise Conflict(
            _("Osoba zakończyła już udział (%(day)s).")
            % {"day": f"{participation.left_on:%d.%m.%Y}"},
            code="participation_ended",
        )
    errors: dict[str, list[str]] = {}
    check_act(errors, "left_on", left_on)
    if left_on < participation.joined_on:
        errors.setdefault("left_on", []).append(
            _("Data zakończenia udziału nie może być przed datą przystąpienia.")
        )
    if errors:
        raise ValidationFailed(fields=errors)
    participation.left_on = left_on
    participation.save(update_fields=["left_on", "updated_at"])
    return participation
