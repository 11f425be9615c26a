"""The manager's pages and the access log: the figures are the selectors' figures (caseloads as
``caseload_get`` counts them, time shares from ``activity_summary``, the overdue list from
``deadline_list``), who may open each page (403 with the reason otherwise), inline errors on a
bad period, htmx partials, and the access log recording that it was viewed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.calendar_days import working_days_between
from casework.models import AuditEntry, Case, FamilyInterview, Person
from casework.selectors.deadlines import Scope, caseload_get, deadline_list
from casework.selectors.manager import team_workloads
from casework.selectors.socialwork import activity_summary
from opsplatform.errors import NotAllowed
from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
NOT_MANAGERS = ("pierwszy.kontakt", "swiadczenia", "socjalny", "uslugi", "audytor")
NOT_AUDIT = ("pierwszy.kontakt", "swiadczenia", "socjalny", "uslugi")


def _user(username: str) -> Any:
    with schema_context(SLUG):
        return get_user_model().objects.get(username=username)


def _text(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- who may open what ---------------------------------------------------------------------------


def test_manager_pages_are_for_the_manager_only(centre_client: CentreClientFactory) -> None:
    for username in NOT_MANAGERS:
        client = centre_client.logged_in(SLUG, username)
        for url in ("/kierownik/", "/kierownik/terminy/"):
            response = client.get(url)
            assert response.status_code == 403, (username, url)
            assert "tylko dla kierownika" in response.content.decode()
    anonymous = centre_client(SLUG)
    assert anonymous.get("/kierownik/")["Location"].startswith("/konto/logowanie/")


def test_access_log_is_for_the_manager_and_the_auditor(
    centre_client: CentreClientFactory,
) -> None:
    with schema_context(SLUG):
        person = Person.objects.order_by("id").first()
        assert person is not None
    for username in ("kierownik", "audytor"):
        client = centre_client.logged_in(SLUG, username)
        assert client.get("/dziennik-dostepu/").status_code == 200
        assert client.get(f"/dziennik-dostepu/{person.public_id}/").status_code == 200
    for username in NOT_AUDIT:
        client = centre_client.logged_in(SLUG, username)
        for url in ("/dziennik-dostepu/", f"/dziennik-dostepu/{person.public_id}/",
                    f"/dziennik-dostepu/?q={person.last_name}"):  # fmt: skip
            response = client.get(url)
            assert response.status_code == 403, (username, url)
            assert "dziennika dostępu" in response.content.decode()
    with schema_context(SLUG):
        assert not AuditEntry.objects.filter(
            actor_username__in=NOT_AUDIT, person_id=str(person.public_id), action="read",
            at__gte=timezone.now() - dt.timedelta(minutes=5),
        ).exists()  # fmt: skip


def test_menu_links_reach_the_pages(centre_client: CentreClientFactory) -> None:
    html = centre_client.logged_in(SLUG, "kierownik").get("/kierownik/").content.decode()
    assert 'href="/kierownik/"' in html and 'href="/dziennik-dostepu/"' in html
    assert 'href="/kierownik/terminy/"' in html


# --- workloads -----------------------------------------------------------------------------------


def test_workloads_are_the_caseloads_the_api_counts(centre_client: CentreClientFactory) -> None:
    manager = _user("kierownik")
    response = centre_client.logged_in(SLUG, "kierownik").get("/kierownik/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    workloads = response.context["workloads"]
    assert workloads, "Daleszyce has teams with staff"
    checked = 0
    with schema_context(SLUG):
        for team in workloads:
            for load in team.workers:
                expected = caseload_get(user=manager, worker=load.worker).cases.count()
                assert load.open_cases == expected, load.worker.username
                assert f"{expected} / 50" in html
                checked += 1
            if team.team is not None:
                open_cases = (
                    Case.objects.filter(
                        status="open",
                        assignments__team=team.team,
                        assignments__ended_on__isnull=True,
                    )
                    .distinct()
                    .count()
                )
                assert team.open_cases == open_cases, team.team.code
    assert checked >= 3
    assert any(load.open_cases > 0 for team in workloads for load in team.workers)
    over = {
        load.worker.pk: load for team in workloads for load in team.workers if not load.within_norm
    }
    assert response.context["over_norm_count"] == len(over)


def test_worker_over_the_norm_is_flagged_in_words(
    centre_client: CentreClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker with more than 50 open cases is marked "ponad normę" in words, not colour only.
    (No demo worker is over the norm, so the page is given one.)"""
    from casework.selectors.manager import TeamLoad, WorkerLoad
    from casework.ui import manager as views

    with schema_context(SLUG):
        real = team_workloads(user=_user("kierownik"))
    team = next(t for t in real if t.team is not None and t.workers)
    busy = WorkerLoad(worker=team.workers[0].worker, job_title="starszy pracownik socjalny",
                      is_social_worker=True, open_cases=57)  # fmt: skip
    fake = [TeamLoad(team=team.team, workers=[busy], open_cases=57, unassigned_cases=3)]
    monkeypatch.setattr(views, "team_workloads", lambda user: fake)
    response = centre_client.logged_in(SLUG, "kierownik").get("/kierownik/")
    html = response.content.decode()
    assert 'class="badge badge-err">ponad normę' in html
    assert "57 / 50" in html and "114%" in html
    assert response.context["over_norm_count"] == 1 and response.context["queue_count"] == 3


