"""The case file: the household and its current data, the case's state and assignments, one
timeline of everything across the household's cases (each kind of event the demo data holds), links
to the printable decision, the audit of the read, and a page whose cost does not grow with the
length of the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Exists, OuterRef, QuerySet
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    AuditEntry,
    Case,
    CaseAssignment,
    ContractReview,
    Decision,
    DelayNotice,
    FamilyInterview,
    Handover,
    IndividualProgramme,
    Intake,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.selectors.case_file import case_file_get
from casework.selectors.timeline import EntryKind, group_by_day
from casework.services.cases import case_close, case_handover, case_open
from casework.services.intake import intake_register
from casework.services.proceedings import delay_notice_send
from casework.visibility import households_q
from tenants.org.models import Team
from tests.casework.factories import user
from tests.casework.ui.test_proceedings_forms import (
    SLUG,
    family_case,
    issued_decision,
    lodged_appeal,
    page,
    pending_application,
    today,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def benefits(centre_client: Any) -> Client:
    return centre_client.logged_in(SLUG, "swiadczenia")


def test_case_file_shows_household_case_and_assignments(benefits: Client) -> None:
    opened, head = family_case("Aktowa")
    html = page(benefits, opened)
    assert html.count("<h1") == 1
    assert f"<h1>Sprawa {opened.number}</h1>" in html
    assert f"{head.first_name} {head.last_name}" in html
    assert str(head.pesel) in html
    assert "osoba prowadząca gospodarstwo" in html
    assert "sprawa otwarta" in html
    assert "świadczenia przyznawane decyzją:" in html  # the assignment's function
    assert user(SLUG, "swiadczenia").get_full_name() in html
    assert "Kryterium dochodowe" in html
    assert "Historia gospodarstwa" in html


def test_timeline_is_newest_first_and_grouped_by_day(benefits: Client) -> None:
    opened, head = family_case("Chronologiczna")
    lodged_appeal(opened, head, forwarded=True)
    html = page(benefits, opened)
    days = [(today() - dt.timedelta(days=n)).strftime("%Y-%m-%d") for n in (2, 3, 5, 6, 8, 10, 20)]
    positions = [html.index(f'<time datetime="{day}">') for day in days]
    assert positions == sorted(positions), "days from the newest"
    for label in (
        "Odwołanie przekazane do SKO",
        "Odwołanie",
        "Doręczenie decyzji",
        "Decyzja",
        "Wywiad środowiskowy przeprowadzony",
        "Wniosek",
        "Otwarcie sprawy",
    ):
        assert f'<span class="kind">{label}</span>' in html, label


def test_decision_entry_links_to_its_documents(benefits: Client) -> None:
    opened, head = family_case("Dokumentowa")
    decision = issued_decision(opened, head)
    html = page(benefits, opened)
    try:
        pdf = reverse(
            "casework-ui:decision-pdf",
            kwargs={"decision_id": decision.public_id},
            urlconf="opsplatform.urls_tenant",
        )
        printable = reverse(
            "casework-ui:decision-print",
            kwargs={"decision_id": decision.public_id},
            urlconf="opsplatform.urls_tenant",
        )
    except NoReverseMatch:
        pytest.skip("the documents pages are not installed")
    assert f'href="{pdf}"' in html
    assert f'href="{printable}"' in html
    assert f"Decyzja nr {decision.number} – PDF" in html


def test_timeline_spans_the_households_earlier_cases(benefits: Client) -> None:
    old_case, _head = family_case("Wielosprawowa")
    manager = user(SLUG, "kierownik")
    with schema_context(SLUG):
        case_close(
            user=manager,
            case=old_case,
            closed_on=today() - dt.timedelta(days=5),
            reason="Poprawa sytuacji materialnej.",
        )
        new_case = case_open(user=manager, household=old_case.household, opened_on=today())
    html = page(benefits, new_case)
    assert "Zamknięcie sprawy" in html and "Poprawa sytuacji materialnej." in html
    assert f"sprawa {old_case.number}" in html  # an entry of the other case says so
    assert url("case-detail", old_case) in html  # and the other case is linked


def test_reading_the_file_is_audited(benefits: Client) -> None:
    opened, _head = family_case("Audytowana")
    with schema_context(SLUG):
        before = AuditEntry.objects.filter(
            action="read", object_id=str(opened.public_id), actor_username="swiadczenia"
        ).count()
    page(benefits, opened)
    with schema_context(SLUG):
        after = AuditEntry.objects.filter(
            action="read", object_id=str(opened.public_id), actor_username="swiadczenia"
        ).count()
    assert after == before + 1


def test_auditor_reads_the_file_without_forms(centre_client: Any) -> None:
    opened, head = family_case("Czytana")
    pending_application(opened, head)
    html = page(centre_client.logged_in(SLUG, "audytor"), opened)
    assert "wnosi o: zasiłek okresowy" in html
    assert 'action="' + url("case-application", opened) not in html
    assert 'action="' + url("case-close", opened) not in html


def test_long_history_is_cut_with_a_link_to_all(benefits: Client) -> None:
    opened, _head = family_case("Długa")
    manager = user(SLUG, "kierownik")
    with schema_context(SLUG):
        for n in range(160):
            intake_register(
                user=manager,
                channel="phone",
                reporter_kind="self",
                reasons=["ubostwo"],
                household=opened.household,
                arrived_at=timezone.now() - dt.timedelta(hours=n + 1),
            )
    html = page(benefits, opened)
    assert html.count('class="tl-entry') == 150
    assert "?historia=cala" in html
    whole = benefits.get(url("case-detail", opened) + "?historia=cala").content.decode()
    assert whole.count('class="tl-entry') > 160


# --- the cost of the page ----------------------------------------------------------------------


def _add_history(opened: Any, head: Any, rounds: int, start: int = 0) -> None:
    """Events of every kind the file's own selector reads, ``rounds`` times."""
    manager = user(SLUG, "kierownik")
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        social_team = Team.objects.get(functions__contains=["social_work"])
        benefit_team = Team.objects.get(functions__contains=["benefits"])
        plan = ServicePlan.objects.get(case=opened)
    for n in range(start, start + rounds):
        lodged_appeal(opened, head, forwarded=True)
        with schema_context(SLUG):
            intake_register(
                user=manager,
                channel="visit",
                reporter_kind="self",
                reasons=["ubostwo"],
                household=opened.household,
                arrived_at=timezone.now() - dt.timedelta(days=n, hours=2),
            )
            application = pending_application(opened, head, days_ago=2)
            delay_notice_send(
                user=worker,
                application=application,
                sent_on=today(),
                new_due_on=application.decision_due_on + dt.timedelta(days=30),
                reason="Zwłoka.",
            )
            for team in (social_team, benefit_team):
                case_handover(user=manager, case=opened, to_team=team, reason=f"Zmiana {n}.")
            ActivityEntry.objects.create(
                worker=worker,
                day=today() - dt.timedelta(days=40 * n),
                minutes=30,
                category="social_work",
                household=opened.household,
            )
            ServiceDelivery.objects.create(
                plan=plan,
                day=today() - dt.timedelta(days=35 * n + 1),
                hours=Decimal("2"),
                recorded_by=manager,
            )


