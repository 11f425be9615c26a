"""The audited person search of the manager's access log and of the RODO requests page: a PESEL
or a name, as you type (htmx) or with a plain GET, the first :data:`SEARCH_LIMIT` people found,
each shown with a link to the page the search leads to. The people listed are recorded as read
in the audit trail (the list shows their names and PESELs)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.audit import audit_reads
from casework.models import Person
from casework.selectors.people import person_search
from opsplatform.ui.access import is_htmx

SEARCH_LIMIT = 20
SEARCH_MIN_LENGTH = 2
# The results alone, for htmx (included by the search pages too).
RESULTS_TEMPLATE = "casework/ui/_person_results.html"
RESULTS_TARGET = "person-results"


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("PESEL, imię lub nazwisko"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


@dataclass(frozen=True)
class PersonLink:
    """A person found, with the link the search leads to."""

    person: Person
    url: str
    label: str


def audited_person_search(
    request: HttpRequest, *, link_to: str, link_label: str
) -> dict[str, object]:
    """The search's context: ``form``, ``query``, ``people`` (:class:`PersonLink` each, linking
    to the URL named ``link_to`` with the person's ``person_id``, labelled with the message
    ``link_label`` formatted with the person's ``name``), ``more`` and ``min_length``."""
    form = PersonSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    found: list[Person] = []
    if len(query) >= SEARCH_MIN_LENGTH:
        found = list(person_search(query=query)[: SEARCH_LIMIT + 1])
    more = len(found) > SEARCH_LIMIT
    found = found[:SEARCH_LIMIT]
    if found:
        audit_reads(found)  # the list shows names and PESELs
    people = [
        PersonLink(
            person=person,
            url=reverse(link_to, kwargs={"person_id": person.public_id}),
            label=gettext(link_label) % {"name": person},
        )
        for person in found
    ]
    return {
        "form": form,
        "query": query,
        "people": people,
        "more": more,
        "min_length": SEARCH_MIN_LENGTH,
    }


def results_only(request: HttpRequest) -> bool:
    """An htmx request for the results alone (typed into the search box)."""
    return is_htmx(request) and request.headers.get("HX-Target") == RESULTS_TARGET
