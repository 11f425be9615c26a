"""Ministry exports on the demo data: asked for through the API, built through the gate, opened
as a ministry analyst would open them."""

import csv
import hashlib
import io
import json
import zipfile
from typing import Any

import numpy as np
import pytest
from django.db import DatabaseError, transaction
from openpyxl import load_workbook
from scipy.optimize import linprog

from benchmarking.disclosure import gate_calls
from benchmarking.exports.build import export_build
from benchmarking.models import ExportJob, PrivacyLedgerEntry
from tests.benchmarking.conftest import api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

MARKERS = {"x", "–"}


def _export(client: Any, **data: Any) -> ExportJob:
    response = client.post("/api/exports/", data, content_type="application/json")
    assert response.status_code == 202, response.content
    job = ExportJob.objects.get(public_id=response.json()["id"])
    # The worker's task body; the suite's transaction hides the job from a worker process.
    return export_build(job)


def _download(client: Any, job: ExportJob) -> bytes:
    response = client.get(f"/api/exports/{job.public_id}/download/")
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response["X-Checksum-SHA256"] == hashlib.sha256(content).hexdigest() == job.sha256
    return content


def _sheet_grid(sheet: Any) -> tuple[list[str], list[list[Any]]]:
    """Column labels and body rows (label first) of a table sheet: the header row is the first
    row whose first cell is the row-label heading."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Wyszczególnienie")
    header = [str(c) for c in rows[start][1:] if c is not None]
    body: list[list[Any]] = []
    for row in rows[start + 1 :]:
        if not row or row[0] is None:  # a blank line ends the table
            break
        body.append(row[: len(header) + 1])
    return header, body


def _assert_no_cell_recoverable(header: list[str], body: list[list[Any]]) -> None:
    """Independent LP audit of a table with a total row (the last row): for every suppressed
    cell, the published cells and column sums leave a range, never one value."""
    rows, cols = len(body), len(header)
    unknown = [(r, c) for r in range(rows) for c in range(cols) if isinstance(body[r][c + 1], str)]
    if not unknown:
        return
    index = {cell: i for i, cell in enumerate(unknown)}
    a_eq, b_eq = [], []
    for c in range(cols):  # body rows sum to the total row, column by column
        coefficients = np.zeros(len(unknown))
        constant = 0.0
        for r in range(rows):
            sign = -1 if r == rows - 1 else 1
            value = body[r][c + 1]
            if (r, c) in index:
                coefficients[index[(r, c)]] += sign
            else:
                constant -= sign * float(value)
        if coefficients.any():
            a_eq.append(coefficients)
            b_eq.append(constant)
    bounds = [(0, None) for _ in unknown]  # one marker: a hidden cell is only known to be ≥ 0
    for i, cell in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[i] = 1
        low = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
        high = linprog(-objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
        assert low.status == 0
        upper = float("inf") if high.status == 3 else -high.fun
        assert upper - low.fun >= 1, f"cell {cell} pinned to {low.fun}"


def test_a_national_xlsx_export_is_safe_and_says_how_it_was_made() -> None:
    client = api_client(None, "analityk")
    before = gate_calls()
    job = _export(client, period="2024-H1", scope="PL", format="xlsx")
    assert gate_calls() > before
    assert job.status == ExportJob.Status.DONE and job.progress == 100
    workbook = load_workbook(io.BytesIO(_download(client, job)))
    assert "Metryczka" in workbook.sheetnames
    # Five tables and the provenance: the table by voivodeship is not released, since no
    # voivodeship has the 3 centres a row needs, and the provenance says so.
    assert len(workbook.sheetnames) == 6
    provenance = {
        row[0]: row[1]
        for row in workbook["Metryczka"].iter_rows(values_only=True)
        if row and row[0] and len(row) > 1
    }
    for label in ("Okres sprawozdawczy", "Zakres", "Kontrola ujawnień", "Zamówił(a)",
                  "Wersje definicji wskaźników", "Przebiegi przeliczeń (tabele)"):  # fmt: skip
        assert provenance.get(label), label
    assert provenance["Zamówił(a)"] == "analityk"
    assert "k = 10" in provenance["Kontrola ujawnień"]
    assert "nie wydano" in provenance["Gospodarstwa według województw"]
    count_sheets = workbook.sheetnames[:3]  # households, persons, contracts
    suppressed = 0
    for name in count_sheets:
        header, body = _sheet_grid(workbook[name])
        for row in body:
            for cell in row[1:]:
                if isinstance(cell, str):
                    assert cell in MARKERS, (name, cell)
                    suppressed += 1
                else:
                    assert cell == 0 or cell >= 10, (name, row[0], cell)
        if name != workbook.sheetnames[2]:  # contracts has no total row
            _assert_no_cell_recoverable(header, body)
    assert suppressed > 0  # the demo data has small cells: the gate must have hidden some


def test_csv_and_json_exports_carry_the_same_rules() -> None:
    client = api_client(None, "analityk")
    csv_job = _export(client, period="2024-H1", scope="PL", format="csv", tables=["households"])
    archive = zipfile.ZipFile(io.BytesIO(_download(client, csv_job)))
    names = archive.namelist()
    assert any("households" in n for n in names) and "metryczka.csv" in names
    table = next(n for n in names if "households" in n)
    rows = list(csv.reader(io.StringIO(archive.read(table).decode("utf-8-sig")), delimiter=";"))
    numbers = [c for r in rows[1:] for c in r[1:] if c and c not in MARKERS]
    assert numbers and all(int(c) == 0 or int(c) >= 10 for c in numbers if c.isdigit())
    json_job = _export(client, period="2024", scope="PL", format="json", tables=["indicators"])
    document = json.loads(_download(client, json_job))
    assert document["tables"][0]["code"] == "indicators"
    assert {p["label"] for p in document["provenance"]} >= {"Okres sprawozdawczy", "Zakres"}


def test_only_the_requester_can_see_or_download_an_export() -> None:
    analyst = api_client(None, "analityk")
    job = _export(analyst, period="2024-H1", scope="PL", format="json", tables=["contracts"])
    listed = analyst.get("/api/exports/").json()["exports"]
    assert str(job.public_id) in {e["id"] for e in listed}
    coordinator = api_client(None, "koordynator.malopolskie")
    assert coordinator.get(f"/api/exports/{job.public_id}/download/").status_code == 404
    assert coordinator.get(f"/api/exports/{job.public_id}/").status_code == 404
    assert str(job.public_id) not in {
        e["id"] for e in coordinator.get("/api/exports/").json()["exports"]
    }
    refused = coordinator.post(
        "/api/exports/", {"period": "2024", "scope": "12"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_bad_export_requests_name_the_field() -> None:
    client = api_client(None, "analityk")
    cases = [
        ({"period": "2024-H3"}, "period"),
        ({"period": "2031"}, "period"),
        ({"period": "2024", "scope": "99"}, "scope"),
        ({"period": "2024", "format": "pdf"}, "format"),
        ({"period": "2024", "tables": ["nie-ma"]}, "tables"),
        ({"period": "2024", "dp_rho": -1}, "dp_rho"),
    ]
    for data, field in cases:
        response = client.post("/api/exports/", data, content_type="application/json")
        assert response.status_code == 400, (data, response.content)
        assert field in response.json()["fields"], (data, response.json())
    not_computed = client.post(
        "/api/exports/", {"period": "2017-H1"}, content_type="application/json"
    )
    assert not_computed.status_code == 409
    assert not ExportJob.objects.filter(parameters__period="2024-H3").exists()


def test_a_differentially_private_release_is_charged_to_the_ledger_and_over_budget_refused() -> (
    None
):
    client = api_client(None, "analityk")
    budget = client.get("/api/privacy-budget/?year=2024").json()
    assert budget["rho_spent"] == 0
    job = _export(client, period="2024-H1", scope="PL", format="json", dp_rho=0.6,
                  tables=["households", "areas", "contracts"])  # fmt: skip
    assert job.status == ExportJob.Status.DONE
    assert job.parameters["tables"] == ["households", "areas"]  # unbounded tables left out
    entry = PrivacyLedgerEntry.objects.get(release_id=job.public_id)
    assert entry.rho == pytest.approx(0.6) and entry.budget_year == 2024
    assert entry.epsilon > entry.rho and entry.scale > 0
    assert job.content is not None
    document = json.loads(bytes(job.content))
    assert any("zCDP" in p["value"] for p in document["provenance"])
    after = client.get("/api/privacy-budget/?year=2024").json()
    assert after["rho_remaining"] == pytest.approx(budget["rho_budget"] - 0.6)
    over = client.post(
        "/api/exports/",
        {"period": "2024", "dp_rho": 0.5, "tables": ["households"]},
        content_type="application/json",
    )
    assert over.status_code == 400
    assert "budżet" in over.json()["fields"]["dp_rho"][0]
    with pytest.raises(DatabaseError), transaction.atomic():
        PrivacyLedgerEntry.objects.filter(pk=entry.pk).update(rho=0.0)
