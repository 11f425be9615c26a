"""Least privilege inside a centre: which households' data a member of staff may see, in one place.

The rule, by role:

- **manager** and **auditor** see every household (the auditor only reads: its role has no write
  capability, see ``casework.permissions``);
- **benefits**, **social worker** and **services coordinator** see the households with a case
  currently assigned to one of their teams (a team where they hold a current post, and the units
  under it) or to them personally (for a closed case: assigned when it was closed), the
  households of intakes routed to them or their team that are not yet closed, and households
  opened to them by break-glass access;
- **first contact** sees what intake needs: people and households (identity, address, members; the
  desk also shows whether there is an open case and which team has it) and the intakes it
  registered or that still wait at the desk, but not case files, unless by break-glass access.

Two levels are checked. *Case data* (the case file, its timeline, proceedings, contracts, care
plans, incomes, documents) follows the rule above. *Identity data* (a person's or household's
record and members) is wider, because registering an intake needs it: first contact sees all of
it, the team roles also the people and households that no open case belongs to.

Taking an intake (registering, routing or closing it) and opening a case are writes that bring a
household into a scope, so they follow the rule too (:func:`require_intake_household_access`):
first contact and managers for any household, the team roles for the households they see, a new
household nobody has recorded anything about, or one opened to them by break-glass access.

Break-glass access (:func:`break_glass_grant`) opens one household to one worker for
``BREAK_GLASS_HOURS`` with a stated reason. Granting it is written to the audit trail with the
reason, and every read and write made under it is recorded with the reason too (the actor of the
request carries it, see :func:`require_household_access` and :func:`audit_list_reads`).

Lists filter in SQL (:func:`households_q`, :func:`persons_q`, :func:`intakes_q`): the scope is a
sub-query of the same statement, never a query per row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.audit import audit_reads, current_actor, set_actor, subject_of
from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    AuditEntry,
    BreakGlassGrant,
    Case,
    CaseAssignment,
    Decision,
    FamilyInterview,
    Household,
    HouseholdMember,
    IncomeRecord,
    IndividualProgramme,
    Intake,
    Person,
    ServicePlan,
    SocialContract,
)
from casework.models.audit import AuditAction
from casework.models.cases import CaseStatus
from casework.models.intake import IntakeOutcome
from opsplatform.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from opsplatform.text_rules import checked_text
from tenants.accounts.models import User
from tenants.accounts.roles import Role
from tenants.org.models import StaffPosition, Team

BREAK_GLASS_HOURS = 8
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 300

FULL_VIEW_ROLES = frozenset({Role.MANAGER, Role.AUDITOR})
TEAM_ROLES = frozenset({Role.BENEFITS, Role.SOCIAL_WORKER, Role.SERVICES_COORDINATOR})
BREAK_GLASS_ROLES = TEAM_ROLES | {Role.FIRST_CONTACT}

OUT_OF_SCOPE_MESSAGE = (
    "To gospodarstwo nie należy do spraw Twoich ani Twojego zespołu. Dostęp jest możliwy tylko "
    "w trybie nadzwyczajnym, z podaniem powodu, i zostanie odnotowany w dzienniku dostępu."
)


class HouseholdOutOfScope(NotAllowed):
    """The household (or a record of it) is outside the user's scope; break-glass may open it."""

    code = "household_out_of_scope"

    def __init__(self, household: Household | None, message: str = OUT_OF_SCOPE_MESSAGE) -> None:
        super().__init__(message)
        self.household = household


def _role(user: User) -> str:
    return str(getattr(user, "role", "") or "")


def sees_all(user: User) -> bool:
    """Managers and auditors see every household of the centre."""
    return _role(user) in FULL_VIEW_ROLES


# --- the rule as SQL -------------------------------------------------------------------------


def team_ids(user: User) -> QuerySet[Team, Any]:
    """The user's current teams and the units under them (three levels down: a section's teams
    and their posts), as a sub-query."""
    direct = StaffPosition.objects.filter(person_id=user.pk, ended_on__isnull=True).values(
        "team_id"
    )
    return Team.objects.filter(
        Q(pk__in=direct)
        | Q(parent__in=direct)
        | Q(parent__parent__in=direct)
        | Q(parent__parent__parent__in=direct)
    ).values("pk")


