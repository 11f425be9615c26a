"""Export files (CSV in a ZIP, XLSX, JSON) written from tables that have passed the disclosure gate.

The writers accept nothing but the gate's output: :class:`~benchmarking.disclosure.ReleasedTable`
(counts) and :class:`~benchmarking.disclosure.ReleasedValueTable` (rates, medians, magnitudes),
whose cells must be the gate's own :class:`~benchmarking.disclosure.ReleasedCell` and
:class:`~benchmarking.disclosure.ReleasedValue`. Anything else, a raw ``CountTable`` or a dict
included, is a ``TypeError``: there is no path from un-gated numbers to a file.

As defence in depth a writer never writes the value of a cell that is not ``published``, even if
one were left on it (the gate's cells refuse that, but a writer does not rely on it): such a cell
carries its marker text (``x`` for every hidden value, ``–`` for none) and JSON gives it the
value ``null``.

The same document always yields the same bytes: ZIP entries (the CSV archive and the XLSX
package alike) get a fixed timestamp and fixed attributes, and the workbook's created/modified
properties are pinned to the same fixed moment. This holds for one installation; a different
zlib or openpyxl version may compress or serialise differently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from benchmarking.disclosure import (
    CellStatus,
    ReleasedCell,
    ReleasedTable,
    ReleasedValue,
    ReleasedValueTable,
    public_status,
)

FORMATS = ("csv", "xlsx", "json")

ROW_LABEL_HEADER = "Wyszczególnienie"
UNIT_HEADER = "Jednostka"
PROVENANCE_SHEET = "Metryczka"
LEGEND_HEADING = "Znaki umowne"
PROVENANCE_NOTE = "Źródło, okres i objaśnienia znaków umownych: zob. „Metryczka”."


# The ZIP format's own epoch: ZIP entries cannot be older, and workbook properties use the same
# moment so that nothing in an export depends on when it was rendered.
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_PROPERTY_TIME = dt.datetime(*_FIXED_ZIP_TIME)  # noqa: DTZ001 - openpyxl wants naive UTC

_CONTENT_TYPES = {
    "csv": ("application/zip", "zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
}

_SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Names Excel reserves or this writer uses for itself, compared case-insensitively.
_RESERVED_SHEET_TITLES = frozenset({PROVENANCE_SHEET.casefold(), "history"})
_FILE_CODE_FORBIDDEN = re.compile(r"[^A-Za-z0-9_.-]+")
# Letters that Unicode decomposition leaves whole (ł is not l plus a mark).
_NON_DECOMPOSING = str.maketrans({"ł": "l", "Ł": "L"})
# Text a spreadsheet would read as a formula when a CSV is opened (OWASP "CSV injection").
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportDocument:
    """One export: gated tables plus the metadata that must travel with them.

    ``provenance`` holds (Polish label, value) pairs in display order: source, period, release id,
    disclosure rules applied, DP parameters if any. ``legend`` explains each marker the tables may
    show, e.g. ``("<10", "liczba od 1 do 9 — nie publikujemy (ochrona danych)")``."""

    title: str
    tables: Sequence[ReleasedTable | ReleasedValueTable]
    provenance: Sequence[tuple[str, str]]
    legend: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class RenderedFile:
    content: bytes
    content_type: str
    extension: str


def render(document: ExportDocument, fmt: str) -> RenderedFile:
    """Render ``document`` as ``fmt`` (one of :data:`FORMATS`).

    Raises ``ValueError`` for an unknown format and ``TypeError`` if the document, any of its
    tables or any of their cells is not the disclosure gate's output."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not isinstance(document, ExportDocument):
        raise TypeError(f"expected an ExportDocument, got {type(document).__name__}")
    grids = [_grid(table) for table in document.tables]
    if fmt == "csv":
        content = _render_csv(document, grids)
    elif fmt == "xlsx":
        content = _render_xlsx(document, grids)
    else:
        content = _render_json(document, grids)
    content_type, extension = _CONTENT_TYPES[fmt]
    return RenderedFile(content=content, content_type=content_type, extension=extension)


# --- One neutral shape for both kinds of table ------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    column: str
    number: int | Decimal | None
    status: CellStatus | None
    marker: str | None

    @property
    def shown(self) -> int | Decimal | str:
        """What a spreadsheet cell shows: the marker wins, then the number, else nothing."""
        if self.marker:
            return self.marker
        if self.number is not None:
            return self.number
        return ""


