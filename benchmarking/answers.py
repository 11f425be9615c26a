"""Aggregate answers (API and pages) through the ledger of published cells and the linked audit:
every released cell is recorded, and each new answer is protected against the ledger as well as
itself.

:func:`scope_answer` is what the ministry's and the coordinators' aggregate answers go through:
the portal API's ``aggregates`` and ``compare`` and the portal's comparison pages. :func:`guard`
and :func:`record_answer` are the two steps every answer takes (``benchmarking.centre_answers``
uses them for one centre's series, its before/after report and cohort answers).

* **Families.** The ministry's answers form one family (every analyst sees the same figures);
  each coordinator's answers another (``viewer``: their voivodeships), because a coordinator
  also holds their named centres. A family's cells are keyed by metric and version, scope
  (``PL``, a voivodeship code, ``c:<slug>`` for a named centre, ``cohort:<code>``) and period
  (a calendar period, or a before/after window ``2023-04..2024-03``). A centre's staff form a
  family of their own centre (recorded, nothing hidden: they see the records) and one as peers
  of a cohort.
* **Memory.** A figure hidden once in the family stays hidden in every later answer.
* **Linked audit** (COUNT metrics, whose figures are counts or means of counts): the answer's
  months and window are protected with ``benchmarking.linked.protect_family`` together with
  everything the family already holds, under the public structure: a quarter, half-year and
  year (and a before/after window) are the sums of their months; the country is the sum of its
  voivodeships; a voivodeship the sum of its centres; a cohort the sum of its members. More
  figures of the answer are hidden where needed; an answer that cannot be protected is refused
  (409 ``release_unprotectable``) with a Polish reason. The audit reads the family's cells of
  the scopes that structure ties to the answer (:func:`related_scopes`), the memory only the
  answer's own cells: what an answer reads does not grow with the family's other cells.
* **Record.** Every figure of the answer is then written to the ledger. For COUNT metrics the
  ledger keeps the count behind a mean (mean × months): that is what the figure gives away. A
  figure the family already holds with the same outcome is not written again (the ledger keeps
  one row per family, cell and outcome), so an answer repeated unchanged writes nothing.

Rates, medians and sums of magnitudes are not additive in whole numbers: they get the memory
and the record, not the integer programme.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from benchmarking import ledger
from benchmarking.batch import AnswerBatch
from benchmarking.comparisons import WINDOW_LABEL, fixed_period, scope_json, scope_release
from benchmarking.definitions import DisclosureClass, MetricDefinition, current_definitions
from benchmarking.disclosure import (
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    DisclosureSettings,
    ReleasedValue,
)
from benchmarking.linked import (
    Family,
    Key,
    Relation,
    Unprotectable,
    protect_corrected,
)
from benchmarking.models import PublishedCell
from benchmarking.selectors import Figure, Period, pooled_by_voivodeship
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


def metric_table(definition: MetricDefinition) -> str:
    """The ledger table of a metric's answers (one per metric and version)."""
    return f"metric:{definition.code}:v{definition.version}"


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
    batch: AnswerBatch | None = None,
    pooled: Sequence[tuple[Period, Figure | None]] | None = None,
) -> dict[str, Any]:
    """The figures of ``scope`` (see ``comparisons.scope_release``) as they may be shown to
    ``family`` (``(audience, viewer)`` in the ledger, see :func:`family_of`) now, recorded in
    the ledger. Raises ValidationFailed for a scope of too few
    centres and Conflict when the answer cannot be protected against what the family holds.
    ``batch``: the snapshots and the ledger held for several answers (:func:`scope_answers`).
    ``pooled``: the scope's months pooled beforehand (``comparisons.scope_release``)."""
    release = scope_release(
        centres=centres,
        definition=definition,
        first=first,
        last=last,
        audience=audience,
        named=named,
        series=batch.series if batch is not None else None,
        pooled=pooled,
    )
    if audience == Audience.OWN_CENTRE:
        return scope_json(release)
    table = metric_table(definition)
    counted = definition.disclosure == DisclosureClass.COUNT
    row = "count" if counted else "value"
    window_period = fixed_period(first, last) or f"{first:%Y-%m}..{last:%Y-%m}"
    labels = {label: label for label, _, _ in release.months} | {WINDOW_LABEL: window_period}

    def key(label: str) -> Key:
        return (table, scope, labels[label], row, "value")

    cells = {key(label): (released, count) for label, released, count in release.months}
    cells[key(WINDOW_LABEL)] = release.window
    hidden = guard(cells, family=family, counted=counted, totals={key(WINDOW_LABEL)}, batch=batch)
    hide = {label for label in labels if key(label) in hidden}
    answer = scope_json(release, frozenset(hide))
    record_answer(
        cells, hidden, counted=counted, family=family, channel=channel, answer=answer, batch=batch
    )
    return answer


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
    pooled: Mapping[str, Sequence[tuple[Period, Figure | None]]] | None = None,
) -> list[dict[str, Any]]:
    """:func:`scope_answer` of each ``(scope, centres)`` in turn (a coordinator's named centres
    side by side), in a number of queries that does not grow with the number of scopes: the
    snapshots of all of them and the family's ledger are read once, and the answers recorded in
    one insert. Each answer is protected against the ledger and the answers before it, exactly
    as if they had been asked one after another; when one is refused (Conflict), the answers
    before it are recorded, as asking one by one would have. ``pooled``: scope → its months
    pooled beforehand over its centres (``selectors.pooled_by_voivodeship``; named scopes)."""
    batch = AnswerBatch(
        family=family,
        centre_ids={centre.pk for _, centres in scopes for centre in centres},
        first=first,
        last=last,
    )
    if scopes and audience != Audience.OWN_CENTRE:
        # Without the linked audit an answer relates to its own cells only: the ledger's cells
        # of the answers' scopes are all it reads.
        counted = definition.disclosure == DisclosureClass.COUNT
        named_scopes = [scope for scope, _ in scopes]
        batch.hold(
            tables=guard_tables(definition, family),
            years=range(first.year, last.year + 1),
            scopes=(
                related_scopes(batch, tables=guard_tables(definition, family), seeds=named_scopes)
                if counted
                else named_scopes
            ),
        )
    try:
        return [
            scope_answer(
                scope=scope,
                centres=centres,
                definition=definition,
                first=first,
                last=last,
                audience=audience,
                family=family,
                named=named,
                channel=channel,
                batch=batch,
                pooled=pooled.get(scope) if pooled is not None else None,
            )
            for scope, centres in scopes
        ]
    finally:
        batch.flush()


