"""One centre's answers go through the ledger of published cells and the linked audit, on the API
as on the pages: a coordinator's view of a named centre (its months and its before/after
report), a centre's own figures (recorded; nothing hidden) and cohort answers (pooled values of
cohorts, which must not difference into one named centre)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import transaction

from benchmarking.models import PublishedCell
from tests.benchmarking.conftest import api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

METRIC = "contracts_signed"
TABLE = f"metric:{METRIC}:v1"
COORDINATOR = "koordynator.malopolskie"
REGION = ("region", "12")


class _Rollback(Exception):
    pass


def _hide_earlier(*, audience: str, viewer: str, scope: str, period: str, table: str = TABLE,
                  row: str = "count") -> None:  # fmt: skip
    """An earlier release (say, a page seen yesterday) showed this figure hidden."""
    PublishedCell.objects.create(
        audience=audience, viewer=viewer, channel="page", scope=scope, period=period, table=table,
        row=row, column="value", value=None, marker="x", hidden=True, sensitive=True,
        release="earlier",
        fingerprint=hashlib.sha256(f"{audience}|{viewer}|{scope}|{period}|{table}".encode())
        .hexdigest(),
    )  # fmt: skip


def test_a_coordinators_series_of_a_named_centre_is_recorded_and_remembers_hidden_months() -> None:
    client = api_client(None, COORDINATOR)
    path = f"/api/benchmarks/centres/myslenice/series/?metric={METRIC}&from=2024-01&to=2024-06"
    try:
        with transaction.atomic():
            first = client.get(path)
            assert first.status_code == 200, first.content
            cells = PublishedCell.objects.filter(
                audience=REGION[0], viewer=REGION[1], table=TABLE, scope="c:myslenice"
            )
            assert set(cells.values_list("period", flat=True)) >= {
                f"2024-{m:02d}" for m in range(1, 7)
            }
            assert set(cells.values_list("channel", flat=True)) == {"api"}
            shown = [m["period"] for m in first.json()["series"] if m["status"] == "published"]
            assert shown, first.json()
            _hide_earlier(audience=REGION[0], viewer=REGION[1], scope="c:myslenice",
                          period=shown[0])  # fmt: skip
            again = client.get(path).json()["series"]
            month = next(m for m in again if m["period"] == shown[0])
            assert month["status"] == "suppressed" and month["value"] is None
            assert month["marker"] == "x"
            raise _Rollback
    except _Rollback:
        pass


def _before_after(client: Any, path: str) -> dict[str, Any]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.content
    body: dict[str, Any] = answer.json()
    return body


def test_a_coordinators_before_after_report_is_recorded_window_by_window() -> None:
    client = api_client(None, COORDINATOR)
    path = "/api/benchmarks/centres/myslenice/before-after/?before_months=3&after_months=3"
    try:
        with transaction.atomic():
            report = _before_after(client, path)
            entry = next(e for e in report["metrics"] if e["metric"] == METRIC)
            before = f"{report['before']['from']}..{report['before']['to']}"
            cells = PublishedCell.objects.filter(
                audience=REGION[0], viewer=REGION[1], scope="c:myslenice", period=before
            )
            # Every indicator's window "before" is in the ledger, counts by their count.
            assert cells.count() == len(report["metrics"])
            recorded = cells.get(table=TABLE)
            assert recorded.row == "count" and recorded.hidden == (entry["before"]["value"] is None)
            # A window hidden once stays hidden, and no difference is given against it.
            if entry["before"]["value"] is not None:
                _hide_earlier(audience=REGION[0], viewer=REGION[1], scope="c:myslenice",
                              period=before)  # fmt: skip
                again = next(
                    e for e in _before_after(client, path)["metrics"] if e["metric"] == METRIC
                )
                assert again["before"]["status"] == "suppressed"
                assert again["difference"] is None and again["direction"] is None
            raise _Rollback
    except _Rollback:
        pass


def test_a_window_differenced_against_shown_months_is_protected() -> None:
    """The before window is the sum of its months: with all but one month shown to the same
    coordinator, a window that would give the hidden month back is hidden (or the month's
    neighbours are)."""
    client = api_client(None, COORDINATOR)
    path = "/api/benchmarks/centres/myslenice/before-after/?before_months=3&after_months=3"
    try:
        with transaction.atomic():
            report = _before_after(client, path)
            first, last = report["before"]["from"], report["before"]["to"]
            series = client.get(
                f"/api/benchmarks/centres/myslenice/series/?metric={METRIC}&from={first}&to={last}"
            ).json()["series"]
            entry = next(e for e in _before_after(client, path)["metrics"] if e["metric"] == METRIC)
            hidden = [m for m in series if m["status"] == "suppressed"]
            if len(hidden) == 1:
                assert entry["before"]["status"] == "suppressed", (series, entry)
            raise _Rollback
    except _Rollback:
        pass


def test_a_centres_own_figures_are_recorded_and_nothing_is_hidden_for_its_staff() -> None:
    client = api_client("myslenice", "kierownik")
    try:
        with transaction.atomic():
            answer = client.get(
                f"/api/benchmarks/series/?metric={METRIC}&from=2024-01&to=2024-06"
            ).json()
            cells = PublishedCell.objects.filter(audience="own_centre", viewer="myslenice")
            assert cells.filter(table=TABLE, scope="c:myslenice").count() == 6
            assert not cells.filter(hidden=True).exists()
            assert all(m["status"] != "suppressed" for m in answer["series"])
            client.get("/api/benchmarks/before-after/?before_months=3&after_months=3")
            assert cells.filter(period__contains="..").exists()
            raise _Rollback
    except _Rollback:
        pass


def test_a_cohort_answer_is_recorded_for_the_centre_as_a_peer() -> None:
    client = api_client("piaseczno", "kierownik")
    try:
        with transaction.atomic():
            body = client.get(
                f"/api/benchmarks/cohorts/platforma/?metric={METRIC}&from=2024-01&to=2024-06"
            ).json()
            cells = PublishedCell.objects.filter(
                audience="peer", viewer="piaseczno", scope="cohort:platforma", period="2024-H1"
            )
            if body.get("pooled") is not None:
                pooled = cells.get(table=TABLE, row="count")
                assert pooled.hidden == (body["pooled"]["value"] is None)
            # Hidden once for this reader, hidden again.
            _hide_earlier(audience="peer", viewer="piaseczno", scope="cohort:platforma",
                          period="2024-H1")  # fmt: skip
            again = client.get(
                f"/api/benchmarks/cohorts/platforma/?metric={METRIC}&from=2024-01&to=2024-06"
            ).json()
            assert again.get("pooled") is None or again["pooled"]["value"] is None
            raise _Rollback
    except _Rollback:
        pass


def test_the_coordinators_pages_record_in_the_same_family_as_the_api(
    centre_client: Any,
) -> None:
    page = centre_client.logged_in(None, COORDINATOR)
    try:
        with transaction.atomic():
            response = page.get(
                f"/porownanie/myslenice/?metric={METRIC}&from=2024-01&to=2024-06"
                "&before_months=3&after_months=3&skip_months=0"
            )
            assert response.status_code == 200
            cells = PublishedCell.objects.filter(
                audience=REGION[0], viewer=REGION[1], scope="c:myslenice", channel="page"
            )
            assert cells.filter(period="2024-03", table=TABLE).exists()
            assert cells.filter(period__contains="..").exists()
            raise _Rollback
    except _Rollback:
        pass


def test_an_export_re_released_after_a_correction_hides_every_cell_hidden_before() -> None:
    """The re-release procedure (deploy/runbooks/disclosure.md): the same period and scope are
    exported again after the data were corrected; the release is built (not refused), every cell
    hidden in the first export is hidden in the second, and both editions are in the ledger."""
    from benchmarking.exports.build import export_build
    from benchmarking.models import ExportJob, TableSnapshot

    client = api_client(None, "analityk")
    data = {"period": "2024-H1", "scope": "PL", "format": "json",
            "tables": ["households", "persons", "contracts"]}  # fmt: skip
    try:
        with transaction.atomic():
            response = client.post("/api/exports/", data, content_type="application/json")
            assert response.status_code == 202, response.content
            first = export_build(ExportJob.objects.get(public_id=response.json()["id"]))
            assert first.status == ExportJob.Status.DONE, first.error
            hidden_first = {
                (table, tuple(cell))
                for table, cells in first.suppressed_pattern.items()
                for cell in cells
            }
            assert hidden_first, "the demo data hide some cells of 2024-H1"
            # A correction: two late records in the largest cell of one centre's table.
            snapshot = TableSnapshot.objects.filter(year=2024, half=1).order_by("centre__slug")[0]
            cell = max(snapshot.households, key=lambda key: snapshot.households[key])
            snapshot.households = {**snapshot.households, cell: snapshot.households[cell] + 2}
            snapshot.save(update_fields=["households"])
            response = client.post("/api/exports/", data, content_type="application/json")
            assert response.status_code == 202, response.content
            second = export_build(ExportJob.objects.get(public_id=response.json()["id"]))
            assert second.status == ExportJob.Status.DONE, second.error
            hidden_second = {
                (table, tuple(cell))
                for table, cells in second.suppressed_pattern.items()
                for cell in cells
            }
            assert hidden_first <= hidden_second, hidden_first - hidden_second
            releases = PublishedCell.objects.filter(
                audience="ministry", table="households", scope="PL", period="2024-H1"
            )
            assert set(releases.values_list("release", flat=True)) == {
                str(first.public_id),
                str(second.public_id),
            }
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.parametrize("export_first", [True, False])
def test_the_ministrys_exports_and_answers_are_one_family(export_first: bool) -> None:
    """An export's indicator (contracts signed, a mean of counts) and the aggregate answer of
    the same metric, scope and period hold the same count. Whatever came first, an attacker
    holding every figure the ministry was shown (read back from the ledger) narrows no hidden
    small count below k and pins no other hidden count."""
    from benchmarking.answers import answer_relations, twin_relations
    from benchmarking.exports.build import export_build
    from benchmarking.exports.family import family_relations
    from benchmarking.linked import audit_family, protected
    from benchmarking.models import ExportJob

    client = api_client(None, "analityk")

    def answer() -> None:
        for query in ("from=2024-01&to=2024-06", "from=2024-01&to=2024-03"):
            response = client.get(f"/api/benchmarks/aggregates/?metric={METRIC}&{query}&scope=PL")
            assert response.status_code in (200, 409), response.content

    def export() -> None:
        response = client.post(
            "/api/exports/",
            {"period": "2024-H1", "scope": "PL", "format": "json",
             "tables": ["contracts", "indicators"]},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 202, response.content
        job = export_build(ExportJob.objects.get(public_id=response.json()["id"]))
        assert job.status == ExportJob.Status.DONE, job.error

    try:
        with transaction.atomic():
            # A month the ministry was shown hidden before (as if it had been small then).
            _hide_earlier(audience="ministry", viewer="", scope="PL", period="2024-02")
            for step in (export, answer) if export_first else (answer, export):
                step()
            rows = PublishedCell.objects.filter(audience="ministry", viewer="", exact=True)
            published: dict[tuple[str, ...], int] = {}
            hidden: dict[tuple[str, ...], bool] = {}
            for row in rows:
                key: tuple[str, ...] = (row.table, row.scope, row.period, row.row, row.column)
                if row.hidden:
                    hidden[key] = hidden.get(key, False) or row.sensitive
                elif row.value is not None and key not in hidden:
                    published[key] = int(row.value)
            assert hidden, "a month hidden before is in the family"
            twins = twin_relations([*published, *hidden])
            assert twins, "the export's indicator and the answer are linked"
            keys = [*published, *hidden]
            relations = [
                *family_relations(keys, []),
                *answer_relations([k for k in keys if k[0].startswith("metric:")]),
                *twins,
            ]
            counted = {k for r in relations for k in r.cells()}
            intervals = audit_family(
                {k: v for k, v in published.items() if k in counted}, relations
            )
            for key, sensitive in hidden.items():
                if key not in intervals:
                    continue
                if not sensitive and intervals[key] == (0.0, 0.0):
                    continue
                assert protected(intervals[key], sensitive=sensitive, k=10), (key, intervals[key])
            raise _Rollback
    except _Rollback:
        pass


def test_no_api_or_page_module_publishes_through_an_unrecorded_function() -> None:
    """``comparisons.series``, ``before_after.before_after``, ``cohort_figures.cohort_figures``
    and ``comparisons.scope_figures`` release through the gate but record nothing: the API and
    the pages use ``centre_answers`` and ``answers`` instead."""
    import ast
    from pathlib import Path

    import benchmarking

    unrecorded = {"series", "before_after", "cohort_figures", "scope_figures", "scope_release",
                  "series_release", "before_after_release", "cohort_release"}  # fmt: skip
    root = Path(benchmarking.__file__).parent
    for package in ("api", "ui"):
        for path in (root / package).glob("*.py"):
            tree = ast.parse(path.read_text())
            imported = {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
                for alias in node.names
            }
            assert not imported & unrecorded, (path, imported & unrecorded)


@pytest.mark.parametrize("metric", ["contracts_signed", "decided_within_kpa_share", "intakes"])
def test_a_one_centre_scope_is_refused_for_the_ministry_on_every_path(
    metric: str, centre_client: Any
) -> None:
    """Each voivodeship of the demo holds one centre: its aggregates are that centre's figures.
    The ministry gets a refusal with the reason on the scope, on the API, the page and the
    export alike, and nothing of it reaches the ledger."""
    from tenants.models import Centre

    client = api_client(None, "analityk")
    page = centre_client.logged_in(None, "analityk")
    for voivodeship in sorted(set(Centre.objects.values_list("voivodeship", flat=True))):
        before = PublishedCell.objects.filter(scope=voivodeship).count()
        answer = client.get(
            f"/api/benchmarks/aggregates/?metric={metric}&from=2024-01&to=2024-06"
            f"&scope={voivodeship}"
        )
        assert answer.status_code == 400, answer.content
        assert "co najmniej 3 ośrodków" in answer.json()["fields"]["scope"][0]
        export = client.post(
            "/api/exports/",
            {"period": "2024-H1", "scope": voivodeship, "format": "csv"},
            content_type="application/json",
        )
        assert export.status_code == 400 and "scope" in export.json()["fields"]
        shown = page.get(
            f"/porownanie/?metric={metric}&from=2024-01&to=2024-06&scope={voivodeship}"
        )
        assert shown.status_code == 200
        assert "co najmniej 3 ośrodków" in shown.content.decode()
        assert PublishedCell.objects.filter(scope=voivodeship).count() == before