def _granted(user: User, *, at: dt.datetime | None = None) -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.filter(user_id=user.pk, expires_at__gt=at or timezone.now())


def _rule_q(user: User, field: str) -> Q:
    """The team roles' rule (without break-glass) on ``field`` (a household key)."""
    teams = team_ids(user)
    # Current assignments; of a closed case, those it had when it closed (closing ends them).
    held = Q(ended_on__isnull=True) | Q(
        case__status=CaseStatus.CLOSED, ended_on=F("case__closed_on")
    )
    assigned = CaseAssignment.objects.filter(held).filter(
        Q(team_id__in=teams) | Q(worker_id=user.pk)
    )
    routed = (
        Intake.objects.filter(household__isnull=False, outcome=IntakeOutcome.ROUTED)
        .filter(Q(routed_team_id__in=teams) | Q(routed_worker_id=user.pk))
        .filter(Q(case__isnull=True) | Q(case__status=CaseStatus.OPEN))
    )
    return Q(**{field: assigned.values("case__household_id")}) | Q(
        **{field: routed.values("household_id")}
    )


def households_q(user: User, path: str = "") -> Q:
    """A filter for records whose household (at ``path``; ``""`` for households themselves) the
    user may see the case data of. ``Q()`` for managers and auditors."""
    role = _role(user)
    if role in FULL_VIEW_ROLES:
        return Q()
    field = f"{path}__in" if path else "pk__in"
    granted = Q(**{field: _granted(user).values("household_id")})
    if role not in TEAM_ROLES:
        # First contact (and any role without a team rule): break-glass only.
        return granted
    return _rule_q(user, field) | granted


def _unowned_households() -> QuerySet[Household, Any]:
    """Households that no open case belongs to: nobody's yet, intake territory."""
    return Household.objects.exclude(
        Exists(Case.objects.filter(household=OuterRef("pk"), status=CaseStatus.OPEN))
    ).values("pk")


def household_identity_q(user: User, path: str = "") -> Q:
    """A filter for households whose identity data (address, members) the user may see."""
    role = _role(user)
    if role in FULL_VIEW_ROLES or role == Role.FIRST_CONTACT:
        return Q()
    field = f"{path}__in" if path else "pk__in"
    return households_q(user, path) | Q(**{field: _unowned_households()})


def persons_q(user: User) -> Q:
    """A filter for the people whose identity data the user may see: everyone for first contact
    (intake needs it), managers and auditors; for the team roles, the current members of the
    households they see and anyone who belongs to no household with an open case."""
    role = _role(user)
    if role in FULL_VIEW_ROLES or role == Role.FIRST_CONTACT:
        return Q()
    visible = Household.objects.filter(household_identity_q(user)).values("pk")
    current = HouseholdMember.objects.filter(person=OuterRef("pk"), left_on__isnull=True)
    return Exists(current.filter(household__in=visible)) | ~Exists(
        current.exclude(household__in=_unowned_households())
    )


def intakes_q(user: User) -> Q:
    """A filter for the intakes the user may see: those registered by the user, routed to the
    user or the user's team, of a household the user sees; first contact also those still
    waiting at the desk."""
    role = _role(user)
    if role in FULL_VIEW_ROLES:
        return Q()
    mine = Q(registered_by_id=user.pk) | Q(routed_worker_id=user.pk)
    if role == Role.FIRST_CONTACT:
        return mine | Q(outcome=IntakeOutcome.PENDING) | households_q(user, "household")
    return mine | Q(routed_team_id__in=team_ids(user)) | households_q(user, "household")


def cases_q(user: User) -> Q:
    """The register of cases (number, status, which team has it: the API's case list): first
    contact sees all of it, as the desk must know whether a household has an open case and where
    to route it; everyone else by the rule. The case file itself follows the rule for everyone."""
    if _role(user) == Role.FIRST_CONTACT:
        return Q()
    return households_q(user, "household")


def activities_q(user: User) -> Q:
    """Time-register entries: the user's own, those about no household, and those about a
    household the user sees."""
    if sees_all(user):
        return Q()
    return Q(worker_id=user.pk) | Q(household__isnull=True) | households_q(user, "household")


# --- single records ------------------------------------------------------------------------------


def _grant_for(user: User, household_id: int) -> BreakGlassGrant | None:
    return _granted(user).filter(household_id=household_id).order_by("-granted_at", "-id").first()


