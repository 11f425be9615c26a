"""What an export is: its period, scope and tables (``ExportParameters``), the scope's centres and
the voivodeship groups of a national table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from benchmarking.disclosure import DisclosureSettings
from casework.metrics_tables import (
    FORM_ANY,
    FORM_CONTRACT,
    FORM_SOCIAL_WORK,
)
from opsplatform.errors import field_error
from tenants.models import Centre
from tenants.teryt import Voivodeship

NATIONAL = "PL"
PERIOD = re.compile(r"^(\d{4})(?:-H([12]))?$")
TOTAL = ("ogolem", "Ogółem")

TABLES: dict[str, str] = {
    "households": "Gospodarstwa domowe według głównego powodu i formy pomocy",
    "persons": "Osoby w gospodarstwach według głównego powodu i formy pomocy",
    "areas": "Gospodarstwa według województw",
    "contracts": "Kontrakty socjalne",
    "services": "Usługi opiekuńcze",
    "indicators": "Wskaźniki reorganizacji",
}
# Tables whose sensitivity to one household is bounded: the only ones a DP release contains.
DP_TABLES = ("households", "persons", "areas")
AREA_FORMS = (FORM_ANY, FORM_SOCIAL_WORK, FORM_CONTRACT)
AREAS_REFUSED = (
    "nie wydano: w podziale na województwa każdy wiersz musi obejmować co najmniej %d ośrodki, "
    "a ośrodków na platformie jest za mało, by utworzyć choć dwa takie wiersze"
)


@dataclass(frozen=True)
class ExportParameters:
    year: int
    half: int
    scope: str
    tables: tuple[str, ...]
    fmt: str
    dp_rho: float | None

    @property
    def period_label(self) -> str:
        return f"{self.year}-H{self.half}" if self.half else str(self.year)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period_label,
            "scope": self.scope,
            "tables": list(self.tables),
            "format": self.fmt,
            "dp_rho": self.dp_rho,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExportParameters:
        year, half = parse_period(str(data["period"]))
        return cls(year, half, data["scope"], tuple(data["tables"]), data["format"], data["dp_rho"])


def parse_period(raw: str) -> tuple[int, int]:
    match = PERIOD.match(raw.strip())
    if not match:
        raise field_error(
            "period", _("Okres sprawozdawczy to rok (np. 2025) lub półrocze (np. 2025-H1).")
        )
    return int(match.group(1)), int(match.group(2) or 0)


def scope_label(scope: str) -> str:
    if scope == NATIONAL:
        return "Polska (ośrodki na platformie)"
    return f"województwo {dict(Voivodeship.choices)[scope]}"


def scope_queryset(scope: str) -> QuerySet[Centre]:
    """The centres of a scope, by slug: selected by their voivodeship, never by a list of ids."""
    centres: QuerySet[Centre] = Centre.objects.order_by("slug")
    return centres if scope == NATIONAL else centres.filter(voivodeship=scope)


def scope_centres(scope: str) -> list[Centre]:
    return list(scope_queryset(scope))


def area_groups(
    centres: Sequence[Centre], disclosure: DisclosureSettings
) -> list[tuple[str, str, list[Centre]]]:
    """Voivodeships as rows or columns of a national table, each over at least ``min_centres``
    centres. Voivodeships with fewer go together into "pozostałe województwa"; if that group
    would have 1 or 2 centres, the smallest named voivodeships join it. With fewer than two groups
    the split would only repeat the total, and there is none."""
    names = dict(Voivodeship.choices)
    by_code: dict[str, list[Centre]] = {}
    for centre in centres:
        by_code.setdefault(centre.voivodeship, []).append(centre)
    named = sorted(
        (code for code, members in by_code.items() if len(members) >= disclosure.min_centres),
        key=lambda code: (len(by_code[code]), code),
    )
    rest = [c for code, members in by_code.items() if code not in named for c in members]
    while rest and len(rest) < disclosure.min_centres and named:
        rest += by_code[named.pop(0)]
    groups = [(code, f"woj. {names[code]}", by_code[code]) for code in sorted(named)]
    if rest:
        groups.append(("pozostale", "pozostałe województwa", rest))
    return groups if len(groups) >= 2 else []