@dataclass(frozen=True)
class _Row:
    key: str
    label: str
    unit: str | None
    is_total: bool
    cells: tuple[_Cell, ...]


@dataclass(frozen=True)
class _Grid:
    code: str
    title_pl: str
    title_en: str
    unit: str | None  # one unit for the whole table (counts); None when rows have their own
    columns: tuple[tuple[str, str], ...]
    rows: tuple[_Row, ...]

    @property
    def has_row_units(self) -> bool:
        return self.unit is None


def _grid(table: object) -> _Grid:
    if isinstance(table, ReleasedTable):
        return _count_grid(table)
    if isinstance(table, ReleasedValueTable):
        return _value_grid(table)
    raise TypeError(
        f"only tables released by the disclosure gate can be exported, got {type(table).__name__}"
    )


def _count_grid(table: ReleasedTable) -> _Grid:
    spec = table.spec
    row_labels = dict(spec.rows)
    column_labels = dict(spec.columns)
    if spec.total_row is not None:
        row_labels[spec.total_row[0]] = spec.total_row[1]
    if spec.total_column is not None:
        column_labels[spec.total_column[0]] = spec.total_column[1]
    columns = tuple((key, column_labels[key]) for key in spec.column_keys())
    total_row_key = spec.total_row[0] if spec.total_row is not None else None
    rows = []
    for row_key in spec.row_keys():
        cells = tuple(
            _count_cell(column_key, table.cells.get((row_key, column_key)))
            for column_key, _ in columns
        )
        rows.append(_Row(row_key, row_labels[row_key], None, row_key == total_row_key, cells))
    return _Grid(spec.code, spec.title_pl, spec.title_en, spec.unit, columns, tuple(rows))


def _count_cell(column: str, cell: object) -> _Cell:
    if cell is None:
        # The gate produced no cell here: write nothing rather than guess.
        return _Cell(column, None, None, None)
    if not isinstance(cell, ReleasedCell):
        raise TypeError(f"a released table holds a {type(cell).__name__} instead of a ReleasedCell")
    number: int | None = None
    if cell.status == CellStatus.PUBLISHED and cell.value is not None:
        if isinstance(cell.value, bool) or not isinstance(cell.value, int):
            raise TypeError(f"a released count must be an int, got {type(cell.value).__name__}")
        number = cell.value
    return _Cell(column, number, cell.status, cell.marker)


def _value_grid(table: ReleasedValueTable) -> _Grid:
    rows = []
    for row_key, row_label in table.rows:
        cells = tuple(
            _value_cell(column_key, table.cells.get((row_key, column_key)))
            for column_key, _ in table.columns
        )
        rows.append(_Row(row_key, row_label, table.row_units.get(row_key, ""), False, cells))
    return _Grid(
        table.code, table.title_pl, table.title_en, None, tuple(table.columns), tuple(rows)
    )


def _value_cell(column: str, cell: object) -> _Cell:
    if cell is None:
        return _Cell(column, None, None, None)
    if not isinstance(cell, ReleasedValue):
        raise TypeError(
            f"a released table holds a {type(cell).__name__} instead of a ReleasedValue"
        )
    number: Decimal | None = None
    if cell.status == CellStatus.PUBLISHED and cell.value is not None:
        if not isinstance(cell.value, Decimal):
            raise TypeError(f"a released value must be a Decimal, got {type(cell.value).__name__}")
        number = cell.value
    return _Cell(column, number, cell.status, cell.marker)


# --- JSON ---------------------------------------------------------------------------------------


def _render_json(document: ExportDocument, grids: Sequence[_Grid]) -> bytes:
    payload = {
        "title": document.title,
        "provenance": [{"label": label, "value": value} for label, value in document.provenance],
        "legend": [{"marker": marker, "meaning": meaning} for marker, meaning in document.legend],
        "tables": [_json_table(grid) for grid in grids],
    }
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_table(grid: _Grid) -> dict[str, Any]:
    table: dict[str, Any] = {
        "code": grid.code,
        "title_pl": grid.title_pl,
        "title_en": grid.title_en,
    }
    if grid.unit is not None:
        table["unit"] = grid.unit
    table["columns"] = [{"key": key, "label": label} for key, label in grid.columns]
    table["rows"] = [_json_row(row, with_unit=grid.has_row_units) for row in grid.rows]
    return table