def _flag_actor(user: User, reason: str) -> None:
    """From now on in this request, what the user reads or writes is recorded with the reason.

    Only when the request already acts as this user (pages and the API set the actor): a
    service called outside a request does not take over the context's actor."""
    actor = current_actor()
    if actor.user_id == user.pk and actor.break_glass_reason != reason:
        set_actor(dataclasses.replace(actor, break_glass_reason=reason))


def in_scope(user: User, household: Household) -> bool:
    """Whether the user sees the household's case data by the rule (not counting break-glass)."""
    if sees_all(user):
        return True
    if _role(user) not in TEAM_ROLES:
        return False
    return Household.objects.filter(pk=household.pk).filter(_rule_q(user, "pk__in")).exists()


def require_household_access(user: User, household: Household, *, purpose: str = "read") -> None:
    """Refuse (403, code ``household_out_of_scope``) unless the user may see the household's case
    data. Access by break-glass flags the rest of the request in the audit trail. ``purpose``
    ("read" or "write") only words the refusal: writing also needs the role's capability, which
    the services check."""
    if sees_all(user):
        return
    if in_scope(user, household):
        return
    grant = _grant_for(user, household.pk)
    if grant is not None:
        _flag_actor(user, grant.reason)
        return
    if purpose == "write":
        raise HouseholdOutOfScope(
            household,
            "Nie możesz zmieniać danych gospodarstwa spoza spraw Twoich ani Twojego zespołu. "
            "Dostęp jest możliwy tylko w trybie nadzwyczajnym, z podaniem powodu.",
        )
    raise HouseholdOutOfScope(household)


def require_case_access(user: User, case: Case, *, purpose: str = "write") -> None:
    """The case's household by the rule (services check it before writing to a case)."""
    require_household_access(user, Household(pk=case.household_id), purpose=purpose)


def require_intake_work_access(user: User, case: Case) -> None:
    """Work that intake does on a case without reading its file (first contact takes
    applications): first contact may; everyone else by the rule."""
    if _role(user) == Role.FIRST_CONTACT:
        return
    require_case_access(user, case)


def _new_households(user: User) -> QuerySet[Household, Any]:
    """Households nobody but ``user`` has recorded anything about beyond identity: no case (open
    or closed), no income, no intake registered and no time entry made by someone else. A
    household the desk has just created for a new person is one."""
    case = Case.objects.filter(household=OuterRef("pk"))
    income = IncomeRecord.objects.filter(member__household=OuterRef("pk"))
    intake = Intake.objects.filter(household=OuterRef("pk")).exclude(registered_by_id=user.pk)
    activity = ActivityEntry.objects.filter(household=OuterRef("pk")).exclude(worker_id=user.pk)
    return (
        Household.objects.exclude(Exists(case))
        .exclude(Exists(income))
        .exclude(Exists(intake))
        .exclude(Exists(activity))
        .values("pk")
    )


def require_intake_household_access(user: User, household: Household | None) -> None:
    """Taking an intake about ``household`` (registering it, routing it, closing it at the desk)
    or opening its case: refused (403, ``household_out_of_scope``) unless the user may.

    Routing opens the household's case and assigns it, which brings the household into the
    scope of the team or worker it is routed to; so only the desk may do it for any household:
    first contact (its job) and managers (who see everything). The team roles may for a
    household whose case data they see by the rule, one opened to them by break-glass access
    (the request is then flagged with the grant's reason, so the intake, the case and the
    assignment are recorded with it), and a new household that nobody has recorded anything
    about yet (:func:`_new_households`): registering someone new, e.g. met in the field, is
    part of their work and opens nobody's data. An intake about nobody (``None``) is always
    allowed."""
    if household is None or sees_all(user) or _role(user) == Role.FIRST_CONTACT:
        return
    if in_scope(user, household):
        return
    if Household.objects.filter(pk=household.pk, pk__in=_new_households(user)).exists():
        return
    grant = _grant_for(user, household.pk)
    if grant is not None:
        _flag_actor(user, grant.reason)
        return
    raise HouseholdOutOfScope(
        household,
        "Nie możesz przyjąć zgłoszenia ani założyć sprawy gospodarstwa spoza spraw Twoich ani "
        "Twojego zespołu – przekaże je pierwszy kontakt. Dostęp jest możliwy tylko w trybie "
        "nadzwyczajnym, z podaniem powodu, i zostanie odnotowany w dzienniku dostępu.",
    )


