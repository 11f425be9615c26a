"""The dashboard at a centre's root, per role: deadlines in working days with links to the case
file, the team's queue, the caseload against the norm, the desk for first contact, the centre for
the manager, nothing to act on for the auditor."""

import datetime as dt
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.calendar_days import working_days_between
from casework.models import AuditEntry
from casework.selectors.dashboard import CaseloadFigure
from casework.selectors.deadlines import caseload_get, deadline_list
from casework.services.cases import case_assign
from casework.services.intake import intake_register, intake_route
from casework.services.proceedings import interview_schedule
from tenants.org.models import Team
from tests.casework.factories import case, household, person, user
from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
BENEFITS_TEAM = "swiadczenia-uslugi"
SOCIAL_TEAM = "praca-w-terenie"


def _page(centre_client: CentreClientFactory, username: str, query: str = "") -> str:
    response = centre_client.logged_in(SLUG, username).get(f"/{query}")
    assert response.status_code == 200
    return response.content.decode()


def _case_url(opened: Any) -> str:
    with schema_context(SLUG):
        return reverse("casework-ui:case-detail", kwargs={"case_id": opened.public_id})


@pytest.fixture
def overdue_interview() -> dict[str, Any]:
    """A case of the benefits team, assigned to `swiadczenia`, with an interview 40 days late."""
    today = timezone.localdate()
    opened = case(
        SLUG,
        household(SLUG, person(SLUG, last_name="Pulpitowa", city="Daleszyce")),
        opened_on=today - dt.timedelta(days=60),
    )
    with schema_context(SLUG):
        case_assign(
            user=user(SLUG, "kierownik"),
            case=opened,
            team=Team.objects.get(code=BENEFITS_TEAM),
            worker=user(SLUG, "swiadczenia"),
        )
        interview = interview_schedule(
            user=user(SLUG, "kierownik"),
            case=opened,
            worker=user(SLUG, "swiadczenia"),
            needed_since=today - dt.timedelta(days=40),
        )
    return {"case": opened, "interview": interview}


@pytest.fixture
def routed_to_social_team() -> Any:
    """A visit routed to the social-work team as a whole (no worker): the team's queue."""
    head = person(SLUG, last_name="Kolejkowa", city="Daleszyce")
    household(SLUG, head)
    with schema_context(SLUG):
        clerk = user(SLUG, "pierwszy.kontakt")
        intake = intake_register(
            user=clerk,
            channel="visit",
            reporter_kind="self",
            reasons=["bezradnosc", "bezrobocie"],
            person=head,
        )
        return intake_route(
            user=clerk,
            intake=intake,
            team=Team.objects.get(code=SOCIAL_TEAM),
            note="Prosi o kontakt po 15:00.",
        )


def test_overdue_interview_is_on_the_workers_dashboard_with_working_days_and_a_link(
    centre_client: CentreClientFactory, overdue_interview: dict[str, Any]
) -> None:
    today = timezone.localdate()
    interview = overdue_interview["interview"]
    late = -working_days_between(today, interview.due_on)
    assert late > 0
    html = _page(centre_client, "swiadczenia")
    assert "Moje terminy" in html
    row = re.search(r"<tr class=\"overdue\">(.*?)</tr>", html, re.S)
    assert row, "no overdue row"
    cells = row.group(1)
    assert interview.due_on.strftime("%d.%m.%Y") in cells
    assert f"{late} po terminie" in cells
    assert "Rodzinny wywiad środowiskowy" in cells
    assert f'href="{_case_url(overdue_interview["case"])}"' in cells
    assert overdue_interview["case"].number in cells


def test_deadline_counts_match_the_selector(
    centre_client: CentreClientFactory, overdue_interview: dict[str, Any]
) -> None:
    today = timezone.localdate()
    with schema_context(SLUG):
        rows = list(deadline_list(user=user(SLUG, "swiadczenia"), scope="mine", today=today))
    overdue = sum(1 for row in rows if row["d_due"] < today)
    html = _page(centre_client, "swiadczenia")
    assert re.search(
        rf'<span class="value">{overdue}</span><span class="label">zaległe terminy', html
    )
    assert re.search(
        rf'<span class="value">{len(rows) - overdue}</span><span class="label">terminy w ciągu',
        html,
    )


def test_another_worker_does_not_see_it_as_theirs_but_the_manager_sees_it_centre_wide(
    centre_client: CentreClientFactory, overdue_interview: dict[str, Any]
) -> None:
    number = overdue_interview["case"].number
    assert number not in _page(centre_client, "socjalny")
    manager = _page(centre_client, "kierownik")
    assert number in manager
    assert "zaległe terminy w całym ośrodku" in manager
    assert "Pracownik" in manager  # whose deadline it is, in the centre-wide list


