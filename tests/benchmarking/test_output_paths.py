"""Every path by which a benchmark aggregate leaves the system goes through the disclosure gate.

The endpoints are enumerated from the URL configurations of both hosts, so a new endpoint is
covered (or fails this test) without anyone remembering to add it; the modules that may read raw
snapshots are enumerated from the source."""

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import benchmarking
from benchmarking.api.base import BenchmarkApiView
from benchmarking.disclosure import CountTable, TableSpec, gate_calls
from benchmarking.writers import ExportDocument, render
from tests.benchmarking.conftest import api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

WINDOW = "from=2024-01&to=2024-06"
# How to call each aggregate-releasing view: (host slug or None for the portal, user, path).
AGGREGATE_CALLS: dict[str, tuple[str | None, str, str]] = {
    "OwnSeriesApi": ("myslenice", "kierownik", f"/api/benchmarks/series/?metric=intakes&{WINDOW}"),
    "OwnBeforeAfterApi": ("debica", "audytor", "/api/benchmarks/before-after/"),
    "OwnCohortPositionApi": (
        "krasnystaw", "swiadczenia",
        f"/api/benchmarks/cohorts/platforma/?metric=decided_within_kpa_share&{WINDOW}",
    ),
    "RegionCentreSeriesApi": (
        None, "koordynator.malopolskie",
        f"/api/benchmarks/centres/myslenice/series/?metric=contracts_signed&{WINDOW}",
    ),
    "RegionCentreBeforeAfterApi": (
        None, "koordynator.swietokrzyskie", "/api/benchmarks/centres/daleszyce/before-after/",
    ),
    "RegionCompareApi": (
        None, "koordynator.wschod", f"/api/benchmarks/compare/?metric=handovers_per_case&{WINDOW}",
    ),
    "AggregatesApi": (
        None, "analityk", f"/api/benchmarks/aggregates/?metric=days_to_decision&{WINDOW}",
    ),
}  # fmt: skip
# Views that return no aggregate of casework, and why.
NOT_AGGREGATES: dict[str, str] = {
    "MetricDefinitionsApi": "the registry of definitions",
    "OwnCohortsApi": "names of predefined cohorts",
    "PortalMetricsApi": "the registry of definitions",
    "RegionCentresApi": "registry facts of the coordinator's centres",
    "SnapshotRunsApi": "run records: dates, statuses, counts of rows written",
    "SnapshotRunApi": "one run record",
    "ExportsApi": "export records; files are built through the gate (test_exports)",
    "ExportApi": "one export record",
    "ExportDownloadApi": "the stored file, built through the gate (test_exports)",
    "PrivacyBudgetApi": "the privacy-budget ledger",
}


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _benchmark_views() -> dict[str, type[BenchmarkApiView]]:
    views: dict[str, type[BenchmarkApiView]] = {}
    for urlconf in ("opsplatform.urls_tenant", "opsplatform.urls_public"):
        for _, callback in _patterns(get_resolver(urlconf)):
            view = getattr(callback, "view_class", None)
            if view is not None and issubclass(view, BenchmarkApiView):
                views[view.__name__] = view
    return views


def test_every_benchmark_view_class_is_routed_and_classified() -> None:
    routed = _benchmark_views()
    defined = {
        cls.__name__
        for module in ("benchmarking.api.centre", "benchmarking.api.portal")
        for _, cls in inspect.getmembers(__import__(module, fromlist=["_"]), inspect.isclass)
        if issubclass(cls, BenchmarkApiView) and cls is not BenchmarkApiView
    }
    assert defined == set(routed)
    for name, view in routed.items():
        if view.releases_aggregates:
            assert name in AGGREGATE_CALLS, f"{name} releases aggregates: add how to call it"
        else:
            assert name in NOT_AGGREGATES, f"{name}: say why it returns no aggregate"


@pytest.mark.parametrize("name", sorted(AGGREGATE_CALLS))
def test_each_aggregate_endpoint_goes_through_the_gate(name: str) -> None:
    assert _benchmark_views()[name].releases_aggregates
    slug, username, path = AGGREGATE_CALLS[name]
    client = api_client(slug, username)
    before = gate_calls()
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert gate_calls() > before, f"{name} answered without calling the gate"
    disclosure = response.json()["disclosure"]
    assert disclosure["gate"] == "benchmarking.disclosure" and disclosure["k"] == 10


def test_only_the_reading_modules_touch_raw_snapshots() -> None:
    """Raw snapshot values are read in selectors (and written by services); exports reads the
    stored tables. Anything else that read them could bypass the gate."""
    allowed = {"selectors.py", "services.py", "exports.py", "models.py", "tasks.py",
               "benchmark_snapshots.py"}  # fmt: skip
    root = Path(benchmarking.__file__).parent
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or path.name in allowed:
            continue
        tree = ast.parse(path.read_text())
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert not names & {"Snapshot", "TableSnapshot", "centre_month_aggregates",
                            "centre_period_tables"}, path  # fmt: skip
        if path.name != "comparisons.py":
            assert "centre_series" not in names, path


def test_files_can_only_be_written_from_gated_tables() -> None:
    spec = TableSpec(
        code="t", title_pl="t", title_en="t", rows=(("a", "a"),), columns=(("b", "b"),)
    )
    raw = CountTable(spec, {("a", "b"): 3})
    for fmt in ("csv", "xlsx", "json"):
        with pytest.raises(TypeError):
            render(ExportDocument(title="t", tables=[raw], provenance=[], legend=[]), fmt)  # type: ignore[list-item]