def require_household_identity_access(user: User, household: Household) -> None:
    """The household's record and members: wider than its case data (see the module)."""
    if Household.objects.filter(pk=household.pk).filter(household_identity_q(user)).exists():
        grant = None if sees_all(user) else _grant_for(user, household.pk)
        if (
            grant is not None
            and not Household.objects.filter(pk=household.pk)
            .filter(_identity_rule_only(user))
            .exists()
        ):
            _flag_actor(user, grant.reason)
        return
    raise HouseholdOutOfScope(household)


def _identity_rule_only(user: User) -> Q:
    if _role(user) == Role.FIRST_CONTACT:
        return Q()
    return _rule_q(user, "pk__in") | Q(pk__in=_unowned_households())


def require_person_access(user: User, person: Person) -> None:
    """A person's record: refused when the person belongs only to households the user does not
    see (break-glass then opens one of them)."""
    if Person.objects.filter(pk=person.pk).filter(persons_q(user)).exists():
        return
    household = (
        Household.objects.filter(members__person=person, members__left_on__isnull=True)
        .exclude(pk__in=_unowned_households())
        .order_by("id")
        .first()
    )
    if household is not None and _grant_for(user, household.pk) is not None:
        require_household_access(user, household)  # flags the request
        return
    raise HouseholdOutOfScope(
        household,
        "Ta osoba należy do gospodarstwa spoza spraw Twoich ani Twojego zespołu. Dostęp jest "
        "możliwy tylko w trybie nadzwyczajnym, z podaniem powodu.",
    )


def require_intake_access(user: User, intake: Intake) -> None:
    if Intake.objects.filter(pk=intake.pk).filter(intakes_q(user)).exists():
        if intake.household_id is not None and not sees_all(user):
            grant = _grant_for(user, intake.household_id)
            if grant is not None:
                _flag_actor(user, grant.reason)
        return
    raise HouseholdOutOfScope(
        intake.household,
        "To zgłoszenie dotyczy gospodarstwa spoza spraw Twoich ani Twojego zespołu. Dostęp jest "
        "możliwy tylko w trybie nadzwyczajnym, z podaniem powodu.",
    )


# --- records named in a URL ----------------------------------------------------------------------

# URL parameter -> (model, path from the model to its household).
_CASE_DATA_PARAMETERS: dict[str, tuple[type[Model], str]] = {
    "case_id": (Case, "household"),
    "application_id": (Application, "case__household"),
    "interview_id": (FamilyInterview, "case__household"),
    "decision_id": (Decision, "application__case__household"),
    "appeal_id": (Appeal, "decision__application__case__household"),
    "contract_id": (SocialContract, "case__household"),
    "programme_id": (IndividualProgramme, "case__household"),
    "plan_id": (ServicePlan, "case__household"),
}


def require_url_access(user: User, kwargs: dict[str, Any]) -> None:
    """Check every record a URL names against the user's scope, before the view runs: case data
    (cases and everything of a case) by the rule, households at the identity level, intakes by
    the intake rule. An id that matches nothing passes (the view answers 404). People are checked
    by the views that show them (their URLs also serve the access log, for managers and auditors,
    who see everyone)."""
    for name, value in kwargs.items():
        if not isinstance(value, UUID | str):
            continue
        if name in _CASE_DATA_PARAMETERS:
            model, path = _CASE_DATA_PARAMETERS[name]
            household_pk = (
                model._default_manager.filter(public_id=value)
                .values_list(f"{path}__id", flat=True)
                .first()
            )
            if household_pk is not None:
                require_household_access(user, Household(pk=household_pk))
        elif name == "household_id":
            household = Household.objects.filter(public_id=value).first()
            if household is not None:
                require_household_identity_access(user, household)
        elif name == "intake_id":
            intake = Intake.objects.filter(public_id=value).select_related("household").first()
            if intake is not None:
                require_intake_access(user, intake)


def out_of_scope_household(error: HouseholdOutOfScope) -> Household | None:
    """The household of a refusal, read afresh (the refusal may carry only its key)."""
    if error.household is None or error.household.pk is None:
        return None
    return Household.objects.filter(pk=error.household.pk).first()


# --- break-glass -------------------------------------------------------------------------------