def voivodeship_answers(
    *,
    voivodeships: Sequence[str],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    family: tuple[str, str],
    channel: str = PublishedCell.Channel.API,
) -> list[tuple[str, int, dict[str, Any]]]:
    """A coordinator's own voivodeships as wholes, as the API's ``aggregates`` answers each
    (named: the coordinator sees their centres by name anyway), in :func:`scope_answers`:
    (code, centres, answer) of each voivodeship with centres. Their months are pooled over the
    centres by PostgreSQL, one row per voivodeship and month, so the cost does not grow with
    the number of centres."""
    members: dict[str, list[Centre]] = {code: [] for code in voivodeships}
    for centre in Centre.objects.filter(voivodeship__in=list(members)).only("pk", "voivodeship"):
        members[centre.voivodeship].append(centre)
    present = [code for code in voivodeships if members[code]]
    answers = scope_answers(
        scopes=[(code, members[code]) for code in present],
        definition=definition,
        first=first,
        last=last,
        audience=Audience.REGION,
        family=family,
        named=True,
        channel=channel,
        pooled=pooled_by_voivodeship(
            voivodeships=present, definition=definition, first=first, last=last
        ),
    )
    return [
        (code, len(members[code]), answer) for code, answer in zip(present, answers, strict=True)
    ]


def guard_tables(definition: MetricDefinition, family: tuple[str, str]) -> list[str]:
    """The ledger tables :func:`guard` reads for answers of this metric."""
    tables = [metric_table(definition)]
    if family[0] == Audience.MINISTRY.value and definition.disclosure == DisclosureClass.COUNT:
        tables.append("indicators")
    return tables


