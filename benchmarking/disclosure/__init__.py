"""The disclosure-control gate: every aggregate passes through here on its way out of a centre.

The case data behind every metric are special-category personal data (see privacy.md), so
nothing computed from them reaches a person outside the centre except through this module:

* :func:`release_value` releases one value (a count, rate, median or sum of magnitudes) to one
  audience, or says in Polish why it is withheld;
* :func:`protect_table` releases a table of counts with margins: primary suppression,
  complementary suppression, and a linear-programming audit showing that no hidden cell can be
  worked out exactly;
* :func:`audit_intervals` is that audit, run on any released table.

The package is split by concern: ``gate`` (audiences, statuses, the marker, the settings, the
call counter and stamp), ``values`` (single values and the centre-level rules), ``tables`` (count
tables and released tables), ``protect`` (suppression of one table) and ``audit`` (its linear
programme). Callers import from the package.

The module is pure: no database, no Django models. Only :meth:`DisclosureSettings.from_django`
reads settings. :func:`gate_calls` counts calls of the two gate functions, so tests can prove that
an output path went through the gate. :func:`gate_stamp` is the label an output carries to say
which gate and which thresholds it passed.

**What the audit assumes an attacker knows.** The methodology is public, so the attacker knows
every published cell, every additive line (body cells sum to their total) and what the markers
mean. ``<k`` stands for a count from 1 to k−1, because zeros are published. The exception is a
sensitive row in a small unit (and there the total row), where zeros are hidden too, so ``<k``
there means 0 to k−1. ``x``
stands for a count that is *not* 1..k−1, since such a count would have been marked ``<k``. So
``x`` is 0 or at least k, and at least k in a sensitive row of a small unit. That last fact
matters: in a line ``[<10, x | 11]`` both hidden cells are given away (1 and 10) although the line
has two of them. A model that only knew "0..k−1" and "0..∞" would miss this. "0 or at least k"
is not a linear constraint. The audit applies it by repeated tightening, which is sound (it never
claims more than the attacker can know) but not always complete. The tests check the releases
against an exact mixed-integer model of the same attacker. Counts are whole numbers too, but the
additive-table constraint matrix is totally unimodular and every bound is a whole number, so the
linear programme's extremes are already whole numbers. Integrality adds nothing there.
"""

from __future__ import annotations

from benchmarking.disclosure.audit import audit_intervals, protected
from benchmarking.disclosure.gate import (
    GATE_NAME,
    GATE_VERSION,
    PUBLIC_SUPPRESSED,
    REASON_SUPPRESSED,
    SUPPRESSED_MARKER,
    SUPPRESSED_STATUSES,
    Audience,
    Cell,
    CellStatus,
    DisclosureSettings,
    Subject,
    gate_calls,
    gate_stamp,
    public_status,
)
from benchmarking.disclosure.protect import protect_table, release_with_pattern
from benchmarking.disclosure.tables import (
    CountTable,
    ReleasedCell,
    ReleasedTable,
    ReleasedValueTable,
    TableSpec,
)
from benchmarking.disclosure.values import (
    CentreParts,
    ReleasedValue,
    centre_rule,
    release_value,
    scope_refusal,
)

__all__ = [
    "GATE_NAME",
    "GATE_VERSION",
    "PUBLIC_SUPPRESSED",
    "REASON_SUPPRESSED",
    "SUPPRESSED_MARKER",
    "SUPPRESSED_STATUSES",
    "Audience",
    "Cell",
    "CellStatus",
    "CentreParts",
    "CountTable",
    "DisclosureSettings",
    "ReleasedCell",
    "ReleasedTable",
    "ReleasedValue",
    "ReleasedValueTable",
    "Subject",
    "TableSpec",
    "audit_intervals",
    "centre_rule",
    "gate_calls",
    "gate_stamp",
    "protect_table",
    "protected",
    "public_status",
    "release_value",
    "release_with_pattern",
    "scope_refusal",
]
