"""Benefit proceedings: application → family interview → decision → (delay notice) → appeal.

Time limits: the interview within 14 working days of learning it is needed (2 if urgent); the
decision within a month of the application (two if particularly complex), KPA art. 35, with the
end moved past Saturdays and holidays (art. 57 § 4); an appeal within 14 days of delivery
(art. 129 § 2), forwarded to the SKO within 7 days (art. 133).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from casework.calendar_days import add_days_kpa, add_months_kpa, add_working_days
from casework.models import (
    Appeal,
    Application,
    Case,
    Decision,
    DecisionAuthorisation,
    DelayNotice,
    FamilyInterview,
    Person,
)
from casework.models.cases import CaseStatus
from casework.models.proceedings import (
    AppealOutcome,
    ApplicationStatus,
    DecisionOutcome,
    InterviewKind,
    PaymentSchedule,
)
from casework.models.reference_codes import BENEFITS_NEEDING_AMOUNT
from casework.permissions import Capability, has_capability, require_capability
from casework.reference.selectors import benefit_type
from casework.services.numbering import next_number
from casework.visibility import require_case_access, require_intake_work_access
from opsplatform.errors import Conflict, NotAllowed, ValidationFailed
from opsplatform.plausible_dates import check_act, check_planned
from tenants.accounts.models import User

INTERVIEW_WORKING_DAYS = 14
URGENT_INTERVIEW_WORKING_DAYS = 2
INTERVIEW_VALID_MONTHS = 6
APPEAL_DAYS = 14
FORWARD_APPEAL_DAYS = 7


def appeal_forward_due_on(lodged_on: dt.date) -> dt.date:
    """KPA art. 133: the authority forwards an appeal to the SKO within 7 days of lodging; a
    limit ending on a Saturday, a Sunday or a public holiday ends on the next working day
    (art. 57 § 4)."""
    return add_days_kpa(lodged_on, FORWARD_APPEAL_DAYS)


def _open_case(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise Conflict(_("Sprawa jest zamknięta – otwórz ją ponownie."), code="case_closed")


@transaction.atomic
def application_register(
    *,
    user: User,
    case: Case,
    applicant: Person,
    received_on: dt.date,
    benefits: list[str],
    urgent: bool = False,
    is_complex: bool = False,
) -> Application:
    """Register an application; its KPA time limit is computed from the day it was received."""
    require_capability(user, Capability.APPLICATION_REGISTER)
    require_intake_work_access(user, case)
    _open_case(case)
    errors: dict[str, list[str]] = {}
    check_act(errors, "received_on", received_on)
    if received_on < case.opened_on:
        errors.setdefault("received_on", []).append(
            _("Wniosek nie może wpłynąć przed otwarciem sprawy.")
        )
    if not benefits:
        errors["benefits"] = [_("Wskaż co najmniej jedno świadczenie.")]
    for code in benefits:
        kind = benefit_type(code)
        if kind is None:
            errors.setdefault("benefits", []).append(
                _("Nieznane świadczenie „%(code)s”.") % {"code": code}
            )
        elif not kind.by_decision:
            errors.setdefault("benefits", []).append(
                _("„%(benefit)s” nie wymaga wniosku ani decyzji – odnotuj ją w pracy socjalnej.")
                % {"benefit": kind.name}
            )
    if not case.household.members.filter(person=applicant, left_on__isnull=True).exists():
        errors["applicant"] = [_("Wnioskodawca musi być członkiem gospodarstwa domowego sprawy.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return Application.objects.create(
        case=case,
        applicant=applicant,
        received_on=received_on,
        benefits=benefits,
        urgent=urgent,
        complex=is_complex,
        decision_due_on=add_months_kpa(received_on, 2 if is_complex else 1),
        registered_by=user,
    )


@transaction.atomic
def interview_schedule(
    *,
    user: User,
    case: Case,
    worker: User,
    needed_since: dt.date,
    kind: str = InterviewKind.FULL,
    application: Application | None = None,
    urgent: bool | None = None,
) -> FamilyInterview:
    """Plan a family interview; due 14 working days after the need arose (2 if urgent)."""
    require_capability(user, Capability.INTERVIEW_CONDUCT)
    require_case_access(user, case)
    _open_case(case)
    errors: dict[str, list[str]] = {}
    if kind not in InterviewKind.values:
        errors["kind"] = [_("Nieznany rodzaj wywiadu.")]
    if not has_capability(worker, Capability.INTERVIEW_CONDUCT):
        errors["worker"] = [_("Ten pracownik nie przeprowadza wywiadów środowiskowych.")]
    if application is not None and application.case_id != case.pk:
        errors["application"] = [_("Wniosek należy do innej sprawy.")]
    check_act(errors, "needed_since", needed_since)
    if errors:
        raise ValidationFailed(fields=errors)
    is_urgent = urgent if urgent is not None else bool(application and application.urgent)
    days = URGENT_INTERVIEW_WORKING_DAYS if is_urgent else INTERVIEW_WORKING_DAYS
    return FamilyInterview.objects.create(
        case=case,
        application=application,
        kind=kind,
        needed_since=needed_since,
        due_on=add_working_days(needed_since, days),
        worker=worker,
    )


@transaction.atomic
def interview_record(
    *, user: User, interview: FamilyInterview, conducted_on: dt.date, diagnosis: str, help_plan: str
) -> FamilyInterview:
    require_capability(user, Capability.INTERVIEW_CONDUCT)
    require_case_access(user, interview.case)
    interview = FamilyInterview.objects.select_for_update().get(pk=interview.pk)
    if interview.conducted_on is not None:
        raise Conflict(_("Wywiad został już przeprowadzony."), code="interview_done")
    errors: dict[str, list[str]] = {}
    check_act(errors, "conducted_on", conducted_on)
    if conducted_on < interview.needed_since:
        errors.setdefault("conducted_on", []).append(
            _("Wywiad nie może być przeprowadzony przed stwierdzeniem potrzeby.")
        )
    if not diagnosis.strip():
        errors["diagnosis"] = [_("Wywiad kończy się diagnozą – uzupełnij ją.")]
    if not help_plan.strip():
        errors["help_plan"] = [_("Wywiad kończy się planem pomocy – uzupełnij go.")]
    if errors:
        raise ValidationFailed(fields=errors)
    interview.conducted_on = conducted_on
    interview.diagnosis = diagnosis
    interview.help_plan = help_plan
    interview.save(update_fields=["conducted_on", "diagnosis", "help_plan", "updated_at"])
    return interview


@transaction.atomic
def authorisation_grant(
    *,
    user: User,
    worker: User,
    reference: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> DecisionAuthorisation:
    """Record the head's authorisation for ``worker`` to issue decisions."""
    require_capability(user, Capability.AUTHORISATION_GRANT)
    errors: dict[str, list[str]] = {}
    if not has_capability(worker, Capability.DECISION_ISSUE):
        errors["worker"] = [_("Rola tego pracownika nie pozwala wydawać decyzji.")]
    if not reference.strip():
        errors["reference"] = [_("Podaj znak upoważnienia.")]
    check_planned(errors, "valid_from", valid_from)
    check_planned(errors, "valid_to", valid_to)
    if valid_to is not None and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(
            _("Upoważnienie nie może wygasać przed datą nadania.")
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return DecisionAuthorisation.objects.create(
        worker=worker,
        reference=reference,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=user,
    )


def authorisation_valid_on(worker: User, day: dt.date) -> DecisionAuthorisation | None:
    return (
        DecisionAuthorisation.objects.filter(worker=worker, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def _interview_for_decision(application: Application, issued_on: dt.date) -> FamilyInterview | None:
    """The latest interview (or its update) of the case conducted by the day of the decision and
    not older than six months."""
    oldest = add_months_kpa(issued_on, -INTERVIEW_VALID_MONTHS) - dt.timedelta(days=7)
    return (
        FamilyInterview.objects.filter(
            case=application.case, conducted_on__isnull=False, conducted_on__lte=issued_on
        )
        .filter(conducted_on__gte=min(oldest, application.received_on))
        .order_by("-conducted_on", "-id")
        .first()
    )


@transaction.atomic
def decision_issue(
    *,
    user: User,
    application: Application,
    benefit: str,
    outcome: str,
    reasoning: str,
    issued_on: dt.date,
    amount: Decimal | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    payment_schedule: str = "",
    legal_basis: str = "",
) -> Decision:
    """Issue a decision on one benefit of the application.

    Only a role that issues decisions, holding the head's authorisation on ``issued_on``, may
    issue it; there is no decision without a family interview (or its update) conducted for the
    case by that day. The application is decided once every benefit asked for has a decision.
    """
    require_capability(user, Capability.DECISION_ISSUE)
    require_case_access(user, application.case)
    application = (
        Application.objects.select_for_update().select_related("case").get(pk=application.pk)
    )
    errors: dict[str, list[str]] = {}
    check_act(errors, "issued_on", issued_on)
    if errors:  # before the authorisation, which is looked up for that day
        raise ValidationFailed(fields=errors)
    authorisation = authorisation_valid_on(user, issued_on)
    if authorisation is None:
        raise NotAllowed(
            _("Nie masz ważnego upoważnienia kierownika do wydawania decyzji w tym dniu."),
            code="no_authorisation",
        )
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("Wniosek został już rozpatrzony lub wycofany."), code="application_closed")
    if issued_on < application.received_on:
        errors.setdefault("issued_on", []).append(
            _("Decyzja nie może być wydana przed wpływem wniosku.")
        )
    if benefit not in application.benefits:
        errors["benefit"] = [_("Tego świadczenia nie ma we wniosku.")]
    elif Decision.objects.filter(application=application, benefit=benefit).exists():
        errors["benefit"] = [_("W sprawie tego świadczenia wydano już decyzję.")]
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = [_("Rozstrzygnięcie: przyznanie, przyznanie w części albo odmowa.")]
    if not reasoning.strip():
        errors["reasoning"] = [_("Decyzja wymaga uzasadnienia.")]
    granted = outcome in (DecisionOutcome.GRANT, DecisionOutcome.PARTIAL)
    if amount is not None and amount < 0:
        errors["amount"] = [_("Kwota nie może być ujemna.")]
    elif granted and benefit in BENEFITS_NEEDING_AMOUNT and not amount:
        errors["amount"] = [_("Podaj kwotę przyznanego świadczenia.")]
    if granted and period_from is None:
        errors["period_from"] = [_("Podaj, od kiedy świadczenie przysługuje.")]
    check_planned(errors, "period_from", period_from)
    check_planned(errors, "period_to", period_to)
    if period_from and period_to and period_to < period_from:
        errors.setdefault("period_to", []).append(
            _("Koniec okresu nie może być przed jego początkiem.")
        )
    if payment_schedule and payment_schedule not in PaymentSchedule.values:
        errors["payment_schedule"] = [_("Nieznany sposób wypłaty.")]
    interview = _interview_for_decision(application, issued_on)
    if interview is None:
        errors["interview"] = [
            _(
                "Brak rodzinnego wywiadu środowiskowego (lub jego aktualizacji) przeprowadzonego "
                "przed decyzją – przeprowadź wywiad, zanim wydasz decyzję."
            )
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    kind = benefit_type(benefit)
    decision = Decision.objects.create(
        application=application,
        number=next_number(Decision, "D", issued_on.year),
        outcome=outcome,
        benefit=benefit,
        amount=amount if granted else None,
        period_from=period_from if granted else None,
        period_to=period_to if granted else None,
        payment_schedule=payment_schedule if granted else "",
        legal_basis=legal_basis or (kind.legal_basis if kind else ""),
        reasoning=reasoning,
        issued_on=issued_on,
        issued_by=user,
        authorisation=authorisation,
        interview=interview,  # type: ignore[misc]  # not None: refused above with the other errors
    )
    decided = set(
        Decision.objects.filter(application=application).values_list("benefit", flat=True)
    )
    if decided >= set(application.benefits):
        application.status = ApplicationStatus.DECIDED
        application.save(update_fields=["status", "updated_at"])
    return decision


@transaction.atomic
def decision_deliver(*, user: User, decision: Decision, delivered_on: dt.date) -> Decision:
    require_capability(user, Capability.PROCEEDING_MANAGE)
    require_case_access(user, decision.application.case)
    errors: dict[str, list[str]] = {}
    check_act(errors, "delivered_on", delivered_on)
    if delivered_on < decision.issued_on:
        errors.setdefault("delivered_on", []).append(
            _("Doręczenie nie może być przed wydaniem decyzji.")
        )
    if decision.delivered_on is not None:
        raise Conflict(_("Doręczenie decyzji zostało już odnotowane."), code="already_delivered")
    if errors:
        raise ValidationFailed(fields=errors)
    decision.delivered_on = delivered_on
    decision.save(update_fields=["delivered_on", "updated_at"])
    return decision


def effective_due_on(application: Application) -> dt.date:
    """The KPA time limit, or the new date of the latest delay notice (a notice always moves it
    later). Reads ``delay_notices.all()``, so a prefetch serves a whole list without queries."""
    return max(
        (notice.new_due_on for notice in application.delay_notices.all()),
        default=application.decision_due_on,
    )


@transaction.atomic
def delay_notice_send(
    *, user: User, application: Application, sent_on: dt.date, new_due_on: dt.date, reason: str
) -> DelayNotice:
    """Tell the party the matter will not be settled in time, why, and the new date (art. 36)."""
    require_capability(user, Capability.PROCEEDING_MANAGE)
    require_case_access(user, application.case)
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("Wniosek został już rozpatrzony."), code="application_closed")
    errors: dict[str, list[str]] = {}
    check_act(errors, "sent_on", sent_on)
    check_planned(errors, "new_due_on", new_due_on)
    if new_due_on <= effective_due_on(application):
        errors.setdefault("new_due_on", []).append(
            _("Nowy termin musi być późniejszy niż obecny termin załatwienia.")
        )
    if not reason.strip():
        errors["reason"] = [_("Podaj przyczynę zwłoki.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return DelayNotice.objects.create(
        application=application, sent_on=sent_on, new_due_on=new_due_on, reason=reason, by=user
    )


@transaction.atomic
def appeal_register(*, user: User, decision: Decision, lodged_on: dt.date) -> Appeal:
    """Register an appeal lodged within 14 days of delivery of the decision, with the day by
    which it is to be forwarded to the SKO."""
    require_capability(user, Capability.PROCEEDING_MANAGE)
    require_case_access(user, decision.application.case)
    errors: dict[str, list[str]] = {}
    check_act(errors, "lodged_on", lodged_on)
    if decision.delivered_on is None:
        errors["decision"] = [_("Najpierw odnotuj doręczenie decyzji – od niego biegnie termin.")]
    else:
        last_day = add_days_kpa(decision.delivered_on, APPEAL_DAYS)
        if lodged_on < decision.delivered_on:
            errors["lodged_on"] = [_("Odwołanie nie może być wniesione przed doręczeniem decyzji.")]
        elif lodged_on > last_day:
            errors["lodged_on"] = [
                _("Odwołanie wniesiono po terminie: 14 dni od doręczenia upłynęło %(day)s.")
                % {"day": f"{last_day:%d.%m.%Y}"}
            ]
    if errors:
        raise ValidationFailed(fields=errors)
    return Appeal.objects.create(
        decision=decision,
        lodged_on=lodged_on,
        forward_due_on=appeal_forward_due_on(lodged_on),
        registered_by=user,
    )


@transaction.atomic
def appeal_forward(*, user: User, appeal: Appeal, forwarded_on: dt.date) -> Appeal:
    require_capability(user, Capability.PROCEEDING_MANAGE)
    require_case_access(user, appeal.decision.application.case)
    if appeal.forwarded_on is not None:
        raise Conflict(_("Odwołanie zostało już przekazane do SKO."), code="appeal_forwarded")
    errors: dict[str, list[str]] = {}
    check_act(errors, "forwarded_on", forwarded_on)
    if forwarded_on < appeal.lodged_on:
        errors.setdefault("forwarded_on", []).append(
            _("Przekazanie nie może być przed wniesieniem.")
        )
    if errors:
        raise ValidationFailed(fields=errors)
    appeal.forwarded_on = forwarded_on
    appeal.save(update_fields=["forwarded_on", "updated_at"])
    return appeal


@transaction.atomic
def appeal_decide(*, user: User, appeal: Appeal, outcome: str, outcome_on: dt.date) -> Appeal:
    require_capability(user, Capability.PROCEEDING_MANAGE)
    require_case_access(user, appeal.decision.application.case)
    if appeal.outcome != AppealOutcome.PENDING:
        raise Conflict(
            _("Rozstrzygnięcie odwołania zostało już odnotowane."), code="appeal_decided"
        )
    errors: dict[str, list[str]] = {}
    if outcome not in AppealOutcome.values or outcome == AppealOutcome.PENDING:
        errors["outcome"] = [_("Podaj rozstrzygnięcie odwołania.")]
    check_act(errors, "outcome_on", outcome_on)
    if outcome_on < appeal.lodged_on:
        errors.setdefault("outcome_on", []).append(
            _("Rozstrzygnięcie nie może być przed wniesieniem.")
        )
    if outcome != AppealOutcome.SELF_CORRECTED and appeal.forwarded_on is None:
        errors.setdefault("outcome", []).append(_("Odwołanie nie zostało przekazane do SKO."))
    if errors:
        raise ValidationFailed(fields=errors)
    appeal.outcome = outcome
    appeal.outcome_on = outcome_on
    appeal.save(update_fields=["outcome", "outcome_on", "updated_at"])
    return appeal
