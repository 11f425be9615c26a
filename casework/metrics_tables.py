"""The per-period tables of the metrics contract, in the spirit of MRPiPS-03.

``centre_period_tables`` computes, inside the current centre's schema (the caller wraps it in
``schema_context``), households and persons helped in a period ``[first, last]`` by reason for
help (rows) and form of help (columns), social contracts and care services. Like
``casework.metrics`` it returns numbers only: counts, sums of hours and the shares of the two
largest contributors, in dicts keyed by public codes (art. 7 statistics columns, benefit type
codes, the constants below). Household and record ids are used inside the function for set logic
and never returned; no names, no free text, no dates.

Columns (forms of help). A household counts in a column if, in the period, it had:

* a benefit type code with ``by_decision`` (reference order): a decision granting that benefit
  (outcome grant or partial grant, on an application of one of the household's cases) whose
  benefit period overlaps the period. A decision with no ``period_to`` counts only when its
  ``period_from`` falls inside the period (as in ``casework.metrics``: an open-ended grant is not
  carried into later periods). A grant with no ``period_from`` at all (a one-off benefit recorded
  without one; the decision service now requires it) counts on the day it was issued.
* ``FORM_SOCIAL_WORK``: a social-work entry in the activity log for the household on a day in the
  period. The benefit type of the same code is not a decision column, so it is not duplicated.
* ``FORM_CONTRACT``: a social contract (through its case) in force at any time in the period:
  not a draft, signed and started on or before ``last``, not closed before ``first``.
* ``FORM_ANY``: any of the above, each household once.

Rows (reasons). Each household counts under exactly one row, so rows add up to a total row: its
main reason, the first in the reference order of ``AssistanceReason`` among the reasons of its
most recent intake (arrived on or before ``last``) that lists any reasons, mapped to its
statistics column. Rows are the statistics columns of the reasons valid at any time in the
period, in reference order without repeats, then ``UNKNOWN_REASON``. A household with no such
intake, or whose intake lists only codes outside the dictionary or mapped to a column that is not
a row of the period, counts under ``UNKNOWN_REASON``.

Persons are the household's members on ``last`` (joined on or before it, not left by it; the same
rule as the income assessment), at least one per household. ``persons_capped`` counts each
household with at most ``PERSONS_CAP`` persons, so that one household changes any cell by at most
that much (bounded sensitivity for differential privacy, whose privacy unit is a household).

Contracts (counts of contracts, not households): ``signed`` in the period; ``active``, in force at
any time in the period (the rule of ``FORM_CONTRACT``); ``completed`` and ``broken``, closed in the
period with that status; ``achieved``, completed in the period with the goals achieved.

Services: ``households`` with a service plan overlapping the period; ``hours_planned``, each
plan's weekly hours spread over the working days of its overlap with the period, five a week (the
rule of ``casework.metrics``, so a period's hours are the sum of its months' hours, unrounded);
``hours_delivered``, the hours recorded on days in the period; ``top_shares``, the shares of the
two largest households in the hours delivered (the dominance rule).

Every figure comes from a fixed number of queries, whatever the number of households.

``code_lists`` gives the public code lists behind the keys, with their Polish labels, for
whoever lays the tables out; it reads only the national dictionaries, never a centre's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Model, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework.calendar_days import is_working_day
from casework.models import (
    ActivityEntry,
    Application,
    AuditEntry,
    Case,
    Decision,
    HouseholdMember,
    Intake,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.proceedings import DecisionOutcome
from casework.models.socialwork import ActivityCategory, ContractStatus
from casework.reference.models import AssistanceReason
from casework.reference.selectors import benefit_types
from tenants.org.models import StaffPosition

# A household contributes at most this many persons to ``persons_capped``.
PERSONS_CAP = 8
UNKNOWN_REASON = "nieustalony"
FORM_SOCIAL_WORK = "praca-socjalna"
FORM_CONTRACT = "kontrakt-socjalny"
FORM_ANY = "ogolem"

CONTRACT_FIGURES = ("signed", "active", "completed", "achieved", "broken")
GRANTED = (DecisionOutcome.GRANT, DecisionOutcome.PARTIAL)
WORKING_DAYS_IN_A_WEEK = 5


@dataclass(frozen=True)
class ServicesFigures:
    """Care services in the period; ``top_shares`` are the shares (0–1) of the two households
    with the most hours delivered, empty when nothing was delivered."""

    households: int
    hours_planned: Decimal
    hours_delivered: Decimal
    top_shares: tuple[float, ...]


@dataclass(frozen=True)
class PeriodTables:
    """The tables of one centre for one period; see the module docstring for the rules.

    ``households``, ``persons`` and ``persons_capped`` hold a value, zero included, for every
    ``(row, column)`` of ``reason_rows`` × ``form_columns``.
    """

    reason_rows: tuple[str, ...]
    form_columns: tuple[str, ...]
    households: dict[tuple[str, str], int]
    persons: dict[tuple[str, str], int]
    persons_capped: dict[tuple[str, str], int]
    contracts: dict[str, int]
    services: ServicesFigures


@dataclass(frozen=True)
class CodeLists:
    """Every row and column code the tables can have, in reference order, with its label.

    ``reasons`` holds ``(statistics column, label, sensitive)``: all columns the dictionary has
    ever had, then ``UNKNOWN_REASON``; the label is the wording of the column's latest entry
    ("przemoc domowa", not "przemoc w rodzinie"), and a column is sensitive if any of its entries
    is. ``forms`` holds ``(code, label)`` of the decision benefit types, then the three forms
    this module adds.
    """

    reasons: tuple[tuple[str, str, bool], ...]
    forms: tuple[tuple[str, str], ...]


def code_lists() -> CodeLists:
    """The public code lists of the tables (two queries on the shared dictionaries)."""
    labels: dict[str, str] = {}
    sensitive: dict[str, bool] = {}
    entries = AssistanceReason.objects.order_by("order", "valid_from", "id").values_list(
        "statistics_column", "name", "sensitive"
    )
    for column, name, is_sensitive in entries:
        labels[column] = name  # a later entry of the column (its current wording) wins
        sensitive[column] = sensitive.get(column, False) or is_sensitive
    reasons = tuple((column, labels[column], sensitive[column]) for column in labels)
    forms = tuple(benefit_types().filter(by_decision=True).values_list("code", "name"))
    return CodeLists(
        reasons=(*reasons, (UNKNOWN_REASON, "powód nieustalony", False)),
        forms=(
            *forms,
            (FORM_SOCIAL_WORK, "praca socjalna"),
            (FORM_CONTRACT, "kontrakt socjalny"),
            (FORM_ANY, "ogółem"),
        ),
    )


@dataclass(frozen=True)
class _Reasons:
    """The dictionary as the period sees it: the rows, and each code's rank and row."""

    rows: tuple[str, ...]
    rank: Mapping[str, int]
    row: Mapping[str, str]