def test_team_scope_shows_the_teams_deadlines(
    centre_client: CentreClientFactory, overdue_interview: dict[str, Any]
) -> None:
    number = overdue_interview["case"].number
    # `uslugi` works in the same team as `swiadczenia`, but the interview is not theirs.
    assert number not in _page(centre_client, "uslugi", "?zakres=moje")
    team = _page(centre_client, "uslugi", "?zakres=zespol")
    assert number in team
    assert 'aria-current="true">Mojego zespołu' in team


def test_a_worker_cannot_widen_the_scope_to_the_whole_centre(
    centre_client: CentreClientFactory, overdue_interview: dict[str, Any]
) -> None:
    html = _page(centre_client, "socjalny", "?zakres=osrodek")
    assert overdue_interview["case"].number not in html
    assert "Całego ośrodka" not in html
    assert 'aria-current="true">Moje' in html


def test_routed_visit_waits_in_the_teams_queue(
    centre_client: CentreClientFactory, routed_to_social_team: Any
) -> None:
    number = routed_to_social_team.case.number
    social = _page(centre_client, "socjalny")
    assert "Kolejka mojego zespołu" in social
    queue = social.split('id="h-queue"', 1)[1]
    assert number in queue
    assert "bezradność w sprawach opiekuńczo-wychowawczych" in queue
    assert "Prosi o kontakt po 15:00." in queue
    assert f'href="{_case_url(routed_to_social_team.case)}"' in queue
    # Not the benefits team's queue; the manager sees every team's.
    assert number not in _page(centre_client, "swiadczenia").split('id="h-queue"', 1)[1]
    assert number in _page(centre_client, "kierownik").split('id="h-queue"', 1)[1]


def test_the_queue_read_is_recorded_in_the_audit_trail(
    centre_client: CentreClientFactory, routed_to_social_team: Any
) -> None:
    _page(centre_client, "socjalny")
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            actor_username="socjalny",
            action="read",
            object_id=str(routed_to_social_team.case.public_id),
        ).exists()


def test_intake_routed_to_me_by_name_is_listed(centre_client: CentreClientFactory) -> None:
    head = person(SLUG, last_name="Imienna", city="Daleszyce")
    household(SLUG, head)
    with schema_context(SLUG):
        clerk = user(SLUG, "pierwszy.kontakt")
        intake = intake_register(
            user=clerk, channel="phone", reporter_kind="self", reasons=["ubostwo"], person=head
        )
        routed = intake_route(
            user=clerk,
            intake=intake,
            team=Team.objects.get(code=SOCIAL_TEAM),
            worker=user(SLUG, "socjalny"),
        )
    assert routed.case is not None
    html = _page(centre_client, "socjalny")
    mine = html.split("Przekazane do mnie", 1)[1]
    assert routed.case.number in mine.split("</ul>", 1)[0]


def test_caseload_against_the_norm_is_a_figure_and_a_labelled_meter(
    centre_client: CentreClientFactory,
) -> None:
    with schema_context(SLUG):
        worker = user(SLUG, "socjalny")
        count = caseload_get(user=worker, worker=worker).cases.count()
    html = _page(centre_client, "socjalny")
    assert f"<strong>{count}</strong> / 50 gospodarstw domowych" in html
    assert '<label class="meter-label" for="caseload-meter">' in html
    meter = re.search(r"<meter id=\"caseload-meter\"[^>]*>", html)
    assert meter and f'value="{count}"' in meter.group(0)
    assert "w normie" in html if count <= 50 else "powyżej normy" in html


def test_caseload_figure_above_the_norm() -> None:
    figure = CaseloadFigure(households=62, norm=50)
    assert not figure.within_norm
    assert figure.over_norm == 12
    assert figure.meter_max == 62
    assert figure.percent == 124
    assert CaseloadFigure(households=25, norm=50).percent == 50


def test_first_contact_dashboard_points_to_the_desk(centre_client: CentreClientFactory) -> None:
    html = _page(centre_client, "pierwszy.kontakt")
    assert f'<a class="button primary" href="{reverse("casework-ui:desk")}">' in html
    assert "Zarejestruj wizytę" in html
    assert "Zgłoszenia czekające na rozstrzygnięcie" in html
    assert "Moje obciążenie" not in html  # the desk holds no cases


def test_manager_sees_the_centre_and_its_org_structure(centre_client: CentreClientFactory) -> None:
    html = _page(centre_client, "kierownik")
    assert "Kolejka ośrodka: sprawy bez pracownika" in html
    # The 50-household norm is a social worker's: no "0/50 my caseload" card.
    assert "Moje obciążenie" not in html and "caseload-meter" not in html
    assert '<h2 id="h-org">Struktura organizacyjna</h2>' in html
    assert "Pracownicy socjalni ds. świadczeń i usług" in html
    assert "Całego ośrodka" in html


