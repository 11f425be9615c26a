"""The versioned registry of the reorganisation indicators (domain.md, "Indicators").

A definition names a metric and says how to read it; the formula itself is casework's
(``casework.metrics``, keyed by the same code and version). Changing a formula means adding a new
version here and there; snapshots keep the version they were computed with.

Disclosure classes (see ../shared/privacy.md):
* ``count`` — a count of households or persons: threshold k, complementary suppression;
* ``rate`` — a share or ratio whose numerator and denominator are counts: both must reach k;
* ``median`` — a median over units: needs at least k units;
* ``magnitude`` — a sum of magnitudes (minutes, hours): dominance rule on the two largest;
* ``staffing`` — about the centre's staff and population, not about clients: published as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class DisclosureClass(StrEnum):
    COUNT = "count"
    RATE = "rate"
    MEDIAN = "median"
    MAGNITUDE = "magnitude"
    STAFFING = "staffing"


@dataclass(frozen=True)
class MetricDefinition:
    code: str
    version: int
    name_pl: str
    name_en: str
    unit: str
    better: Better
    numerator: str
    denominator: str
    disclosure: DisclosureClass
    norm: float | None = None
    # Whose units the counts are: "clients" (households, applications…) or "staff" (minutes of
    # social workers, posts). Client counts get the threshold k; staff figures only dominance.
    subject: str = "clients"

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"


DEFINITIONS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "social_work_time_share", 1, "Udział pracy socjalnej w czasie pracowników socjalnych",
        "Share of social workers' time spent on social work", "%", Better.HIGHER,
        "minuty pracy socjalnej pracowników socjalnych w miesiącu",
        "wszystkie zarejestrowane minuty pracowników socjalnych w miesiącu",
        DisclosureClass.MAGNITUDE, subject="staff",
    ),
    MetricDefinition(
        "social_work_only_households", 1, "Gospodarstwa objęte wyłącznie pracą socjalną",
        "Households helped by social work only", "gospodarstwa", Better.HIGHER,
        "gospodarstwa z pracą socjalną w miesiącu bez świadczenia pieniężnego w tym miesiącu", "—",
        DisclosureClass.COUNT,
    ),
    MetricDefinition(
        "residents_per_social_worker", 1, "Mieszkańcy na jednego pracownika socjalnego",
        "Residents per social worker", "osoby", Better.LOWER,
        "liczba mieszkańców gminy", "etaty pracowników socjalnych na koniec miesiąca",
        DisclosureClass.STAFFING, norm=2000, subject="staff",
    ),
    MetricDefinition(
        "households_per_social_worker", 1,
        "Gospodarstwa w pracy socjalnej na pracownika socjalnego",
        "Households in social work per social worker", "gospodarstwa", Better.LOWER,
        "gospodarstwa z pracą socjalną w miesiącu",
        "etaty pracowników socjalnych na koniec miesiąca",
        DisclosureClass.RATE, norm=50,
    ),
    MetricDefinition(
        "contracts_signed", 1, "Podpisane kontrakty socjalne", "Social contracts signed",
        "kontrakty", Better.HIGHER, "kontrakty podpisane w miesiącu", "—", DisclosureClass.COUNT,
    ),
    MetricDefinition(
        "contracts_active", 1, "Realizowane kontrakty socjalne", "Social contracts active",
        "kontrakty", Better.HIGHER, "kontrakty w realizacji na koniec miesiąca", "—",
        DisclosureClass.COUNT,
    ),
    MetricDefinition(
        "contracts_achieved", 1, "Kontrakty socjalne zakończone osiągnięciem celów",
        "Social contracts with goals achieved", "%", Better.HIGHER,
        "kontrakty zakończone w miesiącu z osiągniętymi celami",
        "kontrakty zakończone lub zerwane w miesiącu", DisclosureClass.RATE,
    ),
    MetricDefinition(
        "intakes", 1, "Zgłoszenia na stanowisku pierwszego kontaktu", "First-contact intakes",
        "zgłoszenia", Better.NEUTRAL, "zgłoszenia przyjęte w miesiącu", "—", DisclosureClass.COUNT,
    ),
    MetricDefinition(
        "minutes_to_routing", 1, "Mediana czasu do przekazania zgłoszenia",
        "Median time from intake to routing", "min", Better.LOWER,
        "mediana minut od zgłoszenia do przekazania do zespołu", "—", DisclosureClass.MEDIAN,
    ),
    MetricDefinition(
        "resolved_at_desk_share", 1, "Zgłoszenia załatwione na stanowisku pierwszego kontaktu",
        "Share of intakes resolved at the desk", "%", Better.HIGHER,
        "zgłoszenia rozstrzygnięte informacją, poradą lub skierowaniem",
        "zgłoszenia rozstrzygnięte w miesiącu", DisclosureClass.RATE,
    ),
    MetricDefinition(
        "days_to_decision", 1, "Mediana dni od wniosku do decyzji",
        "Median days from application to decision", "dni", Better.LOWER,
        "mediana dni od wpływu wniosku do decyzji wydanej w miesiącu", "—", DisclosureClass.MEDIAN,
    ),
    MetricDefinition(
        "decided_within_kpa_share", 1, "Decyzje wydane w terminie KPA",
        "Share of decisions within the KPA deadline", "%", Better.HIGHER,
        "decyzje wydane w terminie", "decyzje wydane w miesiącu", DisclosureClass.RATE,
    ),
    MetricDefinition(
        "interviews_on_time_share", 1, "Wywiady przeprowadzone w terminie 14 dni roboczych",
        "Share of interviews within 14 working days", "%", Better.HIGHER,
        "wywiady przeprowadzone w terminie", "wywiady przeprowadzone w miesiącu",
        DisclosureClass.RATE,
    ),
    MetricDefinition(
        "services_households", 1, "Gospodarstwa korzystające z usług opiekuńczych",
        "Households receiving care services", "gospodarstwa", Better.NEUTRAL,
        "gospodarstwa z planem usług obowiązującym w miesiącu", "—", DisclosureClass.COUNT,
    ),
    MetricDefinition(
        "service_hours_delivered_share", 1, "Godziny usług zrealizowane wobec zaplanowanych",
        "Care hours delivered against planned", "%", Better.HIGHER,
        "godziny usług zrealizowane w miesiącu", "godziny usług zaplanowane w miesiącu",
        DisclosureClass.MAGNITUDE,
    ),
    MetricDefinition(
        "handovers_per_case", 1, "Przekazania sprawy między zespołami na sprawę",
        "Handovers per case", "przekazania", Better.LOWER,
        "przekazania w miesiącu", "sprawy otwarte w miesiącu", DisclosureClass.RATE,
    ),
)  # fmt: skip


def current_versions() -> dict[str, int]:
    """The newest version of every metric: what new snapshots are computed with."""
    versions: dict[str, int] = {}
    for definition in DEFINITIONS:
        versions[definition.code] = max(versions.get(definition.code, 0), definition.version)
    return versions


def current_definitions() -> list[MetricDefinition]:
    """The newest version of every metric, in registry order."""
    versions = current_versions()
    return [d for d in DEFINITIONS if d.version == versions[d.code]]


def definition(code: str, version: int) -> MetricDefinition:
    for candidate in DEFINITIONS:
        if (candidate.code, candidate.version) == (code, version):
            return candidate
    raise KeyError((code, version))
