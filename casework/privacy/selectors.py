"""Reads for the retention pages: rules, holds, the register and a case's retention status.

Nothing here returns personal data: cases are named by their register number only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

from casework.models import Case
from casework.privacy.models import (
    ErasureRecord,
    LegalHold,
    RecordType,
    RetentionRule,
    RetentionRun,
)
from opsplatform.errors import NotFound


def rule_list() -> list[RetentionRule]:
    """The rules in the order of ``RecordType`` (the case file first)."""
    order = {value: index for index, value in enumerate(RecordType.values)}
    return sorted(RetentionRule.objects.all(), key=lambda rule: order.get(rule.record_type, 99))


def rule_get(*, public_id: UUID) -> RetentionRule:
    rule = RetentionRule.objects.filter(public_id=public_id).first()
    if rule is None:
        raise NotFound("Nie znaleziono reguły retencji.")
    return rule


def case_get(*, public_id: UUID) -> Case:
    case = Case.objects.filter(public_id=public_id).first()
    if case is None:
        raise NotFound("Nie znaleziono sprawy.")
    return case


def case_by_number(number: str) -> Case | None:
    return Case.objects.filter(number=number.strip()).first()


def case_public_ids(case_ids: list[int]) -> list[tuple[int, UUID]]:
    return list(Case.objects.filter(id__in=case_ids).values_list("id", "public_id"))


def hold_list(*, active_only: bool = False) -> QuerySet[LegalHold]:
    holds = LegalHold.objects.select_related("case").order_by("-set_at", "-id")
    if active_only:
        holds = holds.filter(lifted_at__isnull=True)
    return holds


def run_list() -> QuerySet[RetentionRun]:
    return RetentionRun.objects.order_by("-started_at", "-id")


def records_of_runs(run_ids: list[int]) -> dict[int, list[ErasureRecord]]:
    grouped: dict[int, list[ErasureRecord]] = {run_id: [] for run_id in run_ids}
    for record in ErasureRecord.objects.filter(run_id__in=run_ids).order_by(
        "case_number", "model", "id"
    ):
        grouped[record.run_id].append(record)
    return grouped


@dataclass(frozen=True)
class CaseRetention:
    """What the case file shows about retention: the open hold, and the erasure if it happened."""

    case: Case
    hold: LegalHold | None
    erased_at: dt.datetime | None


def case_retention(case: Case) -> CaseRetention:
    hold = LegalHold.objects.filter(case=case, lifted_at__isnull=True).first()
    erased = (
        ErasureRecord.objects.filter(model="casework.case", case_id=case.id)
        .values_list("at", flat=True)
        .first()
    )
    return CaseRetention(case=case, hold=hold, erased_at=erased)