def _json_row(row: _Row, *, with_unit: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"key": row.key, "label": row.label}
    if with_unit:
        result["unit"] = row.unit
    result["cells"] = [
        {
            "column": cell.column,
            # Decimals as strings so that no float rounding creeps into published values.
            "value": _plain_decimal(cell.number)
            if isinstance(cell.number, Decimal)
            else cell.number,
            # One status for every hidden value: why it is hidden stays inside the gate.
            "status": public_status(cell.status) if cell.status is not None else None,
            "marker": cell.marker,
        }
        for cell in row.cells
    ]
    return result


# --- CSV (one file per table, in a ZIP) -------------------------------------------------------


def _render_csv(document: ExportDocument, grids: Sequence[_Grid]) -> bytes:
    files: dict[str, bytes] = {}
    listing: list[tuple[str, str]] = []
    for index, grid in enumerate(grids, start=1):
        name = f"{index:02d}_{_file_code(grid.code, index)}.csv"
        files[name] = _csv_bytes(_csv_table_rows(grid))
        unit = f" ({grid.unit})" if grid.unit else ""
        listing.append((name, f"{grid.title_pl}{unit}"))
    files["metryczka.csv"] = _csv_bytes(_csv_provenance_rows(document, listing))
    return _deterministic_zip(sorted(files.items()))


def _csv_table_rows(grid: _Grid) -> Iterable[list[str]]:
    header = [ROW_LABEL_HEADER]
    if grid.has_row_units:
        header.append(UNIT_HEADER)
    header.extend(_safe_text(label) for _, label in grid.columns)
    yield header
    for row in grid.rows:
        line = [_safe_text(row.label)]
        if grid.has_row_units:
            line.append(_safe_text(row.unit or ""))
        line.extend(_csv_value(cell.shown) for cell in row.cells)
        yield line


def _csv_provenance_rows(
    document: ExportDocument, listing: Sequence[tuple[str, str]]
) -> Iterable[list[str]]:
    yield ["Pozycja", "Wartość"]
    yield ["Tytuł", _safe_text(document.title)]
    for label, value in document.provenance:
        yield [_safe_text(label), _safe_text(value)]
    yield []
    yield [LEGEND_HEADING, "Znaczenie"]
    for marker, meaning in document.legend:
        yield [marker, _safe_text(meaning)]
    yield []
    yield ["Plik", "Tabela"]
    for name, title in listing:
        yield [name, _safe_text(title)]


