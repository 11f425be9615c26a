"""Reads a document needs: the record with everything it shows, the signatory's post and the name
of the benefit. A document is built from these and nothing else."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db.models import Q

from casework.models import Decision, SocialContract
from casework.reference.selectors import benefit_type
from casework.selectors.cases import decision_list
from casework.selectors.lookup import get_or_404
from casework.selectors.socialwork import contract_get
from tenants.accounts.models import User
from tenants.org.models import StaffPosition


def decision_for_document(*, public_id: UUID | str) -> Decision:
    """The decision with its application, applicant, case, household, interview, issuer and
    authorisation (one query); NotFound for an unknown id."""
    decisions = decision_list().select_related("authorisation")
    return get_or_404(decisions, public_id, "Nie znaleziono decyzji.")


def contract_for_document(*, public_id: UUID | str) -> SocialContract:
    """The contract with its case, household, person, worker and reviews; NotFound if unknown."""
    return contract_get(public_id=public_id)


def post_held_on(*, worker: User, day: dt.date) -> StaffPosition | None:
    """The post ``worker`` held on ``day`` (the latest started, if several), for the job title
    under a signature."""
    return (
        StaffPosition.objects.filter(person_id=worker.pk, started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .order_by("-started_on", "-id")
        .first()
    )


def benefit_name(code: str) -> str:
    """The benefit's name in the national dictionary, else its code as stored."""
    kind = benefit_type(code)
    return kind.name if kind is not None else code