def break_glass_grant(
    *, user: User, household: Household, reason: str, now: dt.datetime | None = None
) -> BreakGlassGrant:
    """Open ``household`` to ``user`` for ``BREAK_GLASS_HOURS``, for the stated reason; recorded
    in the audit trail with the reason. Refused for a household the user already sees."""
    if _role(user) not in BREAK_GLASS_ROLES:
        raise NotAllowed(
            _(
                "Twoja rola widzi wszystkie gospodarstwa albo nie ma dostępu do danych – tryb "
                "nadzwyczajny jej nie dotyczy."
            ),
            code="not_allowed_break_glass",
        )
    # Invisible characters are refused and a reason of only such characters counts as empty, so
    # the minimum length is measured on what the manager reading the access log will see.
    text = " ".join(checked_text("reason", reason, multiline=True).split())
    if len(text) < REASON_MIN_LENGTH:
        raise ValidationFailed(
            fields={
                "reason": [
                    _(
                        "Podaj powód dostępu (co najmniej %(length)s znaków): "
                        "dlaczego potrzebujesz danych tego gospodarstwa."
                    )
                    % {"length": REASON_MIN_LENGTH}
                ]
            }
        )
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            fields={
                "reason": [
                    _("Powód może mieć najwyżej %(length)s znaków.") % {"length": REASON_MAX_LENGTH}
                ]
            }
        )
    if in_scope(user, household):
        raise Conflict(
            _(
                "To gospodarstwo należy do spraw Twoich lub Twojego zespołu – dostęp "
                "nadzwyczajny nie jest potrzebny."
            ),
            code="household_in_scope",
        )
    at = now or timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=user,
        household=household,
        reason=text,
        granted_at=at,
        expires_at=at + dt.timedelta(hours=BREAK_GLASS_HOURS),
    )
    actor = current_actor()
    AuditEntry(
        at=at,
        actor_id=user.pk,
        actor_username=user.get_username(),
        actor_role=_role(user),
        action=AuditAction.CREATE,
        object_type=BreakGlassGrant._meta.label_lower,
        object_id=str(grant.public_id),
        household_id=str(household.public_id),
        ip=actor.ip if actor.user_id == user.pk else None,
        break_glass_reason=text,
    ).save(force_insert=True)
    _flag_actor(user, text)
    return grant


def break_glass_list(*, since: dt.datetime | None = None) -> QuerySet[BreakGlassGrant]:
    """Grants, newest first, with the user, the household and the number and id of the
    household's latest case (for the manager's view; one query)."""
    latest = Case.objects.filter(household=OuterRef("household")).order_by("-opened_on", "-id")
    grants = BreakGlassGrant.objects.select_related("user", "household").annotate(
        case_number=Subquery(latest.values("number")[:1]),
        case_public_id=Subquery(latest.values("public_id")[:1]),
    )
    if since is not None:
        grants = grants.filter(granted_at__gte=since)
    return grants.order_by("-granted_at", "-id")


def household_for_break_glass(public_id: UUID | str) -> Household:
    household = Household.objects.filter(public_id=public_id).first()
    if household is None:
        raise NotFound(_("Nie znaleziono gospodarstwa domowego."))
    return household


# --- reads of lists ------------------------------------------------------------------------------


def audit_list_reads(user: User, instances: Iterable[Model]) -> None:
    """Record the reads of a list; those of households open to the user only by break-glass are
    recorded with the grant's reason. One more query, only for roles with a scope."""
    items = list(instances)
    if not items:
        return
    if sees_all(user) or _role(user) not in BREAK_GLASS_ROLES:
        audit_reads(items)
        return
    households = {subject_of(item)[1] for item in items} - {""}
    reasons: dict[str, str] = {}
    if households:
        for household_public_id, reason in (
            _granted(user)
            .filter(household__public_id__in=households)
            .order_by("granted_at", "id")
            .values_list("household__public_id", "reason")
        ):
            reasons[str(household_public_id)] = reason
    if not reasons:
        audit_reads(items)
        return
    plain = [item for item in items if subject_of(item)[1] not in reasons]
    if plain:
        audit_reads(plain)
    actor = current_actor()
    for household_key, reason in reasons.items():
        flagged = [item for item in items if subject_of(item)[1] == household_key]
        audit_reads(flagged, actor=dataclasses.replace(actor, break_glass_reason=reason))
