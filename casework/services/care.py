"""Care services: service plans and the hours actually delivered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from casework.models import Case, HouseholdMember, Person, ServiceDelivery, ServicePlan
from casework.models.care import FeeRule, ProviderKind, ServiceType
from casework.models.cases import CaseStatus
from casework.permissions import Capability, require_capability
from casework.visibility import require_case_access
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.plausible_dates import check_act, check_planned
from tenants.accounts.models import User

HOURS_IN_A_WEEK = Decimal(168)
HOURS_IN_A_DAY = Decimal(24)


@transaction.atomic
def service_plan_create(
    *,
    user: User,
    case: Case,
    recipient: Person,
    service_type: str,
    provider_kind: str,
    hours_per_week: Decimal,
    starts_on: dt.date,
    hourly_cost: Decimal,
    fee_rule: str,
    provider_name: str = "",
    ends_on: dt.date | None = None,
    fee_percent: Decimal | None = None,
) -> ServicePlan:
    """Plan care services for a current member of the case's household, coordinated by the user.
    A percentage fee needs ``fee_percent`` (0–100); the other fee rules take none."""
    require_capability(user, Capability.SERVICE_PLAN_MANAGE)
    require_case_access(user, case)
    if case.status != CaseStatus.OPEN:
        raise Conflict(
            _("Sprawa %(number)s jest zamknięta.") % {"number": case.number},
            fields={"case": [_("Sprawa jest zamknięta.")]},
            code="case_closed",
        )
    errors: dict[str, list[str]] = {}
    is_member = HouseholdMember.objects.filter(
        household_id=case.household_id, person=recipient, left_on__isnull=True
    ).exists()
    if not is_member:
        errors["recipient"] = [
            _("Osoba nie jest obecnie członkiem gospodarstwa domowego tej sprawy.")
        ]
    if service_type not in ServiceType.values:
        errors["service_type"] = [_("Nieznany rodzaj usług.")]
    if provider_kind not in ProviderKind.values:
        errors["provider_kind"] = [_("Nieznany rodzaj realizatora.")]
    elif provider_kind == ProviderKind.CONTRACTED and not provider_name.strip():
        errors["provider_name"] = [_("Podaj nazwę podmiotu, któremu zlecono usługi.")]
    if not Decimal(0) < hours_per_week <= HOURS_IN_A_WEEK:
        errors["hours_per_week"] = [
            _("Liczba godzin tygodniowo musi być większa od zera (do 168).")
        ]
    if hourly_cost < 0:
        errors["hourly_cost"] = [_("Koszt godziny nie może być ujemny.")]
    check_planned(errors, "starts_on", starts_on)
    check_planned(errors, "ends_on", ends_on)
    if ends_on is not None and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            _("Okres usług nie może kończyć się przed dniem rozpoczęcia.")
        )
    if fee_rule not in FeeRule.values:
        errors["fee_rule"] = [_("Nieznane zasady odpłatności.")]
    elif fee_rule == FeeRule.PERCENT:
        if fee_percent is None:
            errors["fee_percent"] = [_("Przy odpłatności procentowej podaj procent odpłatności.")]
        elif not Decimal(0) <= fee_percent <= Decimal(100):
            errors["fee_percent"] = [_("Procent odpłatności musi mieścić się w przedziale 0–100.")]
    elif fee_percent is not None:
        errors["fee_percent"] = [
            _("Procent odpłatności podaje się tylko przy odpłatności procentowej.")
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    return ServicePlan.objects.create(
        case=case,
        recipient=recipient,
        service_type=service_type,
        provider_kind=provider_kind,
        provider_name=provider_name.strip(),
        hours_per_week=hours_per_week,
        starts_on=starts_on,
        ends_on=ends_on,
        hourly_cost=hourly_cost,
        fee_rule=fee_rule,
        fee_percent=fee_percent,
        coordinator=user,
    )


def _already_recorded(day: dt.date) -> Conflict:
    return Conflict(
        _("Realizacja usług w dniu %(day)s jest już zapisana.") % {"day": f"{day:%d.%m.%Y}"},
        fields={"day": [_("Dla tego dnia zapisano już realizację – popraw istniejący wpis.")]},
        code="delivery_already_recorded",
    )


@transaction.atomic
def service_delivery_record(
    *, user: User, plan: ServicePlan, day: dt.date, hours: Decimal, carer: str = ""
) -> ServiceDelivery:
    """Record the hours delivered under ``plan`` on one day (one record per plan and day)."""
    require_capability(user, Capability.SERVICE_PLAN_MANAGE)
    require_case_access(user, plan.case)
    errors: dict[str, list[str]] = {}
    if day < plan.starts_on or (plan.ends_on is not None and day > plan.ends_on):
        start = f"{plan.starts_on:%d.%m.%Y}"
        if plan.ends_on is not None:
            errors["day"] = [
                _("Dzień musi przypadać w okresie usług (od %(start)s do %(end)s).")
                % {"start": start, "end": f"{plan.ends_on:%d.%m.%Y}"}
            ]
        else:
            errors["day"] = [
                _("Dzień musi przypadać w okresie usług (od %(start)s).") % {"start": start}
            ]
    check_act(errors, "day", day)
    if not Decimal(0) < hours <= HOURS_IN_A_DAY:
        errors["hours"] = [_("Liczba godzin w dniu musi być większa od zera i nie większa niż 24.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if ServiceDelivery.objects.filter(plan=plan, day=day).exists():
        raise _already_recorded(day)
    try:
        with transaction.atomic():
            return ServiceDelivery.objects.create(
                plan=plan, day=day, hours=hours, carer=carer.strip(), recorded_by=user
            )
    except IntegrityError as exc:  # recorded concurrently
        raise _already_recorded(day) from exc