def guard(
    cells: Mapping[Key, tuple[ReleasedValue, int]],
    *,
    family: tuple[str, str],
    counted: bool,
    totals: Iterable[Key] = (),
    known: Mapping[Key, int] | None = None,
    watched: Mapping[Key, int] | None = None,
    relations: Sequence[Relation] = (),
    batch: AnswerBatch | None = None,
) -> set[Key]:
    """The cells of an answer to show hidden: every cell the family was shown hidden before
    (the suppression memory, per cell) and, for counts, the cells the linked audit adds so that
    no hidden count of this answer or of any earlier one can be narrowed below k (or pinned),
    given everything the family was shown and the public structure (:func:`answer_relations`).

    ``cells``: key → (released value, the count behind it). ``known``: counts the reader holds
    outside the ledger (a centre its own). ``watched``: true counts of cells never shown that
    must stay protected (the members behind a cohort's figure), with ``relations`` linking them
    to the answer. A centre's own staff see their own records: nothing is hidden for them.
    Raises Conflict (409 ``release_unprotectable``) when the answer cannot be protected.
    ``batch``: read the family from what the batch holds (one read for all its answers)."""
    if family[0] == Audience.OWN_CENTRE.value or not cells:
        return set()
    tables = sorted({key[0] for key in cells} | {key[0] for key in watched or {}})
    if family[0] == Audience.MINISTRY.value and counted:
        tables.append("indicators")  # the same counts in the ministry's exports
    years = sorted({int(end[:4]) for key in cells for end in key[2].split("..")})
    periods = [p for year in years for p in ledger.periods_of_year(year)]
    # What the answer can relate to: without the linked audit only its own cells (the memory
    # is per cell); with it, the scopes the public structure ties to the answer's.
    keys = None if counted else list(cells)
    if batch is not None:
        scopes = None
        if counted:
            seeds = {key[1] for key in [*cells, *(watched or {}), *(known or {})]}
            seeds |= {key[1] for relation in relations for key in relation.cells()}
            scopes = related_scopes(batch, tables=tables, seeds=seeds)
        published_before, hidden_before, sensitive_before = batch.ledger_of(family).family(
            tables=tables, periods=periods, windows_of=years, scopes=scopes, keys=keys
        )
    else:
        published_before, hidden_before, sensitive_before = ledger.family(
            audience=family[0],
            viewer=family[1],
            tables=tables,
            periods=periods,
            windows_of=years,
            scopes=None if keys is None else {key[1] for key in keys},
        )
    hide = {key for key in cells if key in hidden_before}
    if counted:
        hide |= _linked(
            cells,
            published_before,
            hidden_before,
            sensitive_before,
            totals=set(totals),
            known=known or {},
            watched=watched or {},
            relations=relations,
            members=batch.members if batch is not None else None,
        )
    return hide


def related_scopes(
    batch: AnswerBatch, *, tables: Sequence[str], seeds: Iterable[str]
) -> set[str] | None:
    """The scopes whose cells the linked audit of an answer over the scopes ``seeds`` can reach
    through the public structure of :func:`answer_relations` (None: all of them). The structure
    ties a named centre to its voivodeship and to the voivodeship's other centres, a
    voivodeship to its centres and, where the family holds the country, to the country and
    every other voivodeship; the ministry's exported indicators (twins of the answers) reach
    everything. The cells of the scopes returned are a union of the audit's connected parts:
    the audit of those cells alone hides and refuses what it would with the whole family."""
    if "indicators" in tables:
        return None
    seeds = set(seeds)
    voivodeships = [code for code, _ in Voivodeship.choices]
    regions = set(voivodeships)
    members: dict[str, list[str]] = {}
    voivodeship_of: dict[str, str] = {}
    if any(scope.startswith("c:") or scope in regions or scope == NATIONAL for scope in seeds):
        members = batch.members()
        for code, parts in members.items():
            voivodeship_of |= dict.fromkeys(parts, code)
            regions.add(code)
    national: bool | None = None
    reached: set[str] = set()
    frontier = list(seeds)
    while frontier:
        scope = frontier.pop()
        if scope in reached:
            continue
        reached.add(scope)
        if scope.startswith("c:"):
            if (region := voivodeship_of.get(scope)) is not None:
                frontier += [region, *members[region]]
        elif scope in regions:
            frontier += members.get(scope, [])
            if national is None:
                national = NATIONAL in seeds or batch.ledger.holds(NATIONAL, tables)
            if national:
                frontier.append(NATIONAL)
        elif scope == NATIONAL:
            frontier += voivodeships
    return reached


