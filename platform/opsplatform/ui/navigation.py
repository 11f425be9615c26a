"""The main menu, per host and role. One place decides which sections a user sees; each view still
checks access itself (hiding a link is not a permission)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tenants.accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    roles: frozenset[str] | None = None  # None: every role of the host


_CENTRE_MENU = (
    NavItem("home", _("Pulpit")),
    NavItem(
        "casework-ui:desk",
        _("Pierwszy kontakt"),
        frozenset({Role.FIRST_CONTACT, Role.MANAGER}),
    ),
    NavItem("casework-ui:case-list", _("Sprawy")),
    NavItem(
        "casework-ui:activity-log",
        _("Czas pracy"),
        frozenset(
            {
                Role.FIRST_CONTACT,
                Role.BENEFITS,
                Role.SOCIAL_WORKER,
                Role.SERVICES_COORDINATOR,
                Role.MANAGER,
            }
        ),
    ),
    NavItem("casework-ui:manager", _("Kierownik"), frozenset({Role.MANAGER})),
    NavItem(
        "casework-ui:access-log",
        _("Dziennik dostępu"),
        frozenset({Role.MANAGER, Role.AUDITOR}),
    ),
    NavItem("casework-ui:rodo", _("Wnioski RODO"), frozenset({Role.MANAGER, Role.AUDITOR})),
    NavItem("casework-ui:retention", _("Retencja"), frozenset({Role.MANAGER, Role.AUDITOR})),
    NavItem("benchmarking-ui:centre", _("Wskaźniki")),
)
_PORTAL_MENU = (
    NavItem("home", _("Start")),
    NavItem("benchmarking-portal:compare", _("Porównanie ośrodków")),
    NavItem("benchmarking-portal:exports", _("Eksporty"), frozenset({Role.MINISTRY_ANALYST})),
)


@dataclass(frozen=True)
class MenuEntry:
    url: str
    label: str
    current: bool


def menu_for(request: HttpRequest) -> list[MenuEntry]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    from opsplatform.schemas import current_schema

    items = _PORTAL_MENU if current_schema() == "public" else _CENTRE_MENU
    entries = []
    for item in items:
        if item.roles is not None and user.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # a section not installed on this host
        current = request.path == url if url == "/" else request.path.startswith(url)
        entries.append(MenuEntry(url=url, label=str(item.label), current=current))
    return entries


# Staff of a centre with data to look up (everyone but the portal's roles): the header's search.
_SEARCH_URL_NAME = "casework-ui:search"


def search_url_for(request: HttpRequest) -> str:
    """The header search's address for staff of a centre, "" elsewhere (the portal, the log-in
    page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    from opsplatform.schemas import current_schema

    if current_schema() == "public":
        return ""
    try:
        return reverse(_SEARCH_URL_NAME)
    except NoReverseMatch:
        return ""


def context(request: HttpRequest) -> dict[str, object]:
    return {"main_menu": menu_for(request), "header_search_url": search_url_for(request)}
