"""The ledger of published cells: writes and reads of ``PublishedCell`` (issue 15).

Every aggregate that leaves the platform (export, API answer, page figure) is recorded here cell
by cell, and new releases are protected against it: a cell hidden once stays hidden in every
later release of the same family (per cell, not per latest job), and values already out are
constants in the linked audit.

A family is what one kind of reader can hold together: ``audience`` (ministry, region, peer)
and ``viewer`` (for coordinators, their voivodeships). Exact and differentially private
releases are kept apart (``exact``): a noisy release never takes its pattern from an exact one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from benchmarking.models import PublishedCell

Key = tuple[str, ...]  # (table, scope, period, row, column)


@dataclass(frozen=True)
class LedgerCell:
    table: str
    scope: str
    period: str
    row: str
    column: str
    value: Decimal | int | None  # None when hidden or empty
    hidden: bool
    marker: str = ""
    sensitive: bool = False

    @property
    def key(self) -> Key:
        return (self.table, self.scope, self.period, self.row, self.column)


def record(
    cells: Iterable[LedgerCell],
    *,
    audience: str,
    channel: str,
    release: str,
    viewer: str = "",
    exact: bool = True,
) -> int:
    """Append the cells of one release; a cell already recorded with the same outcome is not
    repeated. Returns how many rows were new."""
    return record_releases(
        [(cells, release)], audience=audience, channel=channel, viewer=viewer, exact=exact
    )


def record_releases(
    releases: Iterable[tuple[Iterable[LedgerCell], str]],
    *,
    audience: str,
    channel: str,
    viewer: str = "",
    exact: bool = True,
) -> int:
    """:func:`record` of several releases (cells, release id) in one insert, whatever their
    number (a coordinator's named centres side by side). Returns how many rows were new."""
    rows = []
    for cells, release in releases:
        for cell in cells:
            value = None if cell.value is None else Decimal(cell.value)
            shown = "x" if cell.hidden else ("–" if value is None else f"{value.normalize():f}")
            fingerprint = hashlib.sha256(
                "\x1f".join(
                    (audience, viewer, "exact" if exact else "dp", *cell.key, shown)
                ).encode()
            ).hexdigest()
            rows.append(
                PublishedCell(
                    audience=audience,
                    viewer=viewer,
                    channel=channel,
                    exact=exact,
                    scope=cell.scope,
                    period=cell.period,
                    table=cell.table,
                    row=cell.row[:100],
                    column=cell.column[:100],
                    value=value,
                    marker=cell.marker[:5],
                    hidden=cell.hidden,
                    sensitive=cell.sensitive,
                    release=release[:64],
                    fingerprint=fingerprint,
                )
            )
    if not rows:
        return 0
    # One statement for all rows (client-side parameters, no limit on their number).
    created = PublishedCell.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def family(
    *,
    audience: str,
    tables: Sequence[str],
    periods: Sequence[str],
    viewer: str = "",
    exact: bool = True,
    scope: str | None = None,
) -> tuple[dict[Key, Decimal], set[Key], set[Key]]:
    """What the family already holds: the latest published value of each cell, every cell
    hidden at least once (hidden cells stay hidden for good), and which of those were hidden
    for themselves (they keep needing a protection interval of k)."""
    rows = PublishedCell.objects.filter(
        audience=audience, viewer=viewer, exact=exact, table__in=list(tables),
        period__in=list(periods),
    )  # fmt: skip
    if scope is not None:
        rows = rows.filter(scope=scope)
    published: dict[Key, Decimal] = {}
    hidden: set[Key] = set()
    sensitive: set[Key] = set()
    for table, cell_scope, period, row, column, value, is_hidden, is_sensitive in rows.order_by(
        "created_at", "pk"
    ).values_list("table", "scope", "period", "row", "column", "value", "hidden", "sensitive"):
        key = (table, cell_scope, period, row, column)
        if is_hidden:
            hidden.add(key)
            if is_sensitive:
                sensitive.add(key)
        elif value is not None:
            published[key] = value
    return published, hidden, sensitive


def periods_of_year(year: int) -> list[str]:
    """Every fixed period label of a calendar year."""
    return [
        str(year),
        f"{year}-H1",
        f"{year}-H2",
        *(f"{year}-Q{q}" for q in range(1, 5)),
        *(f"{year}-{m:02d}" for m in range(1, 13)),
    ]
