"""Aggregate answers (API and pages) through the ledger of published cells and the linked audit
(issue 15: "every released cell — export, API answer, page figure — … each new release is
protected against the ledger as well as itself").

:func:`scope_answer` is what the ministry's and the coordinators' aggregate answers go through:
the portal API's ``aggregates`` and ``compare`` and the portal's comparison pages.

* **Families.** The ministry's answers form one family (every analyst sees the same figures);
  each coordinator's answers another (``viewer``: their voivodeships), because a coordinator
  also holds their named centres. A family's cells are keyed by metric and version, scope
  (``PL``, a voivodeship code, ``c:<slug>`` for a coordinator's named centre) and period.
* **Memory.** A figure hidden once in the family stays hidden in every later answer.
* **Linked audit** (COUNT metrics, whose figures are counts or means of counts): the answer's
  months and window are protected with ``benchmarking.linked.protect_family`` together with
  everything the family already holds, under the public structure: a quarter, half-year and
  year are the sums of their months; the country is the sum of its voivodeships; a voivodeship
  the sum of its centres. More figures of the answer are hidden where needed; an answer that
  cannot be protected is refused (409 ``release_unprotectable``) with a Polish reason.
* **Record.** Every figure of the answer is then written to the ledger. For COUNT metrics the
  ledger keeps the count behind a mean (mean × months): that is what the figure gives away.

Rates, medians and sums of magnitudes are not additive in whole numbers: they get the memory
and the record, not the integer programme.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from benchmarking import ledger
from benchmarking.comparisons import (
    WINDOW_LABEL,
    ScopeRelease,
    fixed_period,
    scope_json,
    scope_releases,
)
from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import SUPPRESSED_STATUSES, Audience, CellStatus, DisclosureSettings
from benchmarking.linked import Family, Key, Relation, Unprotectable, protect_family
from benchmarking.models import PublishedCell
from opsplatform.errors import Conflict
from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.teryt import Voivodeship

NATIONAL = "PL"
CHANGED_DATA = (
    "Tych wartości nie da się teraz pokazać: dane tego okresu zmieniły się od poprzedniej "
    "odpowiedzi, a nowe wartości obok wcześniej pokazanych pozwoliłyby odtworzyć ukryte liczby."
)


def centre_scope(centre: Centre) -> str:
    return f"c:{centre.slug}"


def family_of(role: str, voivodeships: Sequence[str]) -> tuple[str, str]:
    """Whose answers are held together: the ministry's analysts share one family; each
    coordinator (by their voivodeships) has one, since they also see their named centres."""
    if voivodeships and role == Role.REGIONAL_COORDINATOR:
        return (Audience.REGION.value, ",".join(sorted(voivodeships)))
    return (Audience.MINISTRY.value, "")


def scope_answer(
    *,
    scope: str,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
    family: tuple[str, str],
    named: bool = False,
    channel: str = PublishedCell.Channel.API,
) -> dict[str, Any]:
    """The figures of ``scope`` (see ``comparisons.scope_release``) as they may be shown to
    ``family`` (``(audience, viewer)`` in the ledger, see :func:`family_of`) now, recorded in
    the ledger. Raises ValidationFailed for a scope of too few
    centres and Conflict when the answer cannot be protected against what the family holds."""
    return scope_answers(
        scopes=[(scope, centres)],
        definition=definition,
        first=first,
        last=last,
        audience=audience,
        family=family,
        named=named,
        channel=channel,
    )[0]


def scope_answers(
    *,
    scopes: Sequence[tuple[str, Sequence[Centre]]],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
    family: tuple[str, str],
    named: bool = False,
    channel: str = PublishedCell.Channel.API,
) -> list[dict[str, Any]]:
    """:func:`scope_answer` of each ``(scope, centres)`` in turn (a coordinator's named centres
    side by side), in a number of queries that does not grow with the number of scopes: the
    snapshots and the family's ledger are read once, and the answers recorded in one insert.
    Each answer is protected against the ledger and the answers before it, exactly as if they
    had been asked one after another (the ledger as it would be read back is kept in memory)."""
    releases = scope_releases(
        scopes=[centres for _, centres in scopes],
        definition=definition,
        first=first,
        last=last,
        audience=audience,
        named=named,
    )
    if audience == Audience.OWN_CENTRE:
        return [scope_json(release) for release in releases]
    table = f"metric:{definition.code}:v{definition.version}"
    counted = definition.disclosure == DisclosureClass.COUNT
    row = "count" if counted else "value"
    window_period = fixed_period(first, last) or f"{first:%Y-%m}..{last:%Y-%m}"
    family_audience, viewer = family
    answers: list[dict[str, Any]] = []
    recorded: list[tuple[list[ledger.LedgerCell], str]] = []
    held: tuple[dict[Key, Any], set[Key], set[Key]] | None = None
    members = _Members()
    try:
        for (scope, centres), release in zip(scopes, releases, strict=True):
            labels = {label: label for label, _, _ in release.months} | {
                WINDOW_LABEL: window_period
            }

            def key(label: str, scope: str = scope, labels: dict[str, str] = labels) -> Key:
                return (table, scope, labels[label], row, "value")

            cells = {label: (released, count) for label, released, count in release.months}
            cells[WINDOW_LABEL] = release.window
            years = sorted({int(period[:4]) for period in labels.values()})
            periods = [p for year in years for p in ledger.periods_of_year(year)]
            if held is None:
                held = ledger.family(
                    audience=family_audience, viewer=viewer, tables=[table], periods=periods
                )
            published_before, hidden_before, sensitive_before = held
            hide = {label for label in cells if key(label) in hidden_before}
            if counted:
                hide |= _linked(
                    cells,
                    key,
                    published_before,
                    hidden_before,
                    sensitive_before,
                    centres=centres,
                    members=members,
                )
            answer = scope_json(release, frozenset(hide))
            ledger_cells = _ledger_cells(release, key, hide=hide)
            recorded.append((ledger_cells, _fingerprint(answer)))
            _hold(held, ledger_cells, periods=set(periods))
            answers.append(answer)
    finally:
        # What was answered before a refusal is recorded as asking one by one would have.
        ledger.record_releases(recorded, audience=family_audience, viewer=viewer, channel=channel)
    return answers


class _Members:
    """The named centres of each voivodeship (``c:<slug>``), read once when first needed."""

    def __init__(self) -> None:
        self._members: dict[str, list[str]] | None = None

    def __call__(self) -> dict[str, list[str]]:
        if self._members is None:
            self._members = {}
            for slug, voivodeship in Centre.objects.values_list("slug", "voivodeship"):
                self._members.setdefault(voivodeship, []).append(f"c:{slug}")
        return self._members


def _hold(
    held: tuple[dict[Key, Any], set[Key], set[Key]],
    cells: Iterable[ledger.LedgerCell],
    *,
    periods: set[str],
) -> None:
    """Add an answer's cells to the family as ``ledger.family`` would read them back."""
    published, hidden, sensitive = held
    for cell in cells:
        if cell.period not in periods:
            continue
        if cell.hidden:
            hidden.add(cell.key)
            if cell.sensitive:
                sensitive.add(cell.key)
        elif cell.value is not None:
            published[cell.key] = Decimal(cell.value)


