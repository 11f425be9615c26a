"""Reads of the audit trail: who accessed a person's data."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from casework.models import AuditEntry, HouseholdMember, Person
from casework.permissions import Capability, require_capability


def person_access_log(*, user: Any, person: Person, action: str = "") -> QuerySet[AuditEntry]:
    """Audit entries about ``person``: those naming the person, and those naming any household the
    person belongs or belonged to (a read of a household shows its members). Newest first.

    Household entries are included for the whole life of the household, also from before the
    person joined or after they left: the trail records households, not memberships, and showing
    more is the safe side for a data subject's access request. Managers and auditors only.
    """
    require_capability(user, Capability.AUDIT_READ)
    households = HouseholdMember.objects.filter(person=person).values(
        household_text=Cast("household__public_id", output_field=CharField())
    )
    entries = AuditEntry.objects.filter(
        Q(person_id=str(person.public_id)) | Q(household_id__in=households)
    )
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-at", "-seq")
