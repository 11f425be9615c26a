"""The ledger of published cells: writes and reads of ``PublishedCell``.

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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

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
    repeated (the database skips it). Returns how many rows were sent."""
    return record_releases(
        [(cells, release)], audience=audience, channel=channel, viewer=viewer, exact=exact
    )


def fingerprint_of(
    cell: LedgerCell, *, audience: str, viewer: str, exact: bool, after: str = ""
) -> str:
    """What makes a row unique in the ledger: the family, the cell, its outcome (``x`` hidden,
    ``–`` empty, else the value) and ``after``, the fingerprint of the cell's row it follows
    ("" for a cell's first row). Chaining on the row before makes an outcome that comes back
    after a correction (A, then B, then A again) a new row, so that the cell's latest row is
    what its readers last saw; the same outcome twice in a row is one row."""
    parts = (audience, viewer, "exact" if exact else "dp", *cell.key, _shown(cell))
    if after:
        parts = (*parts, after)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _shown(cell: LedgerCell) -> str:
    return _outcome_text(None if cell.value is None else Decimal(cell.value), cell.hidden)


def _outcome_text(value: Decimal | None, hidden: bool) -> str:
    if hidden:
        return "x"
    return "–" if value is None else f"{value.normalize():f}"


Latest = tuple[str, str]  # a cell's latest row: its outcome (see _shown) and fingerprint


def record_releases(
    releases: Iterable[tuple[Iterable[LedgerCell], str]],
    *,
    audience: str,
    channel: str,
    viewer: str = "",
    exact: bool = True,
) -> int:
    """:func:`record` of several releases (cells, release id) in one insert, whatever their
    number (a coordinator's named centres side by side), in order: a cell is written when its
    outcome differs from the cell's latest row (read from the ledger, one query), so that the
    latest row of every cell is what its readers saw last, also when a correction is undone
    (A, B, A). Returns how many rows were sent (one statement; the database skips those
    recorded meanwhile)."""
    entries = [(cell, release, channel, None) for cells, release in releases for cell in cells]
    return _write(entries, audience=audience, viewer=viewer, exact=exact)


def _write(
    entries: Sequence[tuple[LedgerCell, str, str, str | None]],
    *,
    audience: str,
    viewer: str,
    exact: bool,
) -> int:
    """Insert (cell, release, channel, fingerprint) in order, in one statement. A fingerprint
    None: the cell's latest row is read from the ledger (one query for all of them) and the
    cell is written only if its outcome differs, chained on that row."""
    unknown = {cell.key for cell, _, _, fingerprint in entries if fingerprint is None}
    latest = _latest_rows(unknown, audience=audience, viewer=viewer, exact=exact)
    rows = []
    for cell, release, channel, fingerprint in entries:
        if fingerprint is None:
            shown = _shown(cell)
            previous = latest.get(cell.key)
            if previous is not None and previous[0] == shown:
                continue
            fingerprint = fingerprint_of(
                cell,
                audience=audience,
                viewer=viewer,
                exact=exact,
                after="" if previous is None else previous[1],
            )
            latest[cell.key] = (shown, fingerprint)
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
                value=None if cell.value is None else Decimal(cell.value),
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


def _latest_rows(
    keys: Iterable[Key], *, audience: str, viewer: str, exact: bool
) -> dict[Key, Latest]:
    """The latest row of each of these cells in the family: its outcome and fingerprint."""
    keys = set(keys)
    if not keys:
        return {}
    columns = ("table", "scope", "period", "row", "column")
    rows = (
        PublishedCell.objects.filter(
            audience=audience,
            viewer=viewer,
            exact=exact,
            table__in=sorted({key[0] for key in keys}),
            scope__in=sorted({key[1] for key in keys}),
            period__in=sorted({key[2] for key in keys}),
        )
        .order_by(*columns, "-created_at", "-pk")
        .distinct(*columns)
        .values_list(*columns, "value", "hidden", "fingerprint")
    )
    return {
        tuple(key): (_outcome_text(value, hidden), fingerprint)
        for *key, value, hidden, fingerprint in rows
        if tuple(key) in keys
    }