def _plan(opened: Any, head: Any) -> None:
    with schema_context(SLUG):
        ServicePlan.objects.create(
            case=opened,
            recipient=head,
            service_type="uslugi-opiekuncze",
            provider_kind="in_house",
            hours_per_week=Decimal("10"),
            starts_on=today() - dt.timedelta(days=400),
            hourly_cost=Decimal("30"),
            fee_rule="free",
            coordinator=user(SLUG, "uslugi"),
        )


CASE_FILE_MAX_QUERIES = 25  # the case file's first screen, whatever the history


def _counted(queries: list[dict[str, Any]]) -> int:
    """Every statement, as `make perf` counts them: a test's SAVEPOINT and RELEASE stand where
    a request outside a test sends BEGIN and COMMIT."""
    return len(queries)


def test_page_queries_do_not_grow_with_the_timeline(
    benefits: Client, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    """The first screen costs at most 25 queries and the same with a long history; the history's
    parts (htmx) and the whole history cost the same however long it is."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    opened, head = family_case("Zliczana")
    _plan(opened, head)
    _add_history(opened, head, 1)
    detail = url("case-detail", opened)
    history = url("case-history", opened)
    with CaptureQueriesContext(connection) as short:
        assert benefits.get(detail).status_code == 200
    with CaptureQueriesContext(connection) as short_history:
        assert benefits.get(history, HTTP_HX_REQUEST="true").status_code == 200
    with CaptureQueriesContext(connection) as short_whole:
        assert benefits.get(detail + "?historia=cala").status_code == 200
    with schema_context(SLUG):
        short_file = case_file_get(public_id=opened.public_id, limit=None)
    short_entries = sum(len(d.entries) for d in short_file.timeline)
    _add_history(opened, head, 4, start=1)
    with schema_context(SLUG):
        long_file = case_file_get(public_id=opened.public_id, limit=None)
    assert sum(len(d.entries) for d in long_file.timeline) > 3 * short_entries
    assert _counted(short.captured_queries) <= CASE_FILE_MAX_QUERIES
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = benefits.get(detail)
    assert response.status_code == 200
    with django_assert_max_num_queries(len(short_history.captured_queries)):
        response = benefits.get(history + "?od=25", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with django_assert_max_num_queries(len(short_whole.captured_queries)):
        response = benefits.get(detail + "?historia=cala")
    assert response.status_code == 200


def test_a_short_and_a_long_history_cost_the_same_queries(benefits: Client) -> None:
    """Two households, one with a history five times the other's: their case files' first
    screens send the same number of statements, and so do the first parts of their histories."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, tuple[int, int, int]] = {}
    for name, rounds in (("Krótka", 1), ("Długa", 5)):
        opened, head = family_case(name)
        _plan(opened, head)
        _add_history(opened, head, rounds)
        benefits.get(url("case-detail", opened))  # the session's first read of the case
        with CaptureQueriesContext(connection) as page:
            assert benefits.get(url("case-detail", opened)).status_code == 200
        with CaptureQueriesContext(connection) as history:
            response = benefits.get(url("case-history", opened), HTTP_HX_REQUEST="true")
            assert response.status_code == 200
        with schema_context(SLUG):
            entries = case_file_get(public_id=opened.public_id, limit=None).timeline_total
        counts[name] = (len(page.captured_queries), len(history.captured_queries), entries)
    assert counts["Długa"][2] > 3 * counts["Krótka"][2]  # the long history is long
    assert counts["Krótka"][0] <= CASE_FILE_MAX_QUERIES
    assert counts["Długa"][:2] == counts["Krótka"][:2]


def test_manager_case_file_of_a_long_history_within_the_query_budget(
    centre_client: Any, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    """The manager sees every form of the file (the most queries); still at most 25."""
    opened, head = family_case("Kierownicza")
    _plan(opened, head)
    _add_history(opened, head, 3)
    manager = centre_client.logged_in(SLUG, "kierownik")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = manager.get(url("case-detail", opened))
    assert response.status_code == 200
    assert _counted(queries.captured_queries) <= CASE_FILE_MAX_QUERIES


def test_history_comes_in_parts_with_show_more(benefits: Client) -> None:
    opened, _head = family_case("Porcjowana")
    manager = user(SLUG, "kierownik")
    with schema_context(SLUG):
        for n in range(40):
            intake_register(
                user=manager,
                channel="phone",
                reporter_kind="self",
                reasons=["ubostwo"],
                household=opened.household,
                arrived_at=timezone.now() - dt.timedelta(hours=n + 1),
            )
    html = benefits.get(url("case-detail", opened)).content.decode()
    assert 'class="tl-entry' not in html  # asked for once the page is shown
    assert f'hx-get="{url("case-history", opened)}"' in html
    assert "?historia=tak" in html  # and without JavaScript, a link to it
    first = benefits.get(url("case-history", opened), HTTP_HX_REQUEST="true").content.decode()
    assert first.count('class="tl-entry') == 25
    assert "?od=25" in first and "Pokaż starsze wpisy" in first
    rest = benefits.get(
        url("case-history", opened) + "?od=25", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert rest.count('class="tl-entry') >= 16
    assert "Pokaż starsze wpisy" not in rest  # nothing left


# --- every kind of event, from the demo data ----------------------------------------------

Finder = Callable[[], QuerySet[Any]]


def _case_ids(model: Any, path: str, **filters: Any) -> QuerySet[Any]:
    return model.objects.filter(**filters, **{f"{path}__isnull": False}).values_list(
        path, flat=True
    )


FINDERS: dict[EntryKind, Finder] = {
    EntryKind.INTAKE: lambda: _case_ids(Intake, "case__public_id", case__isnull=False),
    EntryKind.CASE_OPENED: lambda: _case_ids(Case, "public_id"),
    EntryKind.CASE_CLOSED: lambda: _case_ids(Case, "public_id", status="closed"),
    EntryKind.HANDOVER: lambda: _case_ids(Handover, "case__public_id"),
    EntryKind.ASSIGNMENT: lambda: CaseAssignment.objects.filter(
        ~Exists(Handover.objects.filter(case=OuterRef("case")))
    ).values_list("case__public_id", flat=True),
    EntryKind.APPLICATION: lambda: _case_ids(Case, "public_id", applications__isnull=False),
    EntryKind.DELAY_NOTICE: lambda: _case_ids(DelayNotice, "application__case__public_id"),
    EntryKind.INTERVIEW_PLANNED: lambda: _case_ids(
        FamilyInterview, "case__public_id", conducted_on__isnull=True
    ),
    EntryKind.INTERVIEW_DONE: lambda: _case_ids(
        FamilyInterview, "case__public_id", conducted_on__isnull=False
    ),
    EntryKind.DECISION: lambda: _case_ids(Decision, "application__case__public_id"),
    EntryKind.DECISION_DELIVERED: lambda: _case_ids(
        Decision, "application__case__public_id", delivered_on__isnull=False
    ),
    EntryKind.APPEAL: lambda: _case_ids(Appeal, "decision__application__case__public_id"),
    EntryKind.APPEAL_FORWARDED: lambda: _case_ids(
        Appeal, "decision__application__case__public_id", forwarded_on__isnull=False
    ),
    EntryKind.APPEAL_DECIDED: lambda: _case_ids(
        Appeal, "decision__application__case__public_id", outcome_on__isnull=False
    ),
    EntryKind.CONTRACT: lambda: _case_ids(SocialContract, "case__public_id"),
    EntryKind.CONTRACT_REVIEW: lambda: _case_ids(
        ContractReview, "contract__case__public_id", done_on__isnull=False
    ),
    EntryKind.CONTRACT_CLOSED: lambda: _case_ids(
        SocialContract, "case__public_id", closed_on__isnull=False
    ),
    EntryKind.PROGRAMME: lambda: _case_ids(IndividualProgramme, "case__public_id"),
    EntryKind.PROGRAMME_ENDED: lambda: _case_ids(
        IndividualProgramme,
        "case__public_id",
        status__in=["completed", "discontinued"],
        ends_on__lte=today(),
    ),
    EntryKind.PROJECT_JOINED: lambda: _case_ids(
        ProjectParticipation, "person__memberships__household__cases__public_id"
    ),
    EntryKind.PROJECT_LEFT: lambda: _case_ids(
        ProjectParticipation,
        "person__memberships__household__cases__public_id",
        left_on__lte=today(),
    ),
    EntryKind.SERVICE_PLAN: lambda: _case_ids(ServicePlan, "case__public_id"),
    EntryKind.SERVICE_DELIVERIES: lambda: _case_ids(ServiceDelivery, "plan__case__public_id"),
    EntryKind.SERVICE_PLAN_ENDED: lambda: _case_ids(
        ServicePlan, "case__public_id", ends_on__lte=today()
    ),
    EntryKind.ACTIVITY: lambda: _case_ids(ActivityEntry, "household__cases__public_id"),
}


def test_every_kind_has_a_finder() -> None:
    assert set(FINDERS) == set(EntryKind)


@pytest.mark.parametrize("kind", list(EntryKind), ids=lambda k: str(k))
def test_timeline_holds_each_kind_of_demo_event(kind: EntryKind) -> None:
    with schema_context(SLUG):
        found = FINDERS[kind]().first()
        assert found is not None, f"the demo data of {SLUG} has no {kind}"
        file = case_file_get(public_id=found, limit=None)
    assert kind in file.kinds


def test_demo_case_page_names_its_events(benefits: Client) -> None:
    """One long-served demo household's page, with the label of every kind it holds (one the
    benefits worker's scope includes)."""
    with schema_context(SLUG):
        busiest = (
            SocialContract.objects.filter(
                closed_on__isnull=False, case__applications__decisions__appeals__isnull=False
            )
            .filter(households_q(user(SLUG, "swiadczenia"), "case__household"))
            .values_list("case__public_id", flat=True)
            .first()
        )
        assert busiest is not None
        file = case_file_get(public_id=busiest, limit=None)
    html = benefits.get(url("case-detail", case_id=busiest) + "?historia=cala").content.decode()
    assert len(file.kinds) >= 8
    for kind in file.kinds:
        entry = next(e for day in file.timeline for e in day.entries if e.kind == kind)
        assert f'<span class="kind">{entry.label}</span>' in html, kind


def test_group_by_day_keeps_the_order() -> None:
    with schema_context(SLUG):
        found = FINDERS[EntryKind.DECISION]().first()
        assert found is not None
        file = case_file_get(public_id=found, limit=None)
    entries = [e for day in file.timeline for e in day.entries]
    assert [d.day for d in group_by_day(entries)] == [d.day for d in file.timeline]
    days = [d.day for d in file.timeline]
    assert days == sorted(days, reverse=True) and len(days) == len(set(days))


def test_case_file_opens_with_what_is_due_and_its_form_open(benefits: Client) -> None:
    """A late application comes first on the page ("po terminie" with the
    working days), the decision step's form is open and marked, and the application's entry in
    the history says "po terminie" (it said "w toku")."""
    opened, head = family_case("Zaległa")
    application = pending_application(opened, head, days_ago=19)
    with schema_context(SLUG):  # its time limit passed three days ago
        Application.objects.filter(pk=application.pk).update(
            decision_due_on=today() - dt.timedelta(days=3)
        )
        application.refresh_from_db()
    html = benefits.get(url("case-detail", opened)).content.decode()
    due_at, household_at = html.index('id="h-due"'), html.index('id="h-household"')
    assert due_at < household_at  # first on the page
    due = html[due_at:household_at]
    assert "Decyzja w sprawie wniosku z" in due and "po terminie (dni robocze:" in due
    assert 'href="#panel-decision"' in due
    panel = html[html.index('id="panel-decision"') - 60 : html.index('id="panel-decision"') + 400]
    assert " open>" in panel and "po terminie" in panel
    # Other steps stay closed.
    handover = html[html.index('id="panel-handover"') : html.index('id="panel-handover"') + 40]
    assert "open" not in handover
    history = benefits.get(url("case-history", opened), HTTP_HX_REQUEST="true").content.decode()
    entry = history[history.index("wnosi o: zasiłek okresowy") - 600 :]
    assert '<span class="badge badge-err">po terminie</span>' in entry[:700]
    assert application.decision_due_on < today()


def test_only_the_due_steps_form_is_in_the_page_the_others_come_when_opened(
    benefits: Client,
) -> None:
    """The form of what is due is written into the page, open; every other step's panel holds a
    link to the step's own page, which htmx follows when the panel is opened (the form alone)."""
    opened, head = family_case("Leniwa")
    application = pending_application(opened, head, days_ago=19)
    with schema_context(SLUG):
        Application.objects.filter(pk=application.pk).update(
            decision_due_on=today() - dt.timedelta(days=3)
        )
    html = benefits.get(url("case-detail", opened)).content.decode()
    assert html.count('class="step-form"') == 1
    assert 'id="form-decision"' in html
    handover = html[html.index('id="panel-handover"') :]
    handover = handover[: handover.index("</details>")]
    action = url("case-handover", opened)
    assert "<form" not in handover
    assert f'hx-get="{action}"' in handover and 'hx-trigger="toggle once' in handover
    assert f'<a href="{action}">Otwórz formularz</a>' in handover

    fragment = benefits.get(action, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<form") and 'id="form-handover"' in fragment
    page_without_js = benefits.get(action).content.decode()
    assert "<html" in page_without_js and 'id="form-handover"' in page_without_js
