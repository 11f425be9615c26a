"""Several answers of one family in a row (a coordinator's named centres side by side) in a
number of queries that does not grow with their number.

An :class:`AnswerBatch` holds what the answers would otherwise each read and write on their
own: the snapshots of all their centres over one span (``selectors.SeriesReader``), the family's
ledger (``ledger.HeldLedger``: read once, each answer's cells added in memory as recording them
would add them, all written in one insert by :meth:`AnswerBatch.flush`) and the centres of each
voivodeship (the linked audit's public structure). Every answer still goes through
``answers.guard`` and ``answers.record_answer``: the figures, the hidden cells and the ledger
rows are those of asking one answer after another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from benchmarking.ledger import HeldLedger, periods_of_year
from benchmarking.selectors import SeriesReader
from tenants.models import Centre


class AnswerBatch:
    def __init__(
        self,
        *,
        family: tuple[str, str],
        centre_ids: Iterable[int],
        first: dt.date,
        last: dt.date,
    ) -> None:
        self.family = family
        self.ledger = HeldLedger(audience=family[0], viewer=family[1])
        self.series = SeriesReader(centre_ids, first, last)
        self._members: dict[str, list[str]] | None = None

    def hold(
        self, *, tables: Iterable[str], years: Iterable[int], scopes: Iterable[str] | None = None
    ) -> None:
        """Read the family's cells of these tables in these years (fixed periods and the
        before/after windows touching them), of these ``scopes`` only or of all (None), in one
        query, before the answers ask for them."""
        years = sorted(set(years))
        self.ledger.cover(
            tables=tables,
            periods=[period for year in years for period in periods_of_year(year)],
            windows_of=years,
            scopes=scopes,
        )

    def ledger_of(self, family: tuple[str, str]) -> HeldLedger:
        """The held ledger, for answers of the batch's own family only."""
        if family != self.family:
            raise ValueError(f"a batch of {self.family} holds no answers of {family}")
        return self.ledger

    def members(self) -> dict[str, list[str]]:
        """The named centres of each voivodeship (``c:<slug>``), read once when first needed."""
        if self._members is None:
            self._members = {}
            for slug, voivodeship in Centre.objects.values_list("slug", "voivodeship"):
                self._members.setdefault(voivodeship, []).append(f"c:{slug}")
        return self._members

    def flush(self) -> None:
        """Write every answer's cells to the ledger (one insert)."""
        self.ledger.flush()