def test_workloads_selector_refuses_others() -> None:
    with schema_context(SLUG), pytest.raises(NotAllowed):
        team_workloads(user=_user("socjalny"))


# --- time share of social work -------------------------------------------------------------------


def test_time_share_matches_the_activity_summary(centre_client: CentreClientFactory) -> None:
    today = timezone.localdate()
    start = today - dt.timedelta(days=120)
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get(f"/kierownik/?date_from={start.isoformat()}&date_to={today.isoformat()}")
    assert response.status_code == 200
    with schema_context(SLUG):
        summary = activity_summary(date_from=start, date_to=today)
    assert summary.total.total_minutes > 0, "the demo logs time every month"
    total = response.context["total"]
    share = summary.total.social_work_share
    assert share is not None
    expected = (share * 100).quantize(Decimal("0.1"))
    assert total.share_percent == expected
    text = _text(response)
    assert f"{str(expected).replace('.', ',')}%" in text
    rows = response.context["team_rows"]
    assert [row.workers for row in rows] == [team.workers for team in summary.teams]
    for row, team in zip(rows, summary.teams, strict=True):
        assert row.total_hours == (Decimal(team.time.total_minutes) / 60).quantize(Decimal("0.1"))
    assert len(response.context["worker_rows"]) == len(summary.workers)
    for worker in summary.workers:
        assert (worker.worker.get_full_name() or worker.worker.username) in text


def test_default_period_is_this_month(centre_client: CentreClientFactory) -> None:
    today = timezone.localdate()
    response = centre_client.logged_in(SLUG, "kierownik").get("/kierownik/")
    summary = response.context["summary"]
    assert summary.date_from == today.replace(day=1) and summary.date_to == today


