"""Export writers: every format shows exactly what the disclosure gate released (published counts
as numbers, suppressed cells as their markers, never a number), carries the provenance and the
legend, keeps Polish text intact, is byte-for-byte reproducible, and refuses un-gated input."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from benchmarking.disclosure import (
    CellStatus,
    CountTable,
    DisclosureSettings,
    ReleasedCell,
    ReleasedTable,
    ReleasedValue,
    ReleasedValueTable,
    TableSpec,
    protect_table,
    public_status,
)
from benchmarking.writers import FORMATS, ExportDocument, RenderedFile, render

POLISH = "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"
GATE = DisclosureSettings()

SPEC = TableSpec(
    code="T01_powody",
    title_pl="Gospodarstwa domowe według powodu przyznania pomocy — źródło: gminy",
    title_en="Households by reason for assistance",
    rows=(
        ("poverty", "Ubóstwo"),
        ("unemployment", "Bezrobocie"),
        ("violence", "Przemoc domowa"),
        ("disability", "Niepełnosprawność (żółć)"),
    ),
    columns=(("urban", "Gmina miejska"), ("rural", "Gmina wiejska"), ("mixed", "Miejsko-wiejska")),
    total_row=("total", "Ogółem"),
    total_column=("all", "Razem"),
    sensitive_rows=frozenset({"violence"}),
)
BODY = {
    "poverty": {"urban": 412, "rural": 150, "mixed": 77},
    "unemployment": {"urban": 96, "rural": 4, "mixed": 31},
    "violence": {"urban": 15, "rural": 0, "mixed": 3},
    "disability": {"urban": 58, "rural": 22, "mixed": 0},
}

SMALL_SPEC = TableSpec(
    code="T02/świadczenia",
    title_pl="Świadczenia: zasiłki [okresowe] i celowe?",
    title_en="Benefits",
    rows=(("periodic", "Zasiłek okresowy"), ("purpose", "Zasiłek celowy")),
    columns=(("women", "Kobiety"), ("men", "Mężczyźni")),
    total_row=("total", "Ogółem"),
    total_column=("all", "Razem"),
)
SMALL_BODY = {"periodic": {"women": 130, "men": 8}, "purpose": {"women": 64, "men": 55}}

PROVENANCE = (
    ("Źródło", "Sprawozdania ośrodków pomocy społecznej (dane zagregowane)"),
    ("Okres", "styczeń–marzec 2024"),
    ("Identyfikator publikacji", "rel-2024-q1-001"),
    ("Uwagi", f"Test znaków: {POLISH}"),
)
LEGEND = (
    ("x", "liczba od 1 do 9 — nie publikujemy (ochrona danych)"),
    ("x", "wartość utajniona, aby nie dało się jej odtworzyć z sum"),
    ("–", "brak danych lub wartość nieokreślona (np. mianownik równy zero)"),
)


def count_table(spec: TableSpec, body: Mapping[str, Mapping[str, int]]) -> CountTable:
    counts: dict[tuple[str, str], int] = {}
    column_keys = [key for key, _ in spec.columns]
    for row_key, _ in spec.rows:
        for column_key in column_keys:
            counts[(row_key, column_key)] = body[row_key][column_key]
        if spec.total_column is not None:
            counts[(row_key, spec.total_column[0])] = sum(body[row_key].values())
    if spec.total_row is not None:
        for column_key in column_keys:
            counts[(spec.total_row[0], column_key)] = sum(body[r][column_key] for r in body)
        if spec.total_column is not None:
            grand_total = sum(sum(row.values()) for row in body.values())
            counts[(spec.total_row[0], spec.total_column[0])] = grand_total
    return CountTable(spec=spec, counts=counts)


def protect(table: CountTable) -> ReleasedTable:
    # Explicit default thresholds: the tests do not depend on the project's configured ones.
    return protect_table(table, settings=GATE)


def released_value(value: str | None, status: CellStatus, reason: str = "") -> ReleasedValue:
    marker = GATE.marker(status)
    return ReleasedValue(
        value=None if value is None else Decimal(value), status=status, marker=marker, reason=reason
    )


def value_table() -> ReleasedValueTable:
    published = CellStatus.PUBLISHED
    return ReleasedValueTable(
        code="T03_wskazniki",
        title_pl="Wskaźniki pracy socjalnej — średnie i udziały",
        title_en="Social work indicators",
        rows=(
            ("share", "Udział pracy socjalnej"),
            ("median", "Mediana czasu oczekiwania"),
            ("posts", "Etaty pracowników socjalnych"),
        ),
        columns=(("q1", "I kwartał"), ("q2", "II kwartał")),
        cells={
            ("share", "q1"): released_value("41.7", published),
            ("share", "q2"): released_value(None, CellStatus.PRIMARY, "mianownik poniżej progu"),
            ("median", "q1"): released_value("12", published),
            ("median", "q2"): released_value("1234.05", published),
            ("posts", "q1"): released_value(None, CellStatus.EMPTY, "brak danych"),
            ("posts", "q2"): released_value("3.50", published),
        },
        row_units={"share": "%", "median": "dni", "posts": "etaty"},
    )


@pytest.fixture(scope="module")
def released() -> ReleasedTable:
    table = protect(count_table(SPEC, BODY))
    statuses = {cell.status for cell in table.cells.values()}
    # The fixture is meant to exercise both paths; if the gate changes, change the numbers.
    assert CellStatus.PUBLISHED in statuses
    assert statuses & {CellStatus.PRIMARY, CellStatus.COMPLEMENTARY}
    return table


@pytest.fixture(scope="module")
def document(released: ReleasedTable) -> ExportDocument:
    small = protect(count_table(SMALL_SPEC, SMALL_BODY))
    return ExportDocument(
        title=f"Pomoc społeczna — zestawienie dla ministerstwa ({POLISH})",
        tables=(released, small, value_table()),
        provenance=PROVENANCE,
        legend=LEGEND,
    )


# --- Helpers that read the files back -------------------------------------------------------


def row_labels(table: ReleasedTable) -> dict[str, str]:
    labels = dict(table.spec.rows)
    if table.spec.total_row is not None:
        labels[table.spec.total_row[0]] = table.spec.total_row[1]
    return labels


def column_labels(table: ReleasedTable) -> dict[str, str]:
    labels = dict(table.spec.columns)
    if table.spec.total_column is not None:
        labels[table.spec.total_column[0]] = table.spec.total_column[1]
    return labels


def assert_count_cell(shown: Any, cell: ReleasedCell, *, where: str) -> None:
    if cell.status == CellStatus.PUBLISHED:
        assert shown == cell.value, where
        assert isinstance(shown, int) and not isinstance(shown, bool), where
    elif cell.status in {CellStatus.PRIMARY, CellStatus.DOMINANCE, CellStatus.COMPLEMENTARY}:
        assert cell.marker, where
        assert shown == cell.marker, where
        assert not str(shown).strip().lstrip("-").isdigit(), where
    else:
        assert cell.status == CellStatus.EMPTY and shown == cell.marker, where


def grid_from_rows(rows: list[list[Any]], *, label_column: int = 0) -> dict[tuple[str, str], Any]:
    """(row label, column label) -> shown value, from a header row followed by body rows."""
    header = rows[0]
    return {
        (row[label_column], header[index]): row[index]
        for row in rows[1:]
        if row and row[label_column]
        for index in range(len(header))
        if index != label_column and header[index]
    }


def csv_member(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    raw = archive.read(name)
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name} lacks the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def csv_number(text: str) -> int:
    assert text.isdigit(), text
    return int(text)


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_table_and_shows_only_what_the_gate_released(
    document: ExportDocument, released: ReleasedTable
) -> None:
    rendered = render(document, "xlsx")
    assert rendered.extension == "xlsx"
    assert rendered.content_type.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(rendered.content))

    assert len(workbook.sheetnames) == len(document.tables) + 1
    assert workbook.sheetnames[-1] == "Metryczka"
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    assert len({name.casefold() for name in workbook.sheetnames}) == len(workbook.sheetnames)
    assert not any(ch in name for name in workbook.sheetnames for ch in "[]:*?/\\")

    sheet = workbook[workbook.sheetnames[0]]
    assert sheet.title.startswith("Gospodarstwa domowe według")
    assert sheet["A1"].value == SPEC.title_pl
    assert SPEC.unit in sheet["A2"].value
    assert sheet["A3"].value == "Wyszczególnienie" and sheet["A3"].font.b
    assert sheet.freeze_panes == "B4"

    rows = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    shown = grid_from_rows(rows)
    rows_by_label, columns_by_label = row_labels(released), column_labels(released)
    for (row_key, column_key), cell in released.cells.items():
        where = f"{row_key}/{column_key}"
        key = (rows_by_label[row_key], columns_by_label[column_key])
        assert_count_cell(shown[key], cell, where=where)

    header = rows[0]
    for row_index, row in enumerate(sheet.iter_rows(min_row=4, max_row=3 + len(SPEC.rows) + 1)):
        for cell in row[1:]:
            if isinstance(cell.value, str):
                assert cell.alignment.horizontal == "right", (row_index, cell.coordinate)
    assert all(sheet.cell(row=3, column=i + 1).font.b for i in range(len(header)))
    assert sheet.column_dimensions["A"].width >= len("Niepełnosprawność (żółć)")


def test_xlsx_value_table_keeps_decimals_units_and_markers(document: ExportDocument) -> None:
    workbook = load_workbook(io.BytesIO(render(document, "xlsx").content))
    sheet = workbook[workbook.sheetnames[2]]
    assert sheet["B3"].value == "Jednostka"
    assert sheet.freeze_panes == "C4"
    rows = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    shown = grid_from_rows(rows)
    assert shown[("Udział pracy socjalnej", "Jednostka")] == "%"
    assert shown[("Udział pracy socjalnej", "I kwartał")] == pytest.approx(41.7)
    assert shown[("Udział pracy socjalnej", "II kwartał")] == "x"
    assert shown[("Mediana czasu oczekiwania", "II kwartał")] == pytest.approx(1234.05)
    assert sheet["D5"].number_format == "#,##0.00"
    assert shown[("Etaty pracowników socjalnych", "I kwartał")] == "–"
    assert sheet["D6"].value == pytest.approx(3.5) and sheet["D6"].number_format == "#,##0.00"


def test_xlsx_metryczka_lists_provenance_then_legend_in_polish(document: ExportDocument) -> None:
    workbook = load_workbook(io.BytesIO(render(document, "xlsx").content))
    sheet = workbook["Metryczka"]
    pairs = [
        (row[0], row[1])
        for row in sheet.iter_rows(min_row=1, max_col=2, values_only=True)
        if row[0] is not None
    ]
    assert pairs[0][0] == document.title
    assert POLISH in document.title
    provenance_at = pairs.index(PROVENANCE[0])
    assert pairs[provenance_at : provenance_at + len(PROVENANCE)] == list(PROVENANCE)
    legend_at = pairs.index(LEGEND[0])
    assert legend_at > provenance_at
    assert pairs[legend_at : legend_at + len(LEGEND)] == list(LEGEND)
    assert workbook.properties.title == document.title


def test_xlsx_text_that_looks_like_a_formula_stays_text(released: ReleasedTable) -> None:
    document = ExportDocument(
        title="Zestawienie",
        tables=(released,),
        provenance=(("Zatwierdził", '=HYPERLINK("http://example.invalid")'),),
        legend=LEGEND,
    )
    workbook = load_workbook(io.BytesIO(render(document, "xlsx").content))
    cell = workbook["Metryczka"]["B3"]
    assert cell.value == '=HYPERLINK("http://example.invalid")'
    assert cell.data_type == "s"


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_zip_has_one_file_per_table_and_shows_only_what_the_gate_released(
    document: ExportDocument, released: ReleasedTable
) -> None:
    rendered = render(document, "csv")
    assert (rendered.extension, rendered.content_type) == ("zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(rendered.content)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names == [
            "01_T01_powody.csv",
            "02_T02_swiadczenia.csv",
            "03_T03_wskazniki.csv",
            "metryczka.csv",
        ]
        rows = csv_member(archive, names[0])
        value_rows = csv_member(archive, names[2])
        provenance_rows = csv_member(archive, "metryczka.csv")

    assert rows[0] == ["Wyszczególnienie", *column_labels(released).values()]
    shown = grid_from_rows(rows)
    rows_by_label, columns_by_label = row_labels(released), column_labels(released)
    for (row_key, column_key), cell in released.cells.items():
        text = shown[(rows_by_label[row_key], columns_by_label[column_key])]
        if cell.status == CellStatus.PUBLISHED:
            assert csv_number(text) == cell.value
        else:
            assert_count_cell(text, cell, where=f"{row_key}/{column_key}")

    assert value_rows[0] == ["Wyszczególnienie", "Jednostka", "I kwartał", "II kwartał"]
    assert value_rows[1] == ["Udział pracy socjalnej", "%", "41,7", "x"]
    assert value_rows[2] == ["Mediana czasu oczekiwania", "dni", "12", "1234,05"]
    assert value_rows[3] == ["Etaty pracowników socjalnych", "etaty", "–", "3,50"]

    assert ["Tytuł", document.title] in provenance_rows
    for pair in (*PROVENANCE, *LEGEND):
        assert list(pair) in provenance_rows
    assert provenance_rows.index(list(PROVENANCE[0])) < provenance_rows.index(list(LEGEND[0]))


def test_csv_neutralises_formula_like_text(released: ReleasedTable) -> None:
    document = ExportDocument(
        title="Zestawienie",
        tables=(released,),
        provenance=(("Zatwierdził", "=1+1"), ("Okres", "2024-03")),
        legend=LEGEND,
    )
    with zipfile.ZipFile(io.BytesIO(render(document, "csv").content)) as archive:
        provenance_rows = csv_member(archive, "metryczka.csv")
    assert ["Zatwierdził", "'=1+1"] in provenance_rows
    assert ["Okres", "2024-03"] in provenance_rows


# --- JSON ----------------------------------------------------------------------------------------


def test_json_carries_values_statuses_markers_and_metadata(
    document: ExportDocument, released: ReleasedTable
) -> None:
    rendered = render(document, "json")
    assert (rendered.extension, rendered.content_type) == ("json", "application/json")
    assert POLISH.encode() in rendered.content  # not \u-escaped
    payload = json.loads(rendered.content.decode("utf-8"))

    assert payload["title"] == document.title
    assert payload["provenance"] == [{"label": k, "value": v} for k, v in PROVENANCE]
    assert [(item["marker"], item["meaning"]) for item in payload["legend"]] == list(LEGEND)
    assert [table["code"] for table in payload["tables"]] == [
        "T01_powody",
        "T02/świadczenia",
        "T03_wskazniki",
    ]

    counts = payload["tables"][0]
    assert counts["unit"] == SPEC.unit and counts["title_pl"] == SPEC.title_pl
    assert [c["key"] for c in counts["columns"]] == SPEC.column_keys()
    assert [r["key"] for r in counts["rows"]] == SPEC.row_keys()
    for row in counts["rows"]:
        assert "unit" not in row
        for item in row["cells"]:
            cell = released.cells[(row["key"], item["column"])]
            # One public status for every hidden cell: why it is hidden stays in the gate.
            assert item["status"] == public_status(cell.status)
            assert item["status"] in ("published", "suppressed", "empty")
            assert item["marker"] == cell.marker
            if cell.status == CellStatus.PUBLISHED:
                assert item["value"] == cell.value and isinstance(item["value"], int)
            elif cell.status != CellStatus.EMPTY:
                assert item["value"] is None

    values = payload["tables"][2]
    assert "unit" not in values
    share = values["rows"][0]
    assert share["unit"] == "%"
    assert share["cells"] == [
        {"column": "q1", "value": "41.7", "status": "published", "marker": None},
        {"column": "q2", "value": None, "status": "suppressed", "marker": "x"},
    ]
    assert values["rows"][2]["cells"] == [
        {"column": "q1", "value": None, "status": "empty", "marker": "–"},
        {"column": "q2", "value": "3.50", "status": "published", "marker": None},
    ]


# --- Properties shared by all formats ---------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_document_same_bytes_even_at_another_time(
    document: ExportDocument, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = render(document, fmt)
    real_time = time.time
    # ZIP entries and workbook properties would otherwise carry the rendering time.
    monkeypatch.setattr(time, "time", lambda: real_time() + 86_400 * 400)
    second = render(document, fmt)
    assert isinstance(first, RenderedFile)
    assert first.content == second.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_polish_characters_survive(document: ExportDocument, fmt: str) -> None:
    content = render(document, fmt).content
    if fmt == "json":
        text = content.decode("utf-8")
    else:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    for word in ("Niepełnosprawność (żółć)", "Mężczyźni", "Ogółem", POLISH):
        assert word in text, (fmt, word)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "ungated",
    [
        pytest.param(count_table(SMALL_SPEC, SMALL_BODY), id="count-table"),
        pytest.param({("periodic", "women"): 130}, id="dict"),
        pytest.param([[130, 8], [64, 55]], id="list"),
    ],
)
def test_ungated_tables_are_refused(fmt: str, ungated: object) -> None:
    tables: Any = (ungated,)
    document = ExportDocument("Zestawienie", tables, PROVENANCE, LEGEND)
    with pytest.raises(TypeError):
        render(document, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_released_table_smuggling_raw_numbers_is_refused(
    released: ReleasedTable, fmt: str
) -> None:
    raw_numbers: dict[tuple[str, str], Any] = dict.fromkeys(released.cells, 5)
    forged = dataclasses.replace(released, cells=raw_numbers)
    with pytest.raises(TypeError):
        render(ExportDocument("Zestawienie", (forged,), PROVENANCE, LEGEND), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_value_left_on_a_suppressed_cell_is_never_written(
    released: ReleasedTable, fmt: str
) -> None:
    # The gate's cells refuse a number on a hidden cell; forge one to stand for a future bug.
    leaking = ReleasedCell(value=None, status=CellStatus.PRIMARY, marker="x")
    object.__setattr__(leaking, "value", 4)
    cells = dict(released.cells)
    cells[("unemployment", "rural")] = leaking
    leaky = dataclasses.replace(released, cells=cells)
    content = render(ExportDocument("Zestawienie", (leaky,), PROVENANCE, LEGEND), fmt).content
    if fmt == "json":
        row = json.loads(content)["tables"][0]["rows"][1]
        assert row["key"] == "unemployment"
        assert row["cells"][1] == {
            "column": "rural",
            "value": None,
            "status": "suppressed",
            "marker": "x",
        }
    elif fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            rows = csv_member(archive, archive.namelist()[0])
        assert rows[2][0] == "Bezrobocie" and rows[2][2] == "x"
    else:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        assert (sheet["A5"].value, sheet["C5"].value) == ("Bezrobocie", "x")


def test_unknown_format_is_refused(document: ExportDocument) -> None:
    for fmt in ("pdf", "CSV", "", "xls"):
        with pytest.raises(ValueError):
            render(document, fmt)


def test_sheet_titles_are_unique_and_short_even_for_equal_long_titles(
    released: ReleasedTable,
) -> None:
    twin = dataclasses.replace(released)
    metryczka_spec = dataclasses.replace(SPEC, title_pl="metryczka", code="M")
    clash = protect(count_table(metryczka_spec, BODY))
    document = ExportDocument("Zestawienie", (released, twin, clash), PROVENANCE, LEGEND)
    names = load_workbook(io.BytesIO(render(document, "xlsx").content)).sheetnames
    assert len(names) == 4 and names[-1] == "Metryczka"
    assert len({name.casefold() for name in names}) == 4
    assert all(len(name) <= 31 for name in names)
    assert names[1].endswith("(2)")


# --- Any table the gate releases ------------------------------------------------------------

bodies = st.lists(
    st.lists(st.integers(min_value=0, max_value=60), min_size=3, max_size=3),
    min_size=2,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=bodies)
def test_any_released_table_is_written_faithfully_in_json_and_csv(
    values: list[list[int]],
) -> None:
    spec = dataclasses.replace(SPEC, rows=SPEC.rows[: len(values)], sensitive_rows=frozenset())
    body = {
        row_key: dict(zip([key for key, _ in SPEC.columns], row, strict=True))
        for (row_key, _), row in zip(spec.rows, values, strict=True)
    }
    table = protect(count_table(spec, body))
    document = ExportDocument("Zestawienie", (table,), PROVENANCE, LEGEND)

    payload = json.loads(render(document, "json").content)
    written = {
        (row["key"], item["column"]): item
        for row in payload["tables"][0]["rows"]
        for item in row["cells"]
    }
    with zipfile.ZipFile(io.BytesIO(render(document, "csv").content)) as archive:
        csv_rows = csv_member(archive, archive.namelist()[0])
    shown = grid_from_rows(csv_rows)
    rows_by_label, columns_by_label = row_labels(table), column_labels(table)

    for key, cell in table.cells.items():
        item = written[key]
        text = shown[(rows_by_label[key[0]], columns_by_label[key[1]])]
        if cell.status == CellStatus.PUBLISHED:
            assert item["value"] == cell.value
            assert csv_number(text) == cell.value
        elif cell.status != CellStatus.EMPTY:
            assert item["value"] is None and item["marker"] == cell.marker
            assert text == cell.marker
