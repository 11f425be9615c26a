"""Reads of the audit trail: who accessed a person's data."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from casework.models import AuditEntry, HouseholdMember, Person
from casework.permissions import Capability, require_capability
from tenants.accounts.models import User


def person_access_log(*, user: User, person: Person, action: str = "") -> QuerySet[AuditEntry]:
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


# Records whose page names the case they belong to, by the path to its number.
_CASE_NUMBER_PATHS: dict[str, tuple[str, str]] = {
    "casework.case": ("Case", "number"),
    "casework.application": ("Application", "case__number"),
    "casework.familyinterview": ("FamilyInterview", "case__number"),
    "casework.decision": ("Decision", "application__case__number"),
    "casework.appeal": ("Appeal", "decision__application__case__number"),
    "casework.delaynotice": ("DelayNotice", "application__case__number"),
    "casework.socialcontract": ("SocialContract", "case__number"),
    "casework.individualprogramme": ("IndividualProgramme", "case__number"),
    "casework.serviceplan": ("ServicePlan", "case__number"),
    "casework.caseassignment": ("CaseAssignment", "case__number"),
    "casework.handover": ("Handover", "case__number"),
}


def audit_object_names(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], str]:
    """How people name the records a page of log entries points at: the case's number (for a
    case and everything of a case: "sprawa PIA/2024/0012"), a decision's number too, a person's
    name. One query per kind of record on the page; ids nobody can name are left out (the page
    shows the kind alone rather than a cut id)."""
    from django.apps import apps
    from django.utils.translation import gettext

    wanted: dict[str, set[str]] = {}
    for entry in entries:
        wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        valid = [i for i in ids if _is_uuid(i)]
        if not valid:
            continue
        if object_type == "casework.person":
            for person in Person.objects.filter(public_id__in=valid):
                names[(object_type, str(person.public_id))] = str(person)
            continue
        if object_type not in _CASE_NUMBER_PATHS:
            continue
        model_name, path = _CASE_NUMBER_PATHS[object_type]
        model = apps.get_model("casework", model_name)
        fields = ["public_id", path] + (["number"] if object_type == "casework.decision" else [])
        for row in model.objects.filter(public_id__in=valid).values(*fields):
            if object_type == "casework.decision" and row.get("number"):
                text = gettext("nr %(number)s, sprawa %(case)s") % {
                    "number": row["number"],
                    "case": row[path],
                }
            elif object_type == "casework.case":
                text = str(row[path])
            else:
                text = gettext("sprawa %(case)s") % {"case": row[path]}
            names[(object_type, str(row["public_id"]))] = text
    return names


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