def test_a_backwards_period_is_refused_inline(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get("/kierownik/?date_from=2024-05-10&date_to=2024-05-01")
    assert response.status_code == 200
    assert response.context["summary"] is None
    html = response.content.decode()
    assert "Koniec okresu nie może być przed jego początkiem." in html
    assert 'class="field has-error" id="field-date_to"' in html
    assert 'value="2024-05-10"' in html  # the input is kept
    response = client.get("/kierownik/?date_from=jutro&date_to=2024-05-01")
    assert response.status_code == 200 and response.context["summary"] is None
    assert "has-error" in response.content.decode()


def test_period_form_answers_htmx_with_the_section_alone(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get(
        "/kierownik/?date_from=2024-01-01&date_to=2024-03-31",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="time-share",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith("<section")
    assert 'id="time-share"' in html and "Obciążenie zespołów" not in html


# --- overdue list --------------------------------------------------------------------------------


@pytest.fixture
def overdue_interviews() -> list[str]:
    """Four family interviews of Daleszyce made overdue (not conducted, due ten days ago)."""
    today = timezone.localdate()
    with schema_context(SLUG):
        picked = list(
            FamilyInterview.objects.filter(conducted_on__isnull=False, decisions__isnull=True)
            .order_by("-id")
            .values_list("pk", flat=True)[:4]
        )
        assert len(picked) == 4
        FamilyInterview.objects.filter(pk__in=picked).update(
            conducted_on=None, due_on=today - dt.timedelta(days=10)
        )
        return list(
            FamilyInterview.objects.filter(pk__in=picked).values_list("case__number", flat=True)
        )


def test_overdue_list_is_the_centre_wide_deadline_list(
    centre_client: CentreClientFactory, overdue_interviews: list[str]
) -> None:
    today = timezone.localdate()
    manager = _user("kierownik")
    with schema_context(SLUG):
        rows = list(deadline_list(user=manager, scope=Scope.ALL, horizon=0, today=today))
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get("/kierownik/terminy/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len(rows)
    shown = response.context["rows"]
    assert [r.case_number for r in shown] == [r["d_case"] for r in rows[: len(shown)]]
    assert all(r.due_on <= today for r in shown)
    assert set(overdue_interviews) <= {r.case_number for r in shown}
    late = next(r for r in shown if r.case_number == overdue_interviews[0])
    assert late.working_days_late == working_days_between(late.due_on, today) > 0
    assert late.kind == "rodzinny wywiad środowiskowy"
    overview = client.get("/kierownik/")
    assert overview.context["overdue_count"] == len(rows)
    text = _text(response)
    first = shown[0]
    assert first.case_number in text and first.kind in text
    assert first.due_on.strftime("%d.%m.%Y") in text
    try:
        with schema_context(SLUG):
            case = Case.objects.get(number=first.case_number)
            url = reverse("casework-ui:case-detail", kwargs={"case_id": case.public_id})
    except NoReverseMatch:
        return
    assert f'href="{url}"' in response.content.decode()


def test_nothing_overdue_says_so(
    centre_client: CentreClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casework.ui import manager as views

    monkeypatch.setattr(views, "deadline_list", lambda **kwargs: deadline_list(**kwargs).none())
    response = centre_client.logged_in(SLUG, "kierownik").get("/kierownik/terminy/")
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    assert "Żaden termin nie minął" in response.content.decode()


def test_overdue_list_pages_cost_the_same(
    centre_client: CentreClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    overdue_interviews: list[str],
) -> None:
    from casework.ui import manager as views

    monkeypatch.setattr(views, "OVERDUE_PAGE_SIZE", 2)
    client = centre_client.logged_in(SLUG, "kierownik")
    with CaptureQueriesContext(connection) as first:
        response = client.get("/kierownik/terminy/")
    assert response.context["page"].paginator.num_pages >= 3
    assert 'rel="next"' in response.content.decode()
    with CaptureQueriesContext(connection) as second:
        response = client.get("/kierownik/terminy/?strona=2")
    assert response.status_code == 200 and response.context["page"].number == 2
    assert len(second) <= len(first) + 1


# --- access log ----------------------------------------------------------------------------------


def _person_with_history() -> Person:
    with schema_context(SLUG):
        person = Person.objects.exclude(pesel=None).order_by("-id").first()
        assert person is not None
        return person


def test_search_by_pesel_finds_the_person_and_is_audited(
    centre_client: CentreClientFactory,
) -> None:
    person = _person_with_history()
    client = centre_client.logged_in(SLUG, "audytor")
    response = client.get(f"/dziennik-dostepu/?q={person.pesel}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/dziennik-dostepu/{person.public_id}/"' in html
    assert f"PESEL {person.pesel}" in html
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            actor_username="audytor", action="read", object_type="casework.person",
            object_id=str(person.public_id),
        ).exists()  # fmt: skip


def test_search_by_name_as_you_type(centre_client: CentreClientFactory) -> None:
    person = _person_with_history()
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get(
        f"/dziennik-dostepu/?q={person.first_name} {person.last_name}",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="person-results",
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="person-results"' in html
    assert f"/dziennik-dostepu/{person.public_id}/" in html
    short = client.get("/dziennik-dostepu/?q=a")
    assert "Wpisz co najmniej 2 znaki." in short.content.decode()
    assert short.context["people"] == []
    nobody = client.get("/dziennik-dostepu/?q=Qwxzyk")
    assert "Nie znaleziono osoby" in nobody.content.decode()


def test_person_log_lists_who_accessed_what_and_records_the_viewing(
    centre_client: CentreClientFactory,
) -> None:
    person = _person_with_history()
    # Someone reads the person's data through the API first, so there is a read to show.
    from tests.casework.factories import api

    assert api(SLUG, "socjalny").get(f"/api/people/{person.public_id}/").status_code == 200
    client = centre_client.logged_in(SLUG, "kierownik")
    with schema_context(SLUG):
        before = AuditEntry.objects.filter(
            actor_username="kierownik", object_id=str(person.public_id), action="read"
        ).count()
    response = client.get(f"/dziennik-dostepu/{person.public_id}/")
    assert response.status_code == 200
    text = _text(response)
    assert str(person) in text and str(person.pesel) in text
    rows = response.context["rows"]
    assert rows, "the API read above is in the log"
    first = rows[0]
    assert first.username == "socjalny" and first.action == "odczyt"
    assert first.role == "pracownik socjalny" and first.what == "dane osobowe"
    socjalny = _user("socjalny")
    assert first.actor == socjalny.get_full_name()
    assert socjalny.get_full_name() in text and "dane osobowe" in text
    with schema_context(SLUG):
        after = AuditEntry.objects.filter(
            actor_username="kierownik", object_id=str(person.public_id), action="read"
        ).count()
    assert after == before + 1
    # the viewing itself is in the log from the next look on
    again = client.get(f"/dziennik-dostepu/{person.public_id}/")
    assert again.context["rows"][0].username == "kierownik"
    assert again.context["page"].paginator.count == response.context["page"].paginator.count + 1


def test_person_log_filters_by_kind_of_access(centre_client: CentreClientFactory) -> None:
    person = _person_with_history()
    client = centre_client.logged_in(SLUG, "audytor")
    client.get(f"/dziennik-dostepu/{person.public_id}/")  # leaves a read in the log
    response = client.get(f"/dziennik-dostepu/{person.public_id}/?action=read")
    rows = response.context["rows"]
    assert rows and all(row.action_code == "read" for row in rows)
    response = client.get(f"/dziennik-dostepu/{person.public_id}/?action=create")
    assert all(row.action_code == "create" for row in response.context["rows"])
    # an unknown value is shown as an error on the filter and the whole log is listed
    response = client.get(f"/dziennik-dostepu/{person.public_id}/?action=steal")
    assert response.status_code == 200 and response.context["action"] == ""
    assert "has-error" in response.content.decode()


def test_person_log_unknown_person_is_404(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    assert client.get(f"/dziennik-dostepu/{uuid4()}/").status_code == 404


def test_person_log_pages_cost_the_same(
    centre_client: CentreClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casework.ui import manager as views

    person = _person_with_history()
    monkeypatch.setattr(views, "LOG_PAGE_SIZE", 3)
    client = centre_client.logged_in(SLUG, "kierownik")
    for _ in range(7):  # each viewing adds a read by the manager
        client.get(f"/dziennik-dostepu/{person.public_id}/")
    with CaptureQueriesContext(connection) as first:
        response = client.get(f"/dziennik-dostepu/{person.public_id}/")
    assert response.context["page"].paginator.num_pages >= 3
    with CaptureQueriesContext(connection) as second:
        response = client.get(f"/dziennik-dostepu/{person.public_id}/?strona=2")
    assert response.context["page"].number == 2 and len(response.context["rows"]) == 3
    assert 'rel="prev"' in response.content.decode() and 'rel="next"' in response.content.decode()
    assert len(second) == len(first)


def test_reading_a_decision_shows_in_the_applicants_log_with_a_link(
    centre_client: CentreClientFactory,
) -> None:
    from casework.models import Decision

    with schema_context(SLUG):
        decision = Decision.objects.select_related("application__applicant").first()
        assert decision is not None
        applicant = decision.application.applicant
    reader = centre_client.logged_in(SLUG, "swiadczenia")
    assert reader.get(f"/decyzje/{decision.public_id}/pdf/").status_code == 200
    response = centre_client.logged_in(SLUG, "audytor").get(
        f"/dziennik-dostepu/{applicant.public_id}/?action=read"
    )
    first = response.context["rows"][0]
    assert first.username == "swiadczenia" and first.what == "decyzja"
    assert first.object_url == f"/decyzje/{decision.public_id}/druk/"
    assert f'href="/decyzje/{decision.public_id}/druk/"' in response.content.decode()


def test_person_log_names_records_by_case_number_and_people_by_name(
    centre_client: CentreClientFactory,
) -> None:
    """The log's "what" reads "decyzja – nr …, sprawa …", not a cut id, and the
    reader is named without their user name in brackets."""
    from casework.models import Decision

    with schema_context(SLUG):
        decision = (
            Decision.objects.select_related("application__applicant", "application__case")
            .exclude(number="")
            .first()
        )
        assert decision is not None
        applicant = decision.application.applicant
        case_number = decision.application.case.number
    reader = centre_client.logged_in(SLUG, "swiadczenia")
    assert reader.get(f"/decyzje/{decision.public_id}/pdf/").status_code == 200
    response = centre_client.logged_in(SLUG, "audytor").get(
        f"/dziennik-dostepu/{applicant.public_id}/?action=read"
    )
    first = response.context["rows"][0]
    assert first.object_name == f"nr {decision.number}, sprawa {case_number}"
    html = response.content.decode()
    assert f"decyzja – nr {decision.number}, sprawa {case_number}" in html
    assert str(decision.public_id)[:8] not in html.replace(f"/decyzje/{decision.public_id}/", "")
    assert "(swiadczenia)" not in html