def audit_marks(schemas: Sequence[str]) -> dict[str, int]:
    """Each schema's last audit-trail position (``AuditEntry.seq``, 0 when the trail is empty), in
    one statement whatever the number of schemas: the change marker of a centre's records.

    Every change of a centre's records writes an audit entry in the same transaction (the audit
    guard; the synthetic history writes one for the whole load), and positions are handed out
    under a per-schema lock held until commit, so a committed position covers every change
    committed before it: the same mark means the same records. Reads are audited too, so a mark
    can move without a change, never stay while the records changed. Reference code lists
    shared by all centres are not part of it."""
    if not schemas:
        return {}
    quote = connection.ops.quote_name
    table = quote(AuditEntry._meta.db_table)
    # Identifiers quoted (schema names of centres); the values are parameters.
    parts = [
        f"SELECT %s, (SELECT coalesce(max(seq), 0) FROM {quote(schema)}.{table})"  # noqa: S608
        for schema in schemas
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), list(schemas))
        return {schema: int(mark) for schema, mark in cursor.fetchall()}


def change_marks(schemas: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Each schema's change marker for the monthly metrics, in one statement whatever the number
    of schemas: its last audit-trail position (as :func:`audit_marks`) and a digest of its staff
    posts, which the metrics read (social workers, their FTE and dates) and which are not in the
    audit trail. Equal marks mean equal records of the centre, so equal metrics for any month
    (the formulas depend on the month, the records and the registry population only)."""
    if not schemas:
        return {}
    quote = connection.ops.quote_name
    audit = quote(AuditEntry._meta.db_table)
    staff = quote(StaffPosition._meta.db_table)
    # Identifiers quoted (schema names of centres); the values are parameters.
    parts = [
        f"SELECT %s, (SELECT coalesce(max(seq), 0) FROM {quote(schema)}.{audit}), "  # noqa: S608
        f"(SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY p.id), '')) "
        f"FROM {quote(schema)}.{staff} AS p)"
        for schema in schemas
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), list(schemas))
        return {schema: (int(seq), str(digest)) for schema, seq, digest in cursor.fetchall()}


def centre_period_tables(*, first: dt.date, last: dt.date) -> PeriodTables:
    """The tables of the current centre's schema for the days ``first`` to ``last`` inclusive.

    Raises ValueError if ``last`` is before ``first``.
    """
    if last < first:
        raise ValueError("The period ends before it starts.")
    reasons = _reasons(first, last)
    decision_codes = tuple(benefit_types().filter(by_decision=True).values_list("code", flat=True))
    columns = (*decision_codes, FORM_SOCIAL_WORK, FORM_CONTRACT, FORM_ANY)

    helped = _granted_households(first, last, decision_codes)
    helped[FORM_SOCIAL_WORK] = _social_work_households(first, last)
    helped[FORM_CONTRACT] = set(
        SocialContract.objects.filter(_in_force(first, last))
        .values_list("case__household_id", flat=True)
        .order_by()
        .distinct()
    )
    helped[FORM_ANY] = set().union(*helped.values())

    main_reason = _main_reasons(helped[FORM_ANY], last, reasons)
    size = _household_sizes(helped[FORM_ANY], last)
    households, persons, persons_capped = _cells(reasons, columns, helped, main_reason, size)

    return PeriodTables(
        reason_rows=reasons.rows,
        form_columns=columns,
        households=households,
        persons=persons,
        persons_capped=persons_capped,
        contracts=_contract_counts(first, last),
        services=_services(first, last),
    )


def _reasons(first: dt.date, last: dt.date) -> _Reasons:
    entries = AssistanceReason.objects.order_by("order", "valid_from", "id").values_list(
        "code", "statistics_column", "valid_from", "valid_to"
    )
    return _reasons_from(list(entries), first, last)


def _cells(
    reasons: _Reasons,
    columns: Sequence[str],
    helped: Mapping[str, set[int]],
    main_reason: Mapping[int, str],
    size: Mapping[int, int],
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Households, persons and persons capped per household, by main reason and form of help."""
    cells = [(row, column) for row in reasons.rows for column in columns]
    households = dict.fromkeys(cells, 0)
    persons = dict.fromkeys(cells, 0)
    persons_capped = dict.fromkeys(cells, 0)
    for column in columns:
        for household in helped[column]:
            cell = (main_reason.get(household, UNKNOWN_REASON), column)
            members = size.get(household, 1)
            households[cell] += 1
            persons[cell] += members
            persons_capped[cell] += min(members, PERSONS_CAP)
    return households, persons, persons_capped


def _granted_households(
    first: dt.date, last: dt.date, codes: tuple[str, ...]
) -> dict[str, set[int]]:
    helped: dict[str, set[int]] = {code: set() for code in codes}
    rows = (
        Decision.objects.filter(outcome__in=GRANTED, benefit__in=codes)
        .annotate(benefit_from=Coalesce("period_from", "issued_on"))
        .filter(benefit_from__lte=last)
        .filter(Q(period_to__isnull=True, benefit_from__gte=first) | Q(period_to__gte=first))
        .values_list("benefit", "application__case__household_id")
        .order_by()
        .distinct()
    )
    for code, household in rows:
        helped[code].add(household)
    return helped


def _social_work_households(first: dt.date, last: dt.date) -> set[int]:
    return set(
        ActivityEntry.objects.filter(
            day__range=(first, last),
            category=ActivityCategory.SOCIAL_WORK,
            household__isnull=False,
        )
        .values_list("household_id", flat=True)
        .order_by()
        .distinct()
    )


def _in_force(first: dt.date, last: dt.date) -> Q:
    """A social contract in force at any time in the period."""
    return (
        Q(signed_on__lte=last, starts_on__lte=last)
        & ~Q(status=ContractStatus.DRAFT)
        & (Q(closed_on__isnull=True) | Q(closed_on__gte=first))
    )


def _main_reasons(households: Iterable[int], last: dt.date, reasons: _Reasons) -> dict[int, str]:
    """Each household's row, from its most recent intake that lists reasons (one query)."""
    latest = (
        Intake.objects.filter(household_id__in=list(households), arrived_at__date__lte=last)
        .exclude(reasons=[])
        .order_by("household_id", "-arrived_at", "-id")
        .distinct("household_id")
        .values_list("household_id", "reasons")
    )
    main: dict[int, str] = {}
    for household, codes in latest:
        known = [code for code in codes if code in reasons.row]
        if known:
            main[household] = reasons.row[min(known, key=reasons.rank.__getitem__)]
    return main


def _household_sizes(households: Iterable[int], last: dt.date) -> dict[int, int]:
    return dict(
        HouseholdMember.objects.filter(household_id__in=list(households), joined_on__lte=last)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=last))
        .values("household_id")
        .annotate(size=Count("person_id", distinct=True))
        .values_list("household_id", "size")
    )


