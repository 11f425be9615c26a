"""Every paginated list of the casework API answers through ``CaseworkListApi``, whose final
``get`` pages the rows and records their reads: a new list cannot forget the audit, and a read of
each list writes one audit entry per listed record of a household's case file."""

from typing import Any

import pytest
from django.urls import resolve
from django_tenants.utils import schema_context

from casework.api.base import CaseworkListApi
from casework.api.cases import StaffListApi
from casework.api.deadlines import DeadlineListApi
from casework.api.projects import ProjectListApi
from casework.models import AuditEntry, Person, ServicePlan
from casework.models.audit import AuditAction
from tests.casework.factories import api

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"
SAMPLE_ID = "00000000-0000-0000-0000-000000000000"

# Lists of no household's data: their reads are not audited (``audited = False``).
UNAUDITED = {
    StaffListApi,  # the centre's staff accounts
    ProjectListApi,  # projects' names, dates and head counts; participants are in the detail
    DeadlineListApi,  # due dates and case numbers, not the case file's records
}


def _list_views() -> set[type[CaseworkListApi]]:
    found: set[type[CaseworkListApi]] = set()
    pending = [CaseworkListApi]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.add(sub)
            pending.append(sub)
    return found


def _paginated_list_paths() -> dict[str, type[Any]]:
    """Path → view of every GET in the centre's OpenAPI schema that answers a page of results."""
    schema = api(SLUG, "kierownik").get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    found: dict[str, type[Any]] = {}
    for path, operations in schema["paths"].items():
        content = operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        answer = components.get(ref.rsplit("/", 1)[-1], {})
        if "results" not in answer.get("properties", {}):
            continue
        match = resolve(_sample(path), urlconf="opsplatform.urls_tenant")
        if match.namespace == "casework-api":
            found[path] = match.func.view_class  # type: ignore[attr-defined]
    return found


def _sample(path: str) -> str:
    parts = [SAMPLE_ID if part.startswith("{") else part for part in path.split("/")]
    return "/".join(parts)


def test_every_paginated_list_goes_through_the_base() -> None:
    lists = _paginated_list_paths()
    assert len(lists) >= 17  # people … access log: the enumeration found the API's lists
    outside = {
        path: view.__name__ for path, view in lists.items() if not issubclass(view, CaseworkListApi)
    }
    assert outside == {}, "lists that answer without CaseworkListApi (and its audit)"
    # None overrides the final get (extend_schema_view only wraps it to hold the schema), so
    # none answers without the audit.
    overriding = [
        cls.__name__
        for cls in _list_views()
        if getattr(cls.get, "__wrapped__", cls.get) is not CaseworkListApi.get
    ]
    assert overriding == []
    assert {view for view in lists.values() if not view.audited} == UNAUDITED


def _urls() -> list[tuple[str, str]]:
    """(url, username) of each audited list, with the ids its path needs from the demo data."""
    with schema_context(SLUG):
        plan = ServicePlan.objects.filter(deliveries__isnull=False).order_by("id").first()
        logged = AuditEntry.objects.exclude(person_id="").order_by("id").first()
        subject = Person.objects.filter(public_id=logged.person_id).first() if logged else None
    assert plan is not None and subject is not None
    urls = []
    for path, view in sorted(_paginated_list_paths().items()):
        if not view.audited:
            continue
        url = path.replace("{plan_id}", str(plan.public_id))
        url = url.replace("{person_id}", str(subject.public_id))
        # A manager holds no case: the caseload is read as a social worker's.
        urls.append((url, "socjalny" if path == "/api/caseload/" else "kierownik"))
    return urls


def _reads(username: str) -> list[AuditEntry]:
    with schema_context(SLUG):
        return list(
            AuditEntry.objects.filter(actor_username=username, action=AuditAction.READ).order_by(
                "id"
            )
        )


def _audited_results(url: str, results: list[dict[str, Any]]) -> int:
    if url.endswith("/access-log/"):
        return 1  # reading a person's log is a read of the person
    if url.startswith("/api/activities/"):
        return sum(1 for entry in results if entry["household"])
    return len(results)


def test_a_list_read_writes_one_audit_entry_per_listed_record() -> None:
    checked = []
    for url, username in _urls():
        client = api(SLUG, username)
        before = {entry.pk for entry in _reads(username)}
        response = client.get(url, {"page_size": 3})
        assert response.status_code == 200, (url, response.content)
        results = response.json()["results"]
        assert results, f"{url}: the demo data lists nothing, the audit goes unchecked"
        new = [entry for entry in _reads(username) if entry.pk not in before]
        assert len(new) == _audited_results(url, results), url
        checked.append(url)
    assert len(checked) >= 14
