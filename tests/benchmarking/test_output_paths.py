"""Every path by which a benchmark aggregate leaves the system goes through the disclosure gate.

The endpoints and the web pages are enumerated from the URL configurations of both hosts, so a
new endpoint or page is covered (or fails this test) without anyone remembering to add it; the
modules that may read raw snapshots are enumerated from the source."""

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import benchmarking
import benchmarking.ui
from benchmarking.api.base import BenchmarkApiView
from benchmarking.disclosure import CountTable, TableSpec, gate_calls
from benchmarking.exports import export_build
from benchmarking.models import ExportJob
from benchmarking.writers import ExportDocument, render
from tenants.demo import DEMO_PASSWORD
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
        if path.name not in ("comparisons.py", "scopes.py"):
            assert "centre_series" not in names, path


def test_files_can_only_be_written_from_gated_tables() -> None:
    spec = TableSpec(
        code="t", title_pl="t", title_en="t", rows=(("a", "a"),), columns=(("b", "b"),)
    )
    raw = CountTable(spec, {("a", "b"): 3})
    for fmt in ("csv", "xlsx", "json"):
        with pytest.raises(TypeError):
            render(ExportDocument(title="t", tables=[raw], provenance=[], legend=[]), fmt)  # type: ignore[list-item]


# --- Web pages ------------------------------------------------------------------------------------

PAGE_NAMESPACES = {"benchmarking-ui", "benchmarking-portal"}
# How to open each page that shows aggregates, for every audience it serves:
# (host slug or None for the portal, user, path).
AGGREGATE_PAGES: dict[str, list[tuple[str | None, str, str]]] = {
    "centre_benchmarks": [
        ("daleszyce", "pierwszy.kontakt", f"/wskazniki/?metric=intakes&{WINDOW}"),
    ],
    "compare": [
        (None, "koordynator.wschod", f"/porownanie/?metric=handovers_per_case&{WINDOW}"),
        (None, "analityk", f"/porownanie/?metric=days_to_decision&{WINDOW}&scope=PL"),
    ],
    "centre_detail": [
        (None, "koordynator.swietokrzyskie",
         f"/porownanie/daleszyce/?metric=contracts_signed&{WINDOW}"),
    ],
}  # fmt: skip
# Pages that show no aggregate of casework, and why.
NOT_AGGREGATE_PAGES: dict[str, str] = {
    "exports": "the export builder and export records; files are built through the gate",
    "export_budget": "sums of the privacy-budget ledger",
    "export_detail": "one export record and its provenance",
    "export_status": "one export record's progress",
    "export_download": "the stored file, built through the gate by the worker (test_exports)",
}


def _page_patterns(
    resolver: URLResolver, namespaces: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _page_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield namespaces, entry.callback


def _benchmark_pages() -> dict[str, Any]:
    pages: dict[str, Any] = {}
    seen: set[str] = set()
    for urlconf in ("opsplatform.urls_tenant", "opsplatform.urls_public"):
        for namespaces, callback in _page_patterns(get_resolver(urlconf)):
            if PAGE_NAMESPACES & set(namespaces):
                seen |= PAGE_NAMESPACES & set(namespaces)
                name = callback.__name__
                assert pages.get(name, callback) is callback, f"two page views named {name}"
                pages[name] = callback
    assert seen == PAGE_NAMESPACES, "both hosts' benchmark pages are routed"
    return pages


def _marked_page_functions() -> set[str]:
    """Every function in benchmarking.ui that carries the page mark (benchmarking.ui.pages.page)."""
    names = set()
    for module_info in pkgutil.iter_modules(benchmarking.ui.__path__):
        module = importlib.import_module(f"benchmarking.ui.{module_info.name}")
        for name, member in inspect.getmembers(module, inspect.isfunction):
            if member.__module__ == module.__name__ and hasattr(member, "releases_aggregates"):
                names.add(name)
    return names


def _page_client(slug: str | None, username: str) -> Client:
    client = Client(HTTP_HOST=f"{slug}.localhost" if slug else "localhost")
    response = client.post("/konto/logowanie/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"log-in of {username} failed"
    return client


def test_every_benchmark_page_is_routed_and_classified() -> None:
    routed = _benchmark_pages()
    assert _marked_page_functions() == set(routed)
    for name, view in routed.items():
        mark = getattr(view, "releases_aggregates", None)
        assert isinstance(mark, bool), f"{name}: mark it with benchmarking.ui.pages.page(...)"
        if mark:
            assert name in AGGREGATE_PAGES, f"{name} shows aggregates: add how to open it"
        else:
            assert name in NOT_AGGREGATE_PAGES, f"{name}: say why it shows no aggregate"
    assert set(AGGREGATE_PAGES) | set(NOT_AGGREGATE_PAGES) == set(routed)


@pytest.mark.parametrize(
    ("name", "call"),
    [(name, call) for name, calls in sorted(AGGREGATE_PAGES.items()) for call in calls],
)
def test_each_aggregate_page_goes_through_the_gate(
    name: str, call: tuple[str | None, str, str]
) -> None:
    assert _benchmark_pages()[name].releases_aggregates
    slug, username, path = call
    client = _page_client(slug, username)
    before = gate_calls()
    response = client.get(path)
    assert response.status_code == 200, response.content[-2000:]
    assert gate_calls() > before, f"{name} answered without calling the gate"
    html = response.content.decode()
    assert 'data-gate="benchmarking.disclosure"' in html and "k = 10" in html


def test_pages_that_show_no_aggregates_do_not_call_the_gate() -> None:
    client = _page_client(None, "analityk")
    opened: set[str] = set()

    def get(name: str, path: str, **headers: str) -> None:
        before = gate_calls()
        response = client.get(path, **headers)  # type: ignore[arg-type]
        assert response.status_code == 200, (name, response.status_code)
        assert gate_calls() == before, f"{name} released figures: classify it as aggregate"
        opened.add(name)

    get("exports", "/eksporty/")
    get("export_budget", "/eksporty/budzet/?year=2024", HTTP_HX_REQUEST="true")
    response = client.post(
        "/eksporty/", {"year": "2024", "half": "1", "scope": "PL", "format": "csv",
                       "tables": ["contracts"]},
    )  # fmt: skip
    assert response.status_code == 302
    public_id = response["Location"].strip("/").split("/")[1]
    job = export_build(ExportJob.objects.get(public_id=public_id))  # the gate runs in the task
    get("export_detail", f"/eksporty/{job.public_id}/")
    get("export_status", f"/eksporty/{job.public_id}/stan/", HTTP_HX_REQUEST="true")
    get("export_download", f"/eksporty/{job.public_id}/pobierz/")
    assert opened == set(NOT_AGGREGATE_PAGES)