def _linked(
    cells: Mapping[Key, tuple[ReleasedValue, int]],
    published_before: Mapping[Key, Any],
    hidden_before: set[Key],
    sensitive_before: set[Key],
    *,
    totals: set[Key],
    known: Mapping[Key, int],
    watched: Mapping[Key, int],
    relations: Sequence[Relation],
    members: Callable[[], dict[str, list[str]]] | None,
) -> set[Key]:
    """The cells the linked audit hides as well (see the module docstring)."""
    k = DisclosureSettings.from_django().k
    current: dict[Key, int] = {}
    sensitive: set[Key] = set()
    start: set[Key] = set()
    for key, (released, count) in cells.items():
        if released.status == CellStatus.EMPTY:
            continue
        current[key] = count
        if released.status in (CellStatus.PRIMARY, CellStatus.DOMINANCE):
            sensitive.add(key)
        if released.status in SUPPRESSED_STATUSES:
            start.add(key)
    if not current:
        return set()
    # This answer's own complements shown before with the same value hide nothing: known.
    start = {key for key in start if key not in published_before or key in hidden_before
             or int(published_before[key]) != current[key]}  # fmt: skip
    before = {key: int(v) for key, v in published_before.items() if key not in current}
    before |= {key: v for key, v in known.items() if key not in current}
    unseen = {key for key in watched if key not in current and key not in before}
    everything = [*current, *before, *hidden_before, *unseen]
    structure = without_free_totals(
        [
            *answer_relations(everything, members=members),
            *twin_relations(everything),
            *indicator_sums(everything),
            *relations,
        ],
        known=set(everything),
    )
    family = Family(
        current=current,
        relations=structure,
        sensitive=sensitive
        | (sensitive_before - set(current))
        | {key for key in unseen if 0 < watched[key] < k},
        published_before=before,
        hidden_before=hidden_before | start | unseen,
        totals=totals & set(current),
    )
    try:
        earlier = {key: int(v) for key, v in published_before.items()}
        suppressed = protect_corrected(family, k=k, earlier=earlier)
    except Unprotectable as error:
        raise Conflict(error.message, code="release_unprotectable") from None
    except ValueError:
        raise Conflict(CHANGED_DATA, code="release_unprotectable") from None
    return {key for key in cells if key in suppressed}


def without_free_totals(relations: Sequence[Relation], *, known: set[Key]) -> list[Relation]:
    """``relations`` without the sums whose total nobody knows: a total that is in no answer,
    no earlier answer and no other relation is just the sum of its parts (whole numbers ≥ 0
    whatever the parts are), so its relation says nothing about them. Left in, it ties every
    part into one programme of the audit — a voivodeship's total joins all its centres, and each
    answer's audit grows with them — for nothing."""
    kept = list(relations)
    while True:
        uses = Counter(key for relation in kept for key in relation.cells())
        fewer = [relation for relation in kept if not _free_total(relation, uses, known)]
        if len(fewer) == len(kept):
            return kept
        kept = fewer


def _free_total(relation: Relation, uses: Counter[Key], known: set[Key]) -> bool:
    """Whether ``relation`` is ``total = Σ parts`` with a total used nowhere else and unknown."""
    if not relation.equal or len(relation.terms) < 2:
        return False
    for key, coefficient in relation.terms:
        if uses[key] != 1 or key in known or abs(coefficient) != 1:
            continue
        if all(c == -coefficient for other, c in relation.terms if other != key):
            return True
    return False


def _months_of(period: str) -> list[str] | None:
    """The months a fixed period (``2024``, ``2024-H1``, ``2024-Q2``) or a before/after window
    (``2023-04..2024-03``) is the sum of."""
    if ".." in period:
        opening, _, closing = period.partition("..")
        try:
            start = dt.date.fromisoformat(f"{opening}-01")
            end = dt.date.fromisoformat(f"{closing}-01")
        except ValueError:
            return None
        count = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1
        return [f"{(index + i) // 12}-{(index + i) % 12 + 1:02d}" for i in range(max(count, 0))]
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