def family(
    *,
    audience: str,
    tables: Sequence[str],
    periods: Sequence[str],
    viewer: str = "",
    exact: bool = True,
    scope: str | None = None,
    windows_of: Sequence[int] = (),
    scopes: Iterable[str] | None = None,
) -> tuple[dict[Key, Decimal], set[Key], set[Key]]:
    """What the family already holds: the latest published value of each cell, every cell
    hidden at least once (hidden cells stay hidden for good), and which of those were hidden
    for themselves (they keep needing a protection interval of k). ``windows_of``: also the
    before/after windows (``2023-04..2024-03``) that start or end in one of these years.
    ``scope`` / ``scopes``: only the cells of that scope / of these scopes."""
    rows = PublishedCell.objects.filter(
        audience=audience, viewer=viewer, exact=exact, table__in=list(tables)
    )
    wanted = Q(period__in=list(periods))
    if windows_of:
        # Before/after windows (``2023-04..2024-03``) that touch one of these years.
        opening, closing = _window_patterns(windows_of)
        wanted |= Q(period__regex=opening) | Q(period__regex=closing)
    rows = rows.filter(wanted)
    if scope is not None:
        rows = rows.filter(scope=scope)
    if scopes is not None:
        rows = rows.filter(scope__in=sorted(set(scopes)))
    outcomes: dict[Key, list[Outcome]] = {}
    for table, cell_scope, period, row, column, value, is_hidden, is_sensitive in rows.order_by(
        "created_at", "pk"
    ).values_list("table", "scope", "period", "row", "column", "value", "hidden", "sensitive"):
        key = (table, cell_scope, period, row, column)
        outcomes.setdefault(key, []).append(Outcome(value, is_hidden, is_sensitive, ""))
    return _fold(outcomes)


@dataclass(frozen=True)
class Outcome:
    """One recorded row of a cell: its value, whether it was hidden, and hidden for itself."""

    value: Decimal | None
    hidden: bool
    sensitive: bool
    fingerprint: str


def _window_patterns(years: Iterable[int]) -> tuple[str, str]:
    alternatives = "|".join(str(int(year)) for year in sorted(set(years)))
    return rf"^({alternatives})-[0-9]{{2}}\.\.", rf"\.\.({alternatives})-[0-9]{{2}}$"


def _fold(
    outcomes: Mapping[Key, Sequence[Outcome]],
) -> tuple[dict[Key, Decimal], set[Key], set[Key]]:
    """The family's state from each cell's rows in the order they were recorded."""
    published: dict[Key, Decimal] = {}
    hidden: set[Key] = set()
    sensitive: set[Key] = set()
    for key, rows in outcomes.items():
        for outcome in rows:
            if outcome.hidden:
                hidden.add(key)
                if outcome.sensitive:
                    sensitive.add(key)
            elif outcome.value is not None:
                published[key] = outcome.value
    return published, hidden, sensitive