def _contract_counts(first: dt.date, last: dt.date) -> dict[str, int]:
    closed = Q(closed_on__range=(first, last))
    completed = closed & Q(status=ContractStatus.COMPLETED)
    counts: dict[str, int] = SocialContract.objects.aggregate(
        signed=Count("id", filter=Q(signed_on__range=(first, last))),
        active=Count("id", filter=_in_force(first, last)),
        completed=Count("id", filter=completed),
        achieved=Count("id", filter=completed & Q(goals_achieved=True)),
        broken=Count("id", filter=closed & Q(status=ContractStatus.BROKEN)),
    )
    return {figure: counts[figure] for figure in CONTRACT_FIGURES}


def _services(first: dt.date, last: dt.date) -> ServicesFigures:
    plans = list(
        ServicePlan.objects.filter(starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .values_list("case__household_id", "hours_per_week", "starts_on", "ends_on")
    )
    working_days = _working_days_counter(first, last)
    planned = sum(
        (
            per_week
            * working_days(max(starts, first), min(ends or last, last))
            / WORKING_DAYS_IN_A_WEEK
            for _, per_week, starts, ends in plans
        ),
        Decimal(0),
    )
    delivered = [
        hours
        for _, hours in ServiceDelivery.objects.filter(day__range=(first, last))
        .values("plan__case__household_id")
        .annotate(hours=Sum("hours"))
        .values_list("plan__case__household_id", "hours")
    ]
    return ServicesFigures(
        households=len({household for household, *_ in plans}),
        hours_planned=planned,
        hours_delivered=sum(delivered, Decimal(0)),
        top_shares=_top_shares(delivered),
    )


def _working_days_counter(first: dt.date, last: dt.date) -> Callable[[dt.date, dt.date], int]:
    """A function counting the working days from one day to another (both included) inside
    ``[first, last]``, from one pass over the period however many plans ask."""
    before = [0]  # before[i]: working days from ``first`` up to the day before ``first + i``
    for offset in range((last - first).days + 1):
        before.append(before[-1] + is_working_day(first + dt.timedelta(days=offset)))

    def count(start: dt.date, end: dt.date) -> int:
        if end < start:
            return 0
        return before[(end - first).days + 1] - before[(start - first).days]

    return count


def _top_shares(values: list[Decimal]) -> tuple[float, ...]:
    """The shares of the two largest values in their sum (as ``casework.metrics`` computes
    them, kept here so that neither contract module depends on the other's private helpers)."""
    total = sum(values, Decimal(0))
    if not total:
        return ()
    return tuple(float(value / total) for value in sorted(values, reverse=True)[:2])


# Many periods at once ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TablesDictionary:
    """The shared code lists the tables are laid out by (the national dictionaries, the same for
    every centre): the reasons' entries in reference order and the decision benefit codes."""

    reasons: tuple[tuple[str, str, dt.date, dt.date | None], ...]
    decision_codes: tuple[str, ...]


def tables_dictionary() -> TablesDictionary:
    """The shared code lists (two queries), to compute the tables of many centres with."""
    return TablesDictionary(
        reasons=tuple(
            AssistanceReason.objects.order_by("order", "valid_from", "id").values_list(
                "code", "statistics_column", "valid_from", "valid_to"
            )
        ),
        decision_codes=tuple(
            benefit_types().filter(by_decision=True).values_list("code", flat=True)
        ),
    )


def centre_periods_tables(
    periods: Sequence[tuple[dt.date, dt.date]], dictionary: TablesDictionary | None = None
) -> list[PeriodTables]:
    """The tables of the current centre's schema for each period ``(first, last)``, in order,
    equal to :func:`centre_period_tables` of each (which stays the definition), from a fixed
    number of statements whatever the number of periods: each query of the definition is asked
    once for all periods, joined to the list of periods (``VALUES``) with the same predicate, so
    the database answers per period; what depends only on the period's last day (main reasons,
    household sizes) is asked once per distinct last day, in the same statement. ``dictionary``:
    the shared code lists when read beforehand for many centres (:func:`tables_dictionary`).

    Raises ValueError if a period ends before it starts.
    """
    if any(last < first for first, last in periods):
        raise ValueError("The period ends before it starts.")
    if not periods:
        return []
    dictionary = dictionary or tables_dictionary()
    entries = dictionary.reasons
    decision_codes = dictionary.decision_codes
    columns = (*decision_codes, FORM_SOCIAL_WORK, FORM_CONTRACT, FORM_ANY)
    query = _PeriodsQuery(periods)

    helped: list[dict[str, set[int]]] = [
        {code: set() for code in (*decision_codes, FORM_SOCIAL_WORK, FORM_CONTRACT)}
        for _ in periods
    ]
    if decision_codes:
        for index, code, household in query.rows(
            """SELECT DISTINCT p.i, d.benefit, c.household_id
            FROM {Decision} d
            JOIN {Application} a ON a.id = d.application_id
            JOIN {Case} c ON c.id = a.case_id
            JOIN periods p ON coalesce(d.period_from, d.issued_on) <= p.l
                AND ((d.period_to IS NULL AND coalesce(d.period_from, d.issued_on) >= p.f)
                     OR d.period_to >= p.f)
            WHERE d.outcome = ANY(%s) AND d.benefit = ANY(%s)
                AND coalesce(d.period_from, d.issued_on) <= %s
                AND (d.period_to >= %s OR coalesce(d.period_from, d.issued_on) >= %s)""",
            [list(GRANTED), list(decision_codes), query.last, query.first, query.first],
        ):
            helped[index][code].add(household)
    for index, household in query.rows(
        """SELECT DISTINCT p.i, e.household_id FROM {ActivityEntry} e
        JOIN periods p ON e.day BETWEEN p.f AND p.l
        WHERE e.category = %s AND e.household_id IS NOT NULL
            AND e.day BETWEEN %s AND %s""",
        [ActivityCategory.SOCIAL_WORK.value, query.first, query.last],
    ):
        helped[index][FORM_SOCIAL_WORK].add(household)
    for index, household in query.rows(
        """SELECT DISTINCT p.i, c.household_id FROM {SocialContract} s
        JOIN {Case} c ON c.id = s.case_id
        JOIN periods p ON {in_force}""",
        [ContractStatus.DRAFT.value],
    ):
        helped[index][FORM_CONTRACT].add(household)
    for sets in helped:
        sets[FORM_ANY] = set().union(*sets.values())

    lasts = sorted({last for _, last in periods})
    anyone = sorted(set().union(*(sets[FORM_ANY] for sets in helped)))
    latest_reasons: dict[dt.date, dict[int, list[str]]] = {last: {} for last in lasts}
    sizes: dict[dt.date, dict[int, int]] = {last: {} for last in lasts}
    if anyone:
        for last, household, codes in query.rows(
            """SELECT DISTINCT ON (x.l, i.household_id) x.l, i.household_id, i.reasons
            FROM {Intake} i
            JOIN unnest(%s::date[]) AS x(l)
                ON (i.arrived_at AT TIME ZONE %s)::date <= x.l
            WHERE i.household_id = ANY(%s) AND NOT (i.reasons = '{{}}'::varchar[])
            ORDER BY x.l, i.household_id, i.arrived_at DESC, i.id DESC""",
            [lasts, timezone.get_current_timezone_name(), anyone],
            with_periods=False,
        ):
            latest_reasons[last][household] = codes
        for last, household, size in query.rows(
            """SELECT x.l, m.household_id, count(DISTINCT m.person_id)
            FROM {HouseholdMember} m
            JOIN unnest(%s::date[]) AS x(l)
                ON m.joined_on <= x.l AND (m.left_on IS NULL OR m.left_on > x.l)
            WHERE m.household_id = ANY(%s)
            GROUP BY x.l, m.household_id""",
            [lasts, anyone],
            with_periods=False,
        ):
            sizes[last][household] = size

    contract_counts = [dict.fromkeys(CONTRACT_FIGURES, 0) for _ in periods]
    for index, *counts in query.rows(
        """SELECT p.i,
            count(*) FILTER (WHERE s.signed_on BETWEEN p.f AND p.l),
            count(*) FILTER (WHERE {in_force}),
            count(*) FILTER (WHERE s.closed_on BETWEEN p.f AND p.l AND s.status = %s),
            count(*) FILTER (WHERE s.closed_on BETWEEN p.f AND p.l AND s.status = %s
                AND s.goals_achieved),
            count(*) FILTER (WHERE s.closed_on BETWEEN p.f AND p.l AND s.status = %s)
        FROM {SocialContract} s CROSS JOIN periods p
        GROUP BY p.i""",
        [
            ContractStatus.DRAFT.value,
            ContractStatus.COMPLETED.value,
            ContractStatus.COMPLETED.value,
            ContractStatus.BROKEN.value,
        ],
    ):
        contract_counts[index] = dict(zip(CONTRACT_FIGURES, counts, strict=True))

    plans = query.rows(
        """SELECT p.i, c.household_id, sp.hours_per_week, sp.starts_on, sp.ends_on
        FROM {ServicePlan} sp JOIN {Case} c ON c.id = sp.case_id
        JOIN periods p ON sp.starts_on <= p.l AND (sp.ends_on IS NULL OR sp.ends_on >= p.f)""",
        [],
    )
    plans_of: list[list[tuple[Any, ...]]] = [[] for _ in periods]
    for index, *plan in plans:
        plans_of[index].append(tuple(plan))
    delivered_of: list[list[Decimal]] = [[] for _ in periods]
    for index, hours in query.rows(
        """SELECT p.i, sum(sd.hours) FROM {ServiceDelivery} sd
        JOIN {ServicePlan} sp ON sp.id = sd.plan_id
        JOIN {Case} c ON c.id = sp.case_id
        JOIN periods p ON sd.day BETWEEN p.f AND p.l
        WHERE sd.day BETWEEN %s AND %s
        GROUP BY p.i, c.household_id""",
        [query.first, query.last],
    ):
        delivered_of[index].append(hours)

    # One pass over the days of all periods counts the working days of any of them.
    working_days = _working_days_counter(
        min(first for first, _ in periods), max(last for _, last in periods)
    )
    result = []
    for index, (first, last) in enumerate(periods):
        reasons = _reasons_from(entries, first, last)
        sets = helped[index]
        main_reason = _main_from(latest_reasons[last], sets[FORM_ANY], reasons)
        size = sizes[last]
        households, persons, persons_capped = _cells(reasons, columns, sets, main_reason, size)
        period_plans = plans_of[index]
        planned = sum(
            (
                per_week
                * working_days(max(starts, first), min(ends or last, last))
                / WORKING_DAYS_IN_A_WEEK
                for _, per_week, starts, ends in period_plans
            ),
            Decimal(0),
        )
        delivered = delivered_of[index]
        result.append(
            PeriodTables(
                reason_rows=reasons.rows,
                form_columns=columns,
                households=households,
                persons=persons,
                persons_capped=persons_capped,
                contracts=contract_counts[index],
                services=ServicesFigures(
                    households=len({household for household, *_ in period_plans}),
                    hours_planned=planned,
                    hours_delivered=sum(delivered, Decimal(0)),
                    top_shares=_top_shares(delivered),
                ),
            )
        )
    return result


# A social contract in force at any time in period p (the rule of ``_in_force``); one parameter,
# the draft status.
_IN_FORCE_SQL = (
    "(s.signed_on <= p.l AND s.starts_on <= p.l AND NOT (s.status = %s)"
    " AND (s.closed_on IS NULL OR s.closed_on >= p.f))"
)


_TABLES: tuple[type[Model], ...] = (
    ActivityEntry,
    Application,
    Case,
    Decision,
    HouseholdMember,
    Intake,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)


class _PeriodsQuery:
    """Statements over the periods, given to SQL as ``periods(i, f, l)``: index, first and last
    day; ``first`` and ``last`` bound the days of all periods."""

    def __init__(self, periods: Sequence[tuple[dt.date, dt.date]]) -> None:
        self.values = ", ".join("(%s::int, %s::date, %s::date)" for _ in periods)
        self.params: list[Any] = [
            value for index, (first, last) in enumerate(periods) for value in (index, first, last)
        ]
        # The days all periods span: a bound on dated rows that an index on the date can use
        # (the join to the periods alone cannot), whatever rows it keeps match some period.
        self.first = min(first for first, _ in periods)
        self.last = max(last for _, last in periods)

    def rows(
        self, template: str, params: list[Any], *, with_periods: bool = True
    ) -> list[tuple[Any, ...]]:
        names = {
            model.__name__: connection.ops.quote_name(model._meta.db_table) for model in _TABLES
        }
        # The template names tables (quoted identifiers of casework's own models) and the rule of
        # a contract in force; every value is a parameter.
        sql = template.format(in_force=_IN_FORCE_SQL, **names)
        if with_periods:
            sql = f"WITH periods(i, f, l) AS (VALUES {self.values}) {sql}"
            params = [*self.params, *params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())


def _reasons_from(
    entries: Sequence[tuple[str, str, dt.date, dt.date | None]], first: dt.date, last: dt.date
) -> _Reasons:
    """The statistical rows of a period from the dictionary's entries (code, column, valid from,
    valid to) in the dictionary's order; a code whose column is no row of the period (a reason
    that lapsed before it) has no row."""
    rows: list[str] = []
    rank: dict[str, int] = {}
    row: dict[str, str] = {}
    for position, (code, column, valid_from, valid_to) in enumerate(entries):
        rank[code], row[code] = position, column
        in_period = valid_from <= last and (valid_to is None or valid_to >= first)
        if in_period and column not in rows:
            rows.append(column)
    rows.append(UNKNOWN_REASON)
    return _Reasons(
        rows=tuple(rows), rank=rank, row={code: c for code, c in row.items() if c in rows}
    )


def _main_from(
    latest: Mapping[int, list[str]], households: Iterable[int], reasons: _Reasons
) -> dict[int, str]:
    """:func:`_main_reasons` from each household's latest intake's reasons read once."""
    main: dict[int, str] = {}
    for household in households:
        codes = latest.get(household)
        if codes is None:
            continue
        known = [code for code in codes if code in reasons.row]
        if known:
            main[household] = reasons.row[min(known, key=reasons.rank.__getitem__)]
    return main
