"""Differentially private releases stand apart from exact ones: DP releases follow
the exact release's suppression pattern, and the same analyst can also download the exact
release of that period.

* The pattern of a noisy release depends on the noisy counts only: whatever exact releases the
  ledger of published cells holds (same scope and period, the year, the other half-year, hidden
  or shown), the noisy release hides the same cells.
* Exact and noisy releases of the same period and scope are never both offered, in whatever
  order an analyst asks for them.

Both run the real code paths (the export service the worker runs, the API an analyst calls) on
the demo data. The noise itself comes from OpenDP, outside this system: the first test replaces
it with a fixed draw so that two builds of the same release can be compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarking import dp
from benchmarking.exports.build import export_build
from benchmarking.models import ExportJob, PublishedCell
from tenants.accounts.models import User
from tenants.accounts.roles import Role
from tenants.demo import DEMO_PASSWORD
from tests.benchmarking.conftest import api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

DB_PROPERTY = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class _Rollback(Exception):
    """Raised to undo one generated example's writes."""


def _fixed_noise(values: Sequence[int], *, scale: float) -> list[int]:
    """A fixed, data-independent "noise" draw: the same for every build of one release."""
    return [v + (i * 7919) % 5 - 2 for i, v in enumerate(values)]


def _analyst() -> Any:
    return User.objects.filter(role=Role.MINISTRY_ANALYST).order_by("pk").first()


def _dp_pattern(parameters: dict[str, Any]) -> dict[str, Any]:
    """Build a noisy release inside a savepoint and return its suppression pattern."""
    pattern: dict[str, Any] = {}
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(requested_by=_analyst(), parameters=parameters)
            pattern = export_build(job).suppressed_pattern
            raise _Rollback
    except _Rollback:
        pass
    return pattern


exact_history = st.lists(
    st.tuples(
        st.sampled_from(["2024-H1", "2024-H2", "2024"]),
        st.sampled_from(["households", "persons", "areas"]),
        st.sampled_from(["ogolem", "ubostwo", "bezrobocie", "przemoc", "kleska"]),
        st.sampled_from(["ogolem", "zasilek-staly", "praca-socjalna", "dps", "posilek"]),
        st.booleans(),
        st.integers(0, 40),
    ),
    max_size=25,
)


@DB_PROPERTY
@given(history=exact_history)
def test_dp_release_pattern_does_not_depend_on_any_exact_release(
    history: list[tuple[str, str, str, str, bool, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dp, "noisy_counts", _fixed_noise)
    parameters = {"period": "2024-H1", "scope": "PL", "tables": ["households", "persons"],
                  "format": "json", "dp_rho": 0.05}  # fmt: skip
    alone = _dp_pattern(parameters)
    try:
        with transaction.atomic():
            PublishedCell.objects.bulk_create(
                PublishedCell(
                    audience="ministry",
                    channel="export",
                    exact=True,
                    scope="PL",
                    period=period,
                    table=table,
                    row=row,
                    column=column,
                    value=None if hidden else value,
                    marker="x" if hidden else "",
                    hidden=hidden,
                    sensitive=hidden and 0 < value < 10,
                    release="exact-history",
                    fingerprint=f"h{i}",
                )
                for i, (period, table, row, column, hidden, value) in enumerate(history)
            )
            beside_exact = _dp_pattern(parameters)
            raise _Rollback
    except _Rollback:
        pass
    assert alone, "the noisy release was built"
    assert beside_exact == alone


request_sequences = st.lists(
    st.tuples(st.sampled_from(["2024-H1", "2024"]), st.booleans()), min_size=2, max_size=5
)


@DB_PROPERTY
@given(requests=request_sequences)
def test_exact_and_dp_of_the_same_period_and_scope_are_never_both_offered(
    requests: list[tuple[str, bool]],
) -> None:
    client = api_client(None, "analityk")
    try:
        with transaction.atomic():
            offered: dict[str, set[bool]] = {}
            for period, noisy in requests:
                body: dict[str, Any] = {"period": period, "scope": "PL", "format": "json",
                                        "tables": ["households"]}  # fmt: skip
                if noisy:
                    body["dp_rho"] = 0.01
                response = client.post("/api/exports/", body, content_type="application/json")
                other = offered.get(period, set()) - {noisy}
                if other:
                    assert response.status_code == 400, response.content
                    assert "szumem różnicowym" in response.json()["fields"]["dp_rho"][0]
                else:
                    assert response.status_code == 202, response.content
                    offered.setdefault(period, set()).add(noisy)
            for period in offered:
                jobs = ExportJob.objects.filter(
                    parameters__period=period, parameters__scope="PL"
                ).exclude(status=ExportJob.Status.FAILED)
                kinds = {job.parameters["dp_rho"] is not None for job in jobs}
                assert len(kinds) == 1, (period, kinds)
            raise _Rollback
    except _Rollback:
        pass


def test_the_export_page_states_the_per_household_budget_across_years() -> None:
    client = api_client(None, "analityk")
    budget = client.get("/api/privacy-budget/?year=2024").json()
    assert budget["rho_ten_years"] == pytest.approx(10 * budget["rho_budget"])
    assert "koszty ρ się sumują" in budget["household_note"]
    browser = Client(HTTP_HOST="localhost")
    browser.post("/konto/logowanie/", {"username": "analityk", "password": DEMO_PASSWORD})
    page = browser.get("/eksporty/").content.decode()
    assert "obowiązuje osobno dla danych każdego roku" in page
    assert "przy 10 latach danych jego ochrona odpowiada łącznie ρ = " in page