def _csv_bytes(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    # A byte-order mark makes Polish Excel read the file as UTF-8 rather than Windows-1250.
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(shown: int | Decimal | str) -> str:
    if isinstance(shown, Decimal):
        return _plain_decimal(shown).replace(".", ",")
    return str(shown)


def _safe_text(text: str) -> str:
    """Neutralise text that a spreadsheet would evaluate as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_LEADS) else text


def _file_code(code: str, index: int) -> str:
    """An ASCII file name part: ZIP tools disagree on non-ASCII names, so Polish letters are
    transliterated (ś → s, ł → l) and anything else unusual becomes an underscore."""
    ascii_code = (
        unicodedata.normalize("NFKD", code.translate(_NON_DECOMPOSING))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    cleaned = _FILE_CODE_FORBIDDEN.sub("_", ascii_code).strip("._")
    return cleaned or f"tabela{index}"


# --- XLSX ----------------------------------------------------------------------------------------

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=12)
_RIGHT = Alignment(horizontal="right")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _render_xlsx(document: ExportDocument, grids: Sequence[_Grid]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    titles: set[str] = set(_RESERVED_SHEET_TITLES)
    for grid in grids:
        sheet = workbook.create_sheet(_sheet_title(grid, titles))
        _write_table_sheet(sheet, grid)
    _write_provenance_sheet(workbook.create_sheet(PROVENANCE_SHEET), document)

    properties = workbook.properties
    properties.title = document.title
    properties.creator = "Platforma OPS"
    properties.language = "pl-PL"
    properties.created = _FIXED_PROPERTY_TIME
    properties.modified = _FIXED_PROPERTY_TIME

    # Workbook.save() would stamp the current time into the properties, and ZipFile.writestr()
    # stamps it into every entry, so: write through ExcelWriter, then re-pack with fixed times.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        # Keep openpyxl's entry order (readers find parts through [Content_Types].xml anyway).
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return _deterministic_zip(entries)


def _write_table_sheet(sheet: Any, grid: _Grid) -> None:
    first_value_column = 3 if grid.has_row_units else 2
    _text(sheet, 1, 1, grid.title_pl).font = _TITLE_FONT
    unit = grid.unit if grid.unit is not None else "zob. kolumna „Jednostka”"
    _text(sheet, 2, 1, f"Jednostka: {unit}")

    header_row = 3
    headers = [ROW_LABEL_HEADER]
    if grid.has_row_units:
        headers.append(UNIT_HEADER)
    headers.extend(label for _, label in grid.columns)
    for column, label in enumerate(headers, start=1):
        cell = _text(sheet, header_row, column, label)
        cell.font = _BOLD
        cell.alignment = _HEADER_ALIGNMENT

    for offset, row in enumerate(grid.rows, start=1):
        row_number = header_row + offset
        label_cell = _text(sheet, row_number, 1, row.label)
        if row.is_total:
            label_cell.font = _BOLD
        if grid.has_row_units:
            _text(sheet, row_number, 2, row.unit or "")
        for column, released in enumerate(row.cells, start=first_value_column):
            _write_value(sheet.cell(row=row_number, column=column), released, bold=row.is_total)

    _text(sheet, header_row + len(grid.rows) + 2, 1, PROVENANCE_NOTE)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=first_value_column).coordinate

    label_width = max([len(ROW_LABEL_HEADER), *(len(row.label) for row in grid.rows)])
    _set_width(sheet, 1, label_width)
    if grid.has_row_units:
        _set_width(sheet, 2, max([len(UNIT_HEADER), *(len(row.unit or "") for row in grid.rows)]))
    for index, (_, label) in enumerate(grid.columns):
        widest_value = max(
            (len(_csv_value(row.cells[index].shown)) for row in grid.rows), default=0
        )
        # Long labels wrap in the header, so they need not widen the column beyond a point.
        _set_width(sheet, first_value_column + index, max(min(len(label), 24), widest_value))


def _write_value(cell: Any, released: _Cell, *, bold: bool) -> None:
    shown = released.shown
    if isinstance(shown, str):
        cell.value = shown
        cell.data_type = "s"
        cell.alignment = _RIGHT
    elif isinstance(shown, Decimal):
        # Excel stores doubles; the number format keeps the published number of decimals.
        cell.value = float(shown)
        places = max(0, -_exponent(shown))
        cell.number_format = "#,##0" + ("." + "0" * places if places else "")
    else:
        cell.value = shown
        cell.number_format = "#,##0"
    if bold:
        cell.font = _BOLD


def _write_provenance_sheet(sheet: Any, document: ExportDocument) -> None:
    _text(sheet, 1, 1, document.title).font = _TITLE_FONT
    _text(sheet, 2, 1, PROVENANCE_SHEET).font = _BOLD
    row = 3
    for label, value in document.provenance:
        _text(sheet, row, 1, label).font = _BOLD
        _text(sheet, row, 2, value)
        row += 1
    row += 1
    _text(sheet, row, 1, LEGEND_HEADING).font = _BOLD
    row += 1
    for marker, meaning in document.legend:
        _text(sheet, row, 1, marker).alignment = _RIGHT
        _text(sheet, row, 2, meaning)
        row += 1
    labels = [label for label, _ in document.provenance] + [LEGEND_HEADING]
    values = [value for _, value in document.provenance] + [m for _, m in document.legend]
    _set_width(sheet, 1, max(len(text) for text in labels))
    _set_width(sheet, 2, max((len(text) for text in values), default=10))


def _text(sheet: Any, row: int, column: int, text: str) -> Any:
    """A text cell that stays text: openpyxl would turn a leading "=" into a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    return cell


def _set_width(sheet: Any, column: int, characters: int) -> None:
    sheet.column_dimensions[get_column_letter(column)].width = min(max(characters, 6) + 2, 80)


def _sheet_title(grid: _Grid, taken: set[str]) -> str:
    """A sheet name Excel accepts (≤ 31 characters, no []:*?/\\, unique ignoring case)."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", grid.title_pl or grid.code)
    base = " ".join(base.split()).strip("'") or grid.code or "Tabela"
    candidate = base[:_SHEET_TITLE_MAX].rstrip()
    number = 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate = base[: _SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
        number += 1
    taken.add(candidate.casefold())
    return candidate


# --- Shared helpers -----------------------------------------------------------------------------


def _deterministic_zip(entries: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the host: same bytes on every platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _plain_decimal(value: Decimal) -> str:
    """Fixed-point text without exponent notation (``Decimal("1E+1")`` is ``"10"``)."""
    return format(value, "f")


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
