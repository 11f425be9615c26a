"""The number of queries of the portal's pages, of provisioning a centre and of a centre request
does not grow with the number of centres: counted with the five demo centres, then
with 45 synthetic centres more (tenants/nation.py, through the product's ``centre_provision``,
without history), compared. Counts, never timings.

The extra centres are committed for this module only and dropped at its end, so every other test
still sees just the five demo centres. Counts are taken in transactions that are rolled back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from benchmarking.exports.build import export_build
from benchmarking.exports.request import export_request
from benchmarking.models import ExportJob, SnapshotRun
from benchmarking.services import snapshot_centre_compute, snapshot_run_create
from benchmarking.ui.portal import CENTRES_PER_PAGE
from opsplatform.middleware import forget_cached_domains
from tenants.accounts.models import ApiToken
from tenants.accounts.roles import Role
from tenants.accounts.tokens import api_token_issue
from tenants.models import Centre
from tenants.nation import nation
from tenants.services import centre_provision, template_schema_ensure
from tests.benchmarking.conftest import EXPORT_PERIOD, api_client

# Counts are taken outside the tests' transactions (in the module fixture); the mark gives the
# session its test database.
pytestmark = pytest.mark.django_db

EXTRA = 45
COUNTRY = "koordynator.test.kraj"
WINDOW = "metric=decided_within_kpa_share&from=2024-01&to=2024-06"
PAGES: dict[int, dict[str, str]] = {}  # centres → scenario → the page's HTML
PARAMETERS: dict[int, dict[str, int]] = {}  # centres → scenario → parameters sent
SENT: list[int] = []  # the parameters of the last action counted by ``_statements``
VOIVODESHIPS: dict[int, int] = {}  # centres → voivodeships with centres


class _Rollback(Exception):
    pass


def _statements(action: Callable[[], Any]) -> tuple[int, Any]:
    """Statements ``action`` sends to PostgreSQL (raw cursors too), in a rolled-back transaction."""
    sent: list[str] = []
    parameters: list[int] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(query if isinstance(query, str) else str(query))
        params = args[0] if args else kwargs.get("params")
        parameters.append(len(params or ()))
        return original(self, query, *args, **kwargs)

    result: Any = None
    psycopg.Cursor.execute = execute  # type: ignore[method-assign]  # counting wrapper
    try:
        with transaction.atomic():
            result = action()
            raise _Rollback
    except _Rollback:
        pass
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]  # restored
    # Savepoints of the rolled-back wrapper are the harness's, not the action's.
    counted = [s for s in sent if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    SENT[:] = [sum(parameters)]
    return len(counted), result


def _scenarios() -> dict[str, Callable[[], Any]]:
    region = Client(HTTP_HOST="localhost")
    region.force_login(get_user_model().objects.get(username="koordynator.mazowieckie"))
    country = Client(HTTP_HOST="localhost")
    country.force_login(get_user_model().objects.get(username=COUNTRY))
    region_api = api_client(None, "koordynator.mazowieckie")
    country_user = get_user_model().objects.get(username=COUNTRY)
    key = api_token_issue(user=country_user, name="scale-test", second_factor=True).key
    country_api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
    analyst = api_client(None, "analityk")
    analyst_user = get_user_model().objects.get(username="analityk")
    centre = api_client("krasnystaw", "kierownik")
    spare = nation()[EXTRA + 5]

    def provision() -> Any:
        return centre_provision(spec=spare, registry_version=1, base_domain=settings.PORTAL_HOST)

    def get(client: Client, path: str) -> Callable[[], Any]:
        def request() -> Any:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return request

    def export() -> Any:
        data = {"period": "2024-H1", "scope": "PL", "format": "xlsx"}
        response = analyst.post("/api/exports/", json.dumps(data), content_type="application/json")
        assert response.status_code == 202, response.content
        return response

    def export_built() -> Any:
        job = export_request(user=analyst_user, data={"period": "2024-H1", "scope": "PL"})
        job = export_build(job)  # the worker's part, in this process
        assert job.status == ExportJob.Status.DONE, job.error
        return job

    return {
        "compare page, one voivodeship": get(region, f"/porownanie/?{WINDOW}"),
        "compare page, all voivodeships": get(country, f"/porownanie/?{WINDOW}"),
        "compare page, all voivodeships, page 2": get(country, f"/porownanie/?{WINDOW}&strona=2"),
        "compare page, found by name": get(country, f"/porownanie/?{WINDOW}&nazwa=piaseczno"),
        "compare API, one voivodeship": get(region_api, f"/api/benchmarks/compare/?{WINDOW}"),
        "compare API, all voivodeships": get(country_api, f"/api/benchmarks/compare/?{WINDOW}"),
        "centres API, all voivodeships": get(country_api, "/api/benchmarks/centres/"),
        "drill-down page": get(region, f"/porownanie/piaseczno/?{WINDOW}"),
        "drill-down API": get(region_api, f"/api/benchmarks/centres/piaseczno/series/?{WINDOW}"),
        "export request": export,
        "export built, the country (XLSX)": export_built,
        "provisioning one more centre": provision,
        "centre request /api/teams/": get(centre, "/api/teams/"),
    }


@override_settings(API_TOKEN_TOUCH_SECONDS=24 * 3600)
def _counts() -> tuple[dict[str, int], dict[str, str]]:
    """Statements of each scenario, and the HTML of the pages among them. A token's last use is
    written once a minute whatever the number of centres; on a slow machine the minute could end
    between the two measurements, so within them it does not."""
    forget_cached_domains()
    scenarios = _scenarios()
    for action in scenarios.values():  # warm: caches of hosts, sessions, the rendered template
        _statements(action)
    counts: dict[str, int] = {}
    pages: dict[str, str] = {}
    centres = Centre.objects.count()
    PARAMETERS[centres] = parameters = {}
    VOIVODESHIPS[centres] = Centre.objects.values("voivodeship").distinct().count()
    for name, action in scenarios.items():
        counts[name], response = _statements(action)
        parameters[name] = SENT[0]
        if "page" in name:
            pages[name] = response.content.decode()
    return counts, pages


@pytest.fixture(scope="module")
def counts_at_5_and_50(
    django_db_setup: None, django_db_blocker: Any, benchmark_data: None
) -> Iterator[tuple[dict[str, int], dict[str, int]]]:
    """The statements of each scenario at 5 and at 50 centres (the pages' HTML in
    ``PAGES``)."""
    specs = nation()[:EXTRA]
    with django_db_blocker.unblock():
        get_user_model().objects.update_or_create(
            username=COUNTRY,
            defaults={
                "role": Role.REGIONAL_COORDINATOR,
                "voivodeships": [f"{code:02d}" for code in range(2, 33, 2)],
            },
        )
        run: SnapshotRun | None = None
        try:
            assert Centre.objects.count() == 5
            at_5, PAGES[5] = _counts()
            template_schema_ensure()
            for spec in specs:
                with transaction.atomic():
                    centre_provision(
                        spec=spec, registry_version=1, base_domain=settings.PORTAL_HOST
                    )
            assert Centre.objects.count() == 5 + EXTRA
            # The export needs every centre's reporting tables of its period.
            extra = list(Centre.objects.filter(slug__in=[s.slug for s in specs]))
            run = snapshot_run_create(
                kind=SnapshotRun.Kind.ON_DEMAND,
                period_from=EXPORT_PERIOD[0],
                period_to=EXPORT_PERIOD[1],
                centres=extra,
            )
            for centre in extra:
                snapshot_centre_compute(run=run, centre=centre)
            at_50, PAGES[50] = _counts()
            yield at_5, at_50
        finally:
            slugs = [spec.slug for spec in specs]
            with connection.cursor() as cursor:
                for slug in slugs:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')
            # Their snapshots, tables and progress rows go with them (public tables).
            Centre.objects.filter(slug__in=slugs).delete()
            if run is not None:
                SnapshotRun.objects.filter(pk=run.pk).delete()
            # Raw: the account's cascade would look into centre-only tables from public.
            ApiToken.objects.filter(user__username=COUNTRY)._raw_delete(connection.alias)
            get_user_model().objects.filter(username=COUNTRY)._raw_delete(connection.alias)
            forget_cached_domains()


# The compare page shows a page of centres by name: at 50 centres, others than the demo's five.
OTHER_CENTRES_AT_50 = {
    "compare page, all voivodeships",
    "compare page, all voivodeships, page 2",
}

SCENARIOS = [
    "compare page, one voivodeship",
    "compare page, all voivodeships",
    "compare page, all voivodeships, page 2",
    "compare page, found by name",
    "compare API, one voivodeship",
    "compare API, all voivodeships",
    "centres API, all voivodeships",
    "drill-down page",
    "drill-down API",
    "export request",
    "export built, the country (XLSX)",
    "provisioning one more centre",
    "centre request /api/teams/",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_query_count_does_not_grow_with_the_number_of_centres(
    counts_at_5_and_50: tuple[dict[str, int], dict[str, int]], scenario: str
) -> None:
    at_5, at_50 = counts_at_5_and_50
    message = f"{scenario}: {at_5[scenario]} statements at 5 centres, {at_50[scenario]} at 50"
    if scenario in OTHER_CENTRES_AT_50:
        # A page of other centres: where none of them has a go-live, the before/after answers
        # read and record nothing (two statements fewer), never more.
        assert at_5[scenario] - 2 <= at_50[scenario] <= at_5[scenario], message
    else:
        assert at_50[scenario] == at_5[scenario], message


@pytest.mark.parametrize("scenario", ["export request", "export built, the country (XLSX)"])
def test_the_exports_parameters_do_not_grow_with_the_number_of_centres(
    counts_at_5_and_50: tuple[dict[str, int], dict[str, int]], scenario: str
) -> None:
    """Nor what the export's statements carry: the scope's centres are chosen by their
    voivodeship in SQL, never sent as a list of ids. Only the build's two reads of the ledger
    name the platform's scopes (the country and each voivodeship with centres, at most 17):
    one parameter more in each for a voivodeship that has centres at 50 and none at 5."""
    at_5, at_50 = PARAMETERS[5][scenario], PARAMETERS[50][scenario]
    scopes = VOIVODESHIPS[50] - VOIVODESHIPS[5] if "built" in scenario else 0
    assert at_50 <= at_5 + 2 * scopes, (
        f"{scenario}: {at_5} parameters at 5 centres, {at_50} at 50 "
        f"({VOIVODESHIPS[5]} and {VOIVODESHIPS[50]} voivodeships)"
    )


def test_the_extra_centres_are_real_centres_with_their_schema_and_teams(
    counts_at_5_and_50: tuple[dict[str, int], dict[str, int]],
) -> None:
    spec = nation()[0]
    centre = Centre.objects.get(slug=spec.slug)
    assert centre.teryt_terc == spec.teryt_terc
    with schema_context(centre.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM org_team")
        assert cursor.fetchone()[0] == len(spec.teams)


def _centre_rows(html: str) -> list[str]:
    """The named centres of the side-by-side table (their drill-down links)."""
    side = html.split('id="side-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="/porownanie/([^/"]+)/"', side)


def _month_cells(html: str) -> int:
    trend = html.split('id="trend-table"', 1)[1].split("</table>", 1)[0]
    return len(re.findall(r'<td class="num">', trend))


def test_the_compare_page_renders_one_page_of_centres_whatever_their_number(
    counts_at_5_and_50: tuple[dict[str, int], dict[str, int]],
) -> None:
    first_5 = PAGES[5]["compare page, all voivodeships"]
    first_50 = PAGES[50]["compare page, all voivodeships"]
    second_50 = PAGES[50]["compare page, all voivodeships, page 2"]
    assert len(_centre_rows(first_5)) == 5
    assert len(_centre_rows(first_50)) == CENTRES_PER_PAGE
    assert len(_centre_rows(second_50)) == 50 - CENTRES_PER_PAGE
    assert not set(_centre_rows(first_50)) & set(_centre_rows(second_50))
    months = 6  # WINDOW
    assert _month_cells(first_5) == months * 5
    assert _month_cells(first_50) == months * CENTRES_PER_PAGE
    assert "Ośrodki 1–25 z 50" in first_50 and "Ośrodki 26–50 z 50" in second_50
    assert (
        'href="?metric=decided_within_kpa_share&amp;from=2024-01&amp;to=2024-06&amp;strona=2"'
        in (first_50)
    )
    # The voivodeships as a whole: one row each, whatever the number of their centres.
    summary = first_50.split('id="summary-table"', 1)[1].split("</table>", 1)[0]
    voivodeships = {c.voivodeship for c in Centre.objects.all()}
    assert summary.count('<th scope="row">') == len(voivodeships)
    # Found by name, case aside: the one centre, at either number of centres.
    for centres in (5, 50):
        assert _centre_rows(PAGES[centres]["compare page, found by name"]) == ["piaseczno"]
