"""Reads of the centre registry and of a centre's org structure."""

from __future__ import annotations

from typing import cast

from django.db.models import Count, Q, QuerySet, Sum

from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.org.models import Team


def centre_list() -> QuerySet[Centre]:
    # Centre derives from django-tenants' untyped mixin, so its manager is untyped: cast it back.
    centres = cast(QuerySet[Centre], Centre.objects.all())
    return centres.select_related("programme").prefetch_related("domains").order_by("slug")


def centre_list_for_portal_user(*, user: object) -> QuerySet[Centre]:
    """Centres a portal user may see named: a coordinator's own voivodeships; none for others.

    The ministry sees aggregates only, never a named centre list.
    """
    role = getattr(user, "role", "")
    if role != Role.REGIONAL_COORDINATOR:
        return centre_list().none()
    voivodeships = list(getattr(user, "voivodeships", []))
    return centre_list().filter(voivodeship__in=voivodeships)


def team_list_with_staffing() -> QuerySet[Team]:
    """The current schema's units, each with its number of positions and social-worker FTE."""
    return (
        Team.objects.select_related("parent")
        .annotate(
            position_count=Count("positions", filter=Q(positions__ended_on__isnull=True)),
            social_worker_fte=Sum(
                "positions__fte",
                filter=Q(positions__ended_on__isnull=True, positions__is_social_worker=True),
            ),
        )
        .order_by("order", "name")
    )
