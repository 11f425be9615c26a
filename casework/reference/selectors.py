"""Lookups in the dated national dictionaries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from casework.reference.models import AssistanceReason, BenefitType, IncomeCriterion


def reasons_valid_on(day: dt.date) -> QuerySet[AssistanceReason]:
    return AssistanceReason.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day
    ).order_by("order")


def invalid_reason_codes(codes: list[str], day: dt.date) -> list[str]:
    """The codes that are not art. 7 reasons in force on ``day``."""
    valid = set(reasons_valid_on(day).values_list("code", flat=True))
    return [code for code in codes if code not in valid]


def income_criterion_on(day: dt.date) -> IncomeCriterion | None:
    return IncomeCriterion.objects.filter(valid_from__lte=day).order_by("-valid_from").first()


def benefit_types() -> QuerySet[BenefitType]:
    return BenefitType.objects.order_by("order")


def benefit_type(code: str) -> BenefitType | None:
    return BenefitType.objects.filter(code=code).first()