def _linked(
    cells: dict[str, tuple[Any, int]],
    key: Any,
    published_before: dict[Key, Any],
    hidden_before: set[Key],
    sensitive_before: set[Key],
    *,
    centres: Sequence[Centre],
    members: Callable[[], dict[str, list[str]]] | None = None,
) -> set[str]:
    """The labels the linked audit hides as well (see the module docstring)."""
    current: dict[Key, int] = {}
    sensitive: set[Key] = set()
    start: set[Key] = set()
    for label, (released, count) in cells.items():
        if released.status == CellStatus.EMPTY:
            continue
        current[key(label)] = count
        if released.status in (CellStatus.PRIMARY, CellStatus.DOMINANCE):
            sensitive.add(key(label))
        if released.status in SUPPRESSED_STATUSES:
            start.add(key(label))
    if not current:
        return set()
    before = {k: int(v) for k, v in published_before.items() if k not in current}
    family = Family(
        current=current,
        relations=answer_relations([*current, *before, *hidden_before], members=members),
        sensitive=sensitive | (sensitive_before - set(current)),
        published_before=before,
        hidden_before=hidden_before | start,
        totals={key(WINDOW_LABEL)} & set(current),
    )
    try:
        suppressed = protect_family(family, k=DisclosureSettings.from_django().k)
    except Unprotectable as error:
        raise Conflict(error.message, code="release_unprotectable") from None
    except ValueError:
        raise Conflict(CHANGED_DATA, code="release_unprotectable") from None
    return {label for label in cells if key(label) in suppressed}


