"""The header's search (``/szukaj/?q=``): a case by its number, a person by PESEL or name, from
any page. It lists only what the user may see (``casework.visibility``: the households of the
user's cases, team and break-glass grants; everyone for the manager and the auditor), records
the lists as read, and goes straight to the case file when the query is one case's number."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from casework.permissions import Capability, has_capability
from casework.selectors.cases import case_search, open_case_ids_of_people
from casework.selectors.deadlines import Scope
from casework.selectors.people import person_search_for
from casework.ui.refusals import require
from casework.visibility import audit_list_reads
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required
from tenants.accounts.models import User

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 10


def _desk_url(user: User, person_public_id: UUID) -> str:
    """The desk with the person chosen, for the roles that register visits."""
    if not has_capability(user, Capability.INTAKE_REGISTER):
        return ""
    try:
        return f"{reverse('casework-ui:desk')}?person={person_public_id}"
    except NoReverseMatch:
        return ""


@staff_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Capability.READ)
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {"header_query": query, "query": query, "searched": False}
    if len(query) < SEARCH_MIN_LENGTH:
        context["too_short"] = bool(query)
        return render(request, "casework/ui/search.html", context)
    with domain_errors_as_http():
        found = case_search(user=user, query=query, scope=Scope.ALL)
        cases = list(found[: SEARCH_LIMIT + 1])
        exact = [c for c in cases if c.number.casefold() == query.casefold()]
        if len(exact) == 1:
            audit_list_reads(user, exact)
            return redirect("casework-ui:case-detail", case_id=exact[0].public_id)
        people = list(
            person_search_for(user=user, query=query).order_by("last_name", "id")[
                : SEARCH_LIMIT + 1
            ]
        )
        audit_list_reads(user, cases[:SEARCH_LIMIT])
        audit_list_reads(user, people[:SEARCH_LIMIT])
        open_cases = open_case_ids_of_people(people=people[:SEARCH_LIMIT], user=user)
    context.update(
        searched=True,
        cases=cases[:SEARCH_LIMIT],
        more_cases=len(cases) > SEARCH_LIMIT,
        people=[
            (person, open_cases.get(person.pk), _desk_url(user, person.public_id))
            for person in people[:SEARCH_LIMIT]
        ],
        more_people=len(people) > SEARCH_LIMIT,
        case_list_url=reverse("casework-ui:case-list")
        + "?"
        + urlencode({"q": query, "status": "any"}),
    )
    return render(request, "casework/ui/search.html", context)