class HeldLedger:
    """One family's ledger read once and held in memory for several answers in a row (a
    coordinator's named centres side by side): :meth:`family` gives what :func:`family` would
    read back at that point, :meth:`record` holds an answer's cells as :func:`record` would add
    them (a cell with an outcome already recorded is not repeated), and :meth:`flush` writes
    everything held in one insert, in order. Reading tables or periods not held yet writes what
    is held first and reads again (one more query), so the answers stay exactly those of
    reading and recording one by one.

    The cells are indexed by table and scope, so that an answer reads only the cells it can
    relate to (its own cells, or the scopes the linked audit's structure ties to it) and not
    everything the family was ever shown: :attr:`read` counts the rows read from the ledger and
    :attr:`examined` the cells :meth:`family` looked at; neither grows with the cells of the
    family's other scopes."""

    def __init__(self, *, audience: str, viewer: str = "", exact: bool = True) -> None:
        self.audience, self.viewer, self.exact = audience, viewer, exact
        self._tables: set[str] = set()
        self._periods: set[str] = set()
        self._window_years: set[int] = set()
        self._scopes: set[str] | None = set()  # the scopes held (None: every scope)
        self._outcomes: dict[Key, list[Outcome]] = {}
        # (table, scope) → its cells held, in the order first seen.
        self._by_scope: dict[tuple[str, str], dict[Key, None]] = {}
        # (cell, release, channel, fingerprint or None when the cell is not held)
        self._pending: list[tuple[LedgerCell, str, str, str | None]] = []
        self.examined = 0  # cells looked at by family(): what an answer's reading costs
        self.read = 0  # rows read from the ledger by cover()
        self._holds: dict[tuple[str, frozenset[str]], bool] = {}

    def cover(
        self,
        *,
        tables: Iterable[str],
        periods: Iterable[str],
        windows_of: Iterable[int] = (),
        scopes: Iterable[str] | None = None,
    ) -> None:
        """Hold what the family has of these tables and periods (and the windows touching
        ``windows_of``), of these ``scopes`` only or of every scope (None): nothing to do when
        held already, else one read of everything held."""
        tables, periods, years = set(tables), set(periods), set(windows_of)
        wanted = None if scopes is None else set(scopes)
        if (
            tables <= self._tables
            and periods <= self._periods
            and years <= self._window_years
            and (self._scopes is None or (wanted is not None and wanted <= self._scopes))
        ):
            return
        self.flush()
        self._tables |= tables
        self._periods |= periods
        self._window_years |= years
        self._scopes = None if wanted is None or self._scopes is None else self._scopes | wanted
        rows = PublishedCell.objects.filter(
            audience=self.audience,
            viewer=self.viewer,
            exact=self.exact,
            table__in=sorted(self._tables),
        )
        if self._scopes is not None:
            rows = rows.filter(scope__in=sorted(self._scopes))
        in_periods = Q(period__in=sorted(self._periods))
        if self._window_years:
            opening, closing = _window_patterns(self._window_years)
            in_periods |= Q(period__regex=opening) | Q(period__regex=closing)
        self._outcomes = {}
        self._by_scope = {}
        columns = ("table", "scope", "period", "row", "column")
        for *key, value, is_hidden, is_sensitive, fingerprint in (
            rows.filter(in_periods)
            .order_by("created_at", "pk")
            .values_list(*columns, "value", "hidden", "sensitive", "fingerprint")
        ):
            self.read += 1
            self._add(tuple(key), Outcome(value, is_hidden, is_sensitive, fingerprint))

    def _add(self, key: Key, outcome: Outcome) -> None:
        rows = self._outcomes.get(key)
        if rows is None:
            rows = self._outcomes[key] = []
            self._by_scope.setdefault((key[0], key[1]), {})[key] = None
        rows.append(outcome)

    def _held(self, key: Key) -> bool:
        return (
            key[0] in self._tables
            and (self._scopes is None or key[1] in self._scopes)
            and (key[2] in self._periods or _touches(key[2], self._window_years))
        )

    def holds(self, scope: str, tables: Iterable[str]) -> bool:
        """Whether the family has any cell of ``scope`` in these tables, of any period: read
        once (a query when the scope is not held), then kept up to date by :meth:`record`."""
        key = (scope, frozenset(tables))
        if key not in self._holds:
            self._holds[key] = (
                any(cell.scope == scope and cell.table in key[1] for cell, *_ in self._pending)
                or PublishedCell.objects.filter(
                    audience=self.audience,
                    viewer=self.viewer,
                    exact=self.exact,
                    table__in=sorted(key[1]),
                    scope=scope,
                ).exists()
            )
        return self._holds[key]

    def scopes(self, tables: Iterable[str]) -> set[str]:
        """The scopes the family holds cells of in these tables (of the periods and scopes
        held)."""
        wanted = set(tables)
        return {scope for table, scope in self._by_scope if table in wanted}

    def family(
        self,
        *,
        tables: Sequence[str],
        periods: Sequence[str],
        windows_of: Sequence[int] = (),
        scopes: Iterable[str] | None = None,
        keys: Iterable[Key] | None = None,
    ) -> tuple[dict[Key, Decimal], set[Key], set[Key]]:
        """:func:`family` of this family as it would be read now; ``scopes``: only the cells of
        these scopes, ``keys``: only these cells (what an answer can relate to: the cells of
        other scopes are neither looked at nor returned)."""
        if keys is not None:
            keys = list(keys)
            scopes = {key[1] for key in keys}
        self.cover(tables=tables, periods=periods, windows_of=windows_of, scopes=scopes)
        wanted_tables, wanted_periods, years = set(tables), set(periods), set(windows_of)
        touching = _toucher(years)
        candidates: Iterable[Key]
        if keys is not None:
            candidates = [key for key in dict.fromkeys(keys) if key in self._outcomes]
        elif scopes is not None:
            wanted_scopes = sorted(set(scopes))
            candidates = [
                key
                for table in sorted(wanted_tables)
                for scope in wanted_scopes
                for key in self._by_scope.get((table, scope), {})
            ]
        else:
            candidates = self._outcomes
        chosen: dict[Key, list[Outcome]] = {}
        for key in candidates:
            self.examined += 1
            if key[0] in wanted_tables and (key[2] in wanted_periods or touching(key[2])):
                chosen[key] = self._outcomes[key]
        return _fold(chosen)

    def record(self, cells: Iterable[LedgerCell], *, channel: str, release: str) -> None:
        """Hold one answer's cells to be written by :meth:`flush`. A cell whose latest outcome
        the family holds already (read from the ledger or held from an earlier answer) is the
        same is not written again: the ledger keeps a new row only when a cell's outcome
        changes (see :func:`fingerprint_of`), so an answer identical to the one recorded
        before sends no insert at all. Cells not held are checked against the ledger when
        written."""
        for cell in cells:
            for scope, tables in self._holds:
                if cell.scope == scope and cell.table in tables:
                    self._holds[scope, tables] = True
            if not self._held(cell.key):
                self._pending.append((cell, release, channel, None))
                continue
            value = None if cell.value is None else Decimal(cell.value)
            rows = self._outcomes.get(cell.key, ())
            after = ""
            if rows:
                latest = rows[-1]
                if _outcome_text(latest.value, latest.hidden) == _shown(cell):
                    continue
                after = latest.fingerprint
            fingerprint = fingerprint_of(
                cell, audience=self.audience, viewer=self.viewer, exact=self.exact, after=after
            )
            self._add(cell.key, Outcome(value, cell.hidden, cell.sensitive, fingerprint))
            self._pending.append((cell, release, channel, fingerprint))

    def flush(self) -> None:
        """Write every answer held, in order, in one insert."""
        pending, self._pending = self._pending, []
        if pending:
            _write(pending, audience=self.audience, viewer=self.viewer, exact=self.exact)


def _toucher(years: set[int]) -> Callable[[str], bool]:
    """:func:`_touches` of these years, its patterns compiled once."""
    if not years:
        return lambda period: False
    opening, closing = (re.compile(p) for p in _window_patterns(years))
    return lambda period: ".." in period and bool(opening.search(period) or closing.search(period))


def _touches(period: str, years: set[int]) -> bool:
    """A before/after window (``2023-04..2024-03``) that starts or ends in one of ``years``."""
    if not years or ".." not in period:
        return False
    opening, closing = _window_patterns(years)
    return bool(re.search(opening, period) or re.search(closing, period))


def periods_of_year(year: int) -> list[str]:
    """Every fixed period label of a calendar year."""
    return [
        str(year),
        f"{year}-H1",
        f"{year}-H2",
        *(f"{year}-Q{q}" for q in range(1, 5)),
        *(f"{year}-{m:02d}" for m in range(1, 13)),
    ]