def platform_voivodeships() -> list[str]:
    """The voivodeships the country's figures are the sum of in the linked audit: those with a
    centre on the platform. Any reader knows from the public list of centres that the others
    add nothing; held as unknowns they let the audit count on a slack that is not there (the
    country minus the voivodeships shown would look like a range, and is one value). Every
    voivodeship when the registry holds no centre (figures built outside it). One statement,
    sixteen rows at most."""
    present = list(
        Centre.objects.order_by("voivodeship").values_list("voivodeship", flat=True).distinct()
    )
    return present or [code for code, _ in Voivodeship.choices]


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
    members_of: dict[str, list[str]] = {}
    if named and members is not None:
        members_of = members()
    elif named:
        for slug, voivodeship in Centre.objects.values_list("slug", "voivodeship"):
            members_of.setdefault(voivodeship, []).append(f"c:{slug}")
    present: list[str] | None = None  # read once, only when the country is in the family
    for (table, period, row, column), scopes in by_table_period.items():
        if NATIONAL in scopes and scopes & (set(voivodeships) | named):
            if present is None:
                present = platform_voivodeships()
            relations.append(
                Relation.total(
                    [(table, v, period, row, column) for v in present],
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


def twin_relations(keys: Iterable[Key]) -> list[Relation]:
    """The same count published twice: an export's indicator (a COUNT metric's mean over a
    period, recorded as its count) and the aggregate answer of that metric, scope and period.
    Exports keep the indicator in table ``indicators`` under the export's scope (column
    ``scope``) or, nationally, under the voivodeship's column."""
    counted = {
        d.code: metric_table(d)
        for d in current_definitions()
        if d.disclosure == DisclosureClass.COUNT
    }
    relations: set[Relation] = set()
    for key in keys:
        table, scope, period, row, column = key
        if table != "indicators" or row not in counted or column == "pozostale":
            continue
        twin_scope = scope if column == "scope" else column
        relations.add(
            Relation(((key, 1), ((counted[row], twin_scope, period, "count", "value"), -1)))
        )
    return sorted(relations, key=repr)


def indicator_sums(keys: Iterable[Key]) -> list[Relation]:
    """A COUNT indicator of the country's export, held as its count: the count of the scope is
    the sum of its columns, the voivodeships of at least ``min_centres`` centres and the rest
    ("pozostale"), which split the country's centres between them. Both audits need it: in the
    exports' (``exports.family.family_relations``) the country's count beside every
    voivodeship's column but one gave that one back; in the answers' (:func:`_linked`), where
    the columns are the twins of the voivodeships' answers (:func:`twin_relations`), it tells
    the reader that the voivodeships without a column add nothing to the country's answers
    (without it, a voivodeship's hidden month was the country's month minus the other
    voivodeships' shown: generated nation of seed 11, ``test_release_linked.py``)."""
    counted = {d.code for d in current_definitions() if d.disclosure == DisclosureClass.COUNT}
    by_table: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for table, scope, period, row, column in keys:
        if table == "indicators" and row in counted:
            by_table.setdefault((scope, period), set()).add((row, column))
    relations: list[Relation] = []
    for (scope, period), cells in by_table.items():
        for row in sorted({r for r, c in cells if c == "scope"}):
            parts = sorted(("indicators", scope, period, row, c) for r, c in cells
                           if r == row and c != "scope")  # fmt: skip
            if parts:
                relations.append(Relation.total(parts, ("indicators", scope, period, row, "scope")))
    return relations


def record_answer(
    cells: Mapping[Key, tuple[ReleasedValue, int]],
    hide: set[Key],
    *,
    counted: bool,
    family: tuple[str, str],
    channel: str,
    answer: Any,
    batch: AnswerBatch | None = None,
) -> None:
    """Every figure of an answer into the ledger: the count behind it for counts (a mean of
    counts gives its count away), else the value; hidden figures with the marker. ``batch``:
    held to be written with the batch's other answers (in order, one insert)."""
    rows: list[ledger.LedgerCell] = []
    for key, (released, count) in cells.items():
        if released.status == CellStatus.EMPTY:
            continue
        hidden = key in hide or released.status in SUPPRESSED_STATUSES
        table, scope, period, row, column = key
        rows.append(
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
    digest = hashlib.sha256(repr(answer).encode()).hexdigest()
    if batch is not None:
        batch.ledger_of(family).record(rows, channel=channel, release=digest[:64])
    else:
        ledger.record(
            rows, audience=family[0], viewer=family[1], channel=channel, release=digest[:64]
        )
