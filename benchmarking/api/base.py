"""Shared pieces of the benchmarking API: who may call it and how a release is wrapped."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from benchmarking.comparisons import disclosure_settings_json
from benchmarking.disclosure import gate_stamp
from opsplatform.errors import NotAllowed
from tenants.accounts.models import User
from tenants.accounts.roles import PORTAL_ROLES, STAFF_ROLES, Role


class BenchmarkApiView(APIView):
    """A benchmarking endpoint. ``releases_aggregates`` marks the views whose answers carry
    aggregates of casework: each of them must build its answer through the disclosure gate, and a
    test enumerates the URL configuration to check every such view does (and that no other view
    returns figures)."""

    releases_aggregates: ClassVar[bool] = True


def account(request: Request) -> User:
    """The authenticated account (every benchmarking view requires one)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAllowed("Zaloguj się.", code="not_authenticated")
    return user


def with_disclosure(payload: dict[str, Any]) -> dict[str, Any]:
    return {"disclosure": gate_stamp() | disclosure_settings_json(), **payload}


class IsCentreStaff(BasePermission):
    message = "Wskaźniki ośrodka widzą tylko jego pracownicy."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return isinstance(user, User) and user.role in STAFF_ROLES


class IsPortalUser(BasePermission):
    message = "Ta część jest dla koordynatorów regionalnych i analityków ministerstwa."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return isinstance(user, User) and user.role in PORTAL_ROLES


def require_coordinator(request: Request) -> None:
    if account(request).role != Role.REGIONAL_COORDINATOR:
        raise NotAllowed(
            "Dane nazwanych ośrodków widzą tylko koordynatorzy regionalni swoich województw; "
            "ministerstwo otrzymuje zestawienia zbiorcze.",
            code="named_centres_not_allowed",
        )


def require_analyst(request: Request) -> None:
    if account(request).role != Role.MINISTRY_ANALYST:
        raise NotAllowed(
            "Eksporty dla ministerstwa zamawiają analitycy ministerstwa.",
            code="analyst_only",
        )
