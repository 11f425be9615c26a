"""The simulation's own records: households, cases with their workers over time, decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from casework.demo.staff import Worker


@dataclass
class Member:
    """A member of a simulated household (ids of the member and person rows)."""

    id: int
    person_id: int
    relation: str
    born: dt.date


@dataclass
class HouseholdSim:
    """A simulated household; ``free_from``: when it may be helped again."""

    id: int
    profile: str
    members: list[Member]
    free_from: dt.date

    @property
    def head(self) -> Member:
        """The household's head (its first member)."""
        return self.members[0]

    def adults(self, day: dt.date) -> list[Member]:
        """The members aged 18 or more on ``day``."""
        return [m for m in self.members if (day - m.born).days >= 18 * 365]


@dataclass
class Segment:
    """A worker holding a case's function from ``start`` to ``end``."""

    worker: Worker
    start: dt.date
    end: dt.date | None = None


@dataclass
class CaseSim:
    """A simulated case: its household, dates, needs and workers per function over time."""

    household: HouseholdSim
    profile: str
    opened: dt.date
    closed: dt.date | None
    arrival: dt.datetime | None
    routed_at: dt.datetime | None
    reasons: list[str]
    social_work: bool
    services: bool
    contract: bool
    id: int = 0
    number: str = ""
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    intake_by: int | None = None
    last_full_interview: dt.date | None = None

    @property
    def carried_over(self) -> bool:
        """A case open before the history began (it has no intake)."""
        return self.arrival is None

    def worker_at(self, function: str, day: dt.date) -> Worker | None:
        """The worker holding ``function`` of the case on ``day`` (None if the case has none)."""
        for segment in reversed(self.segments.get(function, [])):
            if segment.start <= day:
                return segment.worker
        segments = self.segments.get(function)
        return segments[0].worker if segments else None


@dataclass
class DecisionInfo:
    """A decision written, with its row (numbered once all decisions are known)."""

    id: int
    row: list[Any]
    benefit: str
    outcome: str
    issued_on: dt.date
    period_from: dt.date | None
    period_to: dt.date | None
