from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.utils import timezone

from casework.calendar_days import add_working_days, is_working_day
from casework.demo.staff import Staff, Worker
from casework.demo.state import CaseSim, DecisionInfo, HouseholdSim
from casework.demo.tables import HistoryTables
from casework.demo.vocabulary import HISTORY_START, RAMP_DAYS
from casework.reference.models import AssistanceReason, BenefitType, IncomeCriterion
from tenants.models import Centre


class HistoryBase:
    """The state of one centre's simulated history and the primitives every part of it uses:
    the working-day calendar, the seeded random draws, the reference data valid on a day, and
    the choice of a worker for a function."""

    def __init__(
        self, centre: Centre, staff: Staff, today: dt.date, *, volume: float = 1.0
    ) -> None:
        self.centre = centre
        self.volume = volume
        self.schema = centre.schema_name
        self.staff = staff
        self.today = today
        self.go_live = centre.programme.go_live
        self.rng = random.Random(centre.slug)  # noqa: S311 - synthetic data, repeatable by design
        self.prefix = centre.slug[:3].upper()
        self.town = centre.short_name.split(" ", 1)[-1]
        self.postal_code = self._postal_code(centre.address)
        self.tz = timezone.get_default_timezone()
        self.pesels: set[str] = set()
        self.document_serial = 0
        self.deadline_cache: dict[tuple[dt.date, int], dt.date] = {}
        self.workdays = [
            HISTORY_START + dt.timedelta(days=i)
            for i in range((today - HISTORY_START).days + 800)
            if is_working_day(HISTORY_START + dt.timedelta(days=i))
        ]
        self.month_workdays: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
        for day in self.workdays:
            if day < today:
                self.month_workdays[(day.year, day.month)].append(day)
        self._reference()
        self.tables = HistoryTables(centre.slug)
        self.households: dict[str, list[HouseholdSim]] = defaultdict(list)
        self.cases: list[CaseSim] = []
        self.decisions: list[DecisionInfo] = []
        self.plans: list[tuple[int, dt.date, dt.date, Decimal, int, tuple[str, ...]]] = []
        self.routed_per_month: Counter[tuple[int, int]] = Counter()
        self.authorisations: list[tuple[Worker | None, int, int, dt.date]] = []
        self.centre_factor = self.rng.uniform(0.9, 1.1)

    @staticmethod
    def _postal_code(address: str) -> str:
        """The postal code (NN-NNN) in the centre's address, or an empty string."""
        for token in address.replace(",", " ").split():
            if len(token) == 6 and token[2] == "-" and (token[:2] + token[3:]).isdigit():
                return token
        return ""

    def _reference(self) -> None:
        """Load the reference data: reasons for help, benefit types and income criteria."""
        self.reason_codes: dict[str, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
        for reason in AssistanceReason.objects.all():
            self.reason_codes[reason.statistics_column].append(
                (reason.code, reason.valid_from, reason.valid_to)
            )
        self.benefit_types = {b.code: b for b in BenefitType.objects.filter(by_decision=True)}
        self.criteria = sorted(
            (c.valid_from, c.single_person, c.per_person_in_family)
            for c in IncomeCriterion.objects.all()
        )

    def working_day_after(self, day: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``day`` (0: ``day`` or the next one)."""
        if days <= 0:
            return self.workdays[bisect.bisect_left(self.workdays, day)]
        return self.workdays[bisect.bisect_right(self.workdays, day) + days - 1]

    def deadline_after(self, day: dt.date, days: int) -> dt.date:
        """A statutory time limit of ``days`` working days from ``day``, as the services count
        it (``casework.calendar_days.add_working_days``), remembered per (day, days)."""
        key = (day, days)
        if key not in self.deadline_cache:
            self.deadline_cache[key] = add_working_days(day, days)
        return self.deadline_cache[key]

    def time_on(self, day: dt.date, minute_low: int = 465, minute_high: int = 900) -> dt.datetime:
        """A random moment of ``day`` between two minutes past midnight (by default 7:45 to
        15:00, the office's hours), in the centre's time zone."""
        minute = self.rng.randint(minute_low, minute_high)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def go_live_ramp(self, day: dt.date) -> float:
        """0 before go-live, rising to 1 over ``RAMP_DAYS`` after it."""
        if day < self.go_live:
            return 0.0
        return min(1.0, ((day - self.go_live).days + 1) / RAMP_DAYS)

    def triangular(self, low: float, high: float, mode: float) -> float:
        """A draw from the triangular distribution: between ``low`` and ``high``, most often
        near ``mode``."""
        return self.rng.triangular(low, high, mode)

    def poisson(self, mean: float) -> int:
        """How many events happen in a period that has ``mean`` of them on average (Knuth's
        method; a normal approximation above 30)."""
        if mean <= 0:
            return 0
        if mean > 30:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, k, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def income_criterion(self, day: dt.date) -> tuple[Decimal, Decimal]:
        """The statutory income criteria in force on ``day``: for a single person and per person
        in a family."""
        index = max(0, bisect.bisect_right([c[0] for c in self.criteria], day) - 1)
        _, single, family = self.criteria[index]
        return single, family

    def reason_code_on(self, column: str, day: dt.date) -> str | None:
        """The code of the assistance reason reported in statistics ``column`` that is valid on
        ``day`` (None if none is)."""
        for code, valid_from, valid_to in self.reason_codes.get(column, []):
            if valid_from <= day and (valid_to is None or day <= valid_to):
                return code
        return None

    def pick_worker(
        self, function: str, day: dt.date, *, other_than: Worker | None = None
    ) -> Worker:
        """A random worker doing ``function`` on ``day`` (another than ``other_than`` if the pool
        has one)."""
        pool = self.staff.pool(function, day)
        choices = [w for w in pool if w != other_than] or pool
        return self.rng.choice(choices)