def test_auditor_dashboard_is_read_only(centre_client: CentreClientFactory) -> None:
    html = _page(centre_client, "audytor")
    assert "Konto tylko do odczytu" in html
    for absent in ("Moje terminy", "Kolejka", "Moje obciążenie", "Zarejestruj wizytę", "<form"):
        if absent == "<form":
            # the only forms are the header's language switch and log-out
            main = html.split('<main id="main"', 1)[1]
            assert absent not in main
        else:
            assert absent not in html
    assert "Struktura organizacyjna" in html


def test_dashboard_needs_a_log_in(centre_client: CentreClientFactory) -> None:
    response = centre_client(SLUG).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logowanie/")


def test_every_role_gets_one_h1_and_headings_in_order(centre_client: CentreClientFactory) -> None:
    for username in ("pierwszy.kontakt", "swiadczenia", "socjalny", "uslugi", "kierownik"):
        html = _page(centre_client, username)
        levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
        assert levels.count(1) == 1, username
        for previous, current in itertools.pairwise(levels):
            assert current <= previous + 1, (username, levels)


def _route_to_social_team(count: int) -> None:
    with schema_context(SLUG):
        clerk = user(SLUG, "pierwszy.kontakt")
        team = Team.objects.get(code=SOCIAL_TEAM)
    for _ in range(count):
        head = person(SLUG, last_name="Liczona", city="Daleszyce")
        household(SLUG, head)
        with schema_context(SLUG):
            intake = intake_register(
                user=clerk, channel="visit", reporter_kind="self", reasons=["ubostwo"], person=head
            )
            intake_route(user=clerk, intake=intake, team=team)


def test_dashboard_queries_do_not_grow_with_the_queue(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(SLUG, "socjalny")
    _route_to_social_team(1)
    client.get("/")  # warm up what is cached per process (the centre's programme, the session)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/").status_code == 200
    _route_to_social_team(4)
    with CaptureQueriesContext(connection) as five:
        html = client.get("/").content.decode()
    assert html.count("Liczona") == 0  # the queue names no one
    assert len(five.captured_queries) == len(one.captured_queries)


def test_field_day_lists_my_visits_with_address_and_phone_to_print(
    centre_client: CentreClientFactory, overdue_interview: dict[str, Any]
) -> None:
    """A printable list of the day for a field worker: the interviews still to conduct
    (where, whom, telephone) and the deadlines overdue or due today; only the user's own."""
    opened = overdue_interview["case"]
    html = _page(centre_client, "swiadczenia")
    assert f'href="{reverse("casework-ui:field-day")}"' in html
    response = centre_client.logged_in(SLUG, "swiadczenia").get(reverse("casework-ui:field-day"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mój dzień:" in page and "data-print" in page
    visits = page[page.index('id="h-visits"') : page.index('id="h-today"')]
    assert opened.number in visits and "Daleszyce" in visits and "Pulpitowa" in visits
    assert "po terminie" in visits
    today_part = page[page.index('id="h-today"') :]
    assert opened.number in today_part  # the interview 40 days late is an overdue deadline
    other = centre_client.logged_in(SLUG, "socjalny").get(reverse("casework-ui:field-day"))
    assert opened.number not in other.content.decode()  # not another worker's


PROCESS_STATE = """
import gc, sys
import opsplatform.wsgi
print(gc.get_freeze_count() > 0)
print("casework.ui.dashboard" in sys.modules)
print("holidays.countries.poland" in sys.modules)
"""


def test_a_web_process_is_ready_before_its_first_request() -> None:
    """A new web process imports its views and the working-day calendar and freezes the heap
    before it serves, so that the first dashboard after a log-in does not pay for them."""
    root = Path(__file__).resolve().parents[3]
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "opsplatform.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", PROCESS_STATE],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_first_rows_and_the_total_in_one_statement() -> None:
    """The dashboard's lists show their first rows and count all of them with one statement."""
    from casework.ui.dashboard import first_with_total

    with schema_context("daleszyce"):
        teams = Team.objects.order_by("order", "name")
        everything = list(teams)
        assert len(everything) > 2
        with CaptureQueriesContext(connection) as captured:
            first, total = first_with_total(teams, 2)
        assert len(captured) == 1
        assert [t.pk for t in first] == [t.pk for t in everything[:2]]
        assert total == len(everything)
        assert first_with_total(teams.filter(pk__lt=0), 2) == ([], 0)
