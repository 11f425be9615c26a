"""A manager or an auditor lists who accessed a person's data; nobody else may."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.casework.factories import api, household, person

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"


def test_access_log_lists_a_read_by_another_user_newest_first() -> None:
    subject = person(SLUG, last_name="Czytana")
    hh = household(SLUG, subject)
    api(SLUG, "socjalny").get(f"/api/people/{subject.public_id}/", REMOTE_ADDR="10.20.30.40")
    api(SLUG, "swiadczenia").get(f"/api/households/{hh.public_id}/")

    response = api(SLUG, "kierownik").get(f"/api/people/{subject.public_id}/access-log/")
    assert response.status_code == 200, response.content
    entries = response.json()["results"]
    # Newest first: the household read, the person read, then the writes that created them.
    household_read, person_read = entries[0], entries[1]
    assert (household_read["actor"], household_read["action"]) == ("swiadczenia", "read")
    assert household_read["object_type"] == "casework.household"
    assert household_read["household_id"] == str(hh.public_id)
    assert person_read == person_read | {
        "actor": "socjalny",
        "role": "social_worker",
        "role_label": "pracownik socjalny",
        "action": "read",
        "object_type": "casework.person",
        "object_id": str(subject.public_id),
        "ip": "10.20.30.40",
        "break_glass_reason": "",
    }
    assert {"create"} <= {e["action"] for e in entries[2:]}
    stamps = [e["at"] for e in entries]
    assert stamps == sorted(stamps, reverse=True)

    reads = api(SLUG, "audytor").get(f"/api/people/{subject.public_id}/access-log/?action=read")
    assert reads.status_code == 200
    actors = [e["actor"] for e in reads.json()["results"]]
    # The manager's look at the log is itself recorded, before the auditor's request.
    assert actors[:3] == ["kierownik", "swiadczenia", "socjalny"]


@pytest.mark.parametrize("username", ["socjalny", "pierwszy.kontakt", "swiadczenia", "uslugi"])
def test_access_log_is_forbidden_to_other_roles(username: str) -> None:
    subject = person(SLUG)
    response = api(SLUG, username).get(f"/api/people/{subject.public_id}/access-log/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed_audit_read"
    assert "dziennika dostępu" in response.json()["message"]


def test_access_log_of_an_unknown_person_is_404() -> None:
    response = api(SLUG, "kierownik").get(
        "/api/people/00000000-0000-0000-0000-000000000000/access-log/"
    )
    assert response.status_code == 404


def test_access_log_queries_do_not_grow_with_page_size() -> None:
    subject = person(SLUG, last_name="Często Czytana")
    household(SLUG, subject)
    reader = api(SLUG, "socjalny")
    for _ in range(12):
        reader.get(f"/api/people/{subject.public_id}/")
    client = api(SLUG, "audytor")
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/people/{subject.public_id}/access-log/?page_size={size}")
        assert response.status_code == 200, response.content
        assert response.json()["count"] >= 12
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