def _months_of(period: str) -> list[str] | None:
    """The months a fixed period (``2024``, ``2024-H1``, ``2024-Q2``) is the sum of."""
    year, _, part = period.partition("-")
    if not year.isdigit():
        return None
    if not part:
        first, length = 1, 12
    elif part.startswith("H") and part[1:] in ("1", "2"):
        first, length = 1 + 6 * (int(part[1]) - 1), 6
    elif part.startswith("Q") and part[1:] in ("1", "2", "3", "4"):
        first, length = 1 + 3 * (int(part[1]) - 1), 3
    else:
        return None
    return [f"{year}-{m:02d}" for m in range(first, first + length)]


def answer_relations(
    keys: Iterable[Key], members: Callable[[], dict[str, list[str]]] | None = None
) -> list[Relation]:
    """The public structure among answer cells: fixed periods are the sums of their months,
    the country the sum of its voivodeships, a voivodeship the sum of its centres (``members``:
    each voivodeship's ``c:<slug>`` scopes, read from the centres when not given)."""
    known = set(keys)
    relations: list[Relation] = []
    by_table_period: dict[tuple[str, str, str, str], set[str]] = {}
    for table, scope, period, row, column in known:
        months = _months_of(period)
        if months is not None:
            relations.append(
                Relation.total(
                    [(table, scope, m, row, column) for m in months],
                    (table, scope, period, row, column),
                )
            )
        by_table_period.setdefault((table, period, row, column), set()).add(scope)
    voivodeships = [code for code, _ in Voivodeship.choices]
    named = {s for scopes in by_table_period.values() for s in scopes if s.startswith("c:")}
    members_of = (members or _Members())() if named else {}
    for (table, period, row, column), scopes in by_table_period.items():
        if NATIONAL in scopes and scopes & (set(voivodeships) | named):
            relations.append(
                Relation.total(
                    [(table, v, period, row, column) for v in voivodeships],
                    (table, NATIONAL, period, row, column),
                )
            )
        for voivodeship, parts in members_of.items():
            if scopes & set(parts):
                relations.append(
                    Relation.total(
                        [(table, p, period, row, column) for p in parts],
                        (table, voivodeship, period, row, column),
                    )
                )
    return relations


def _ledger_cells(release: ScopeRelease, key: Any, *, hide: set[str]) -> list[ledger.LedgerCell]:
    cells: list[ledger.LedgerCell] = []
    counted = key(WINDOW_LABEL)[3] == "count"
    entries = [(label, released, count) for label, released, count in release.months]
    entries.append((WINDOW_LABEL, *release.window))
    for label, released, count in entries:
        if released.status == CellStatus.EMPTY:
            continue
        hidden = label in hide or released.status in SUPPRESSED_STATUSES
        table, scope, period, row, column = key(label)
        cells.append(
            ledger.LedgerCell(
                table=table,
                scope=scope,
                period=period,
                row=row,
                column=column,
                value=None if hidden else (count if counted else released.value),
                hidden=hidden,
                marker="x" if hidden else "",
                sensitive=released.status in (CellStatus.PRIMARY, CellStatus.DOMINANCE),
            )
        )
    return cells


def _fingerprint(answer: dict[str, Any]) -> str:
    return hashlib.sha256(repr(sorted(answer.items(), key=str)).encode()).hexdigest()[:64]
