"""Synthetic casework history for the demo centres (issue 3, "Realistic synthetic history").

``build(centre=...)`` fills one centre's schema with invented casework from 2016-01-01 to
yesterday, scaled by the centre's population (about 2–4 % of residents in helped households a
year), with the effects the reorganisation aimed at around ``centre.programme.go_live``:

* before go-live there is no first-contact post: the social worker on duty registers a report,
  the manager hands it to the district's social worker days later, and that one worker does the
  family interview, prepares the decision and does the social work, so logged time is mostly
  administrative proceedings;
* after go-live the first-contact post registers and routes within minutes and resolves a growing
  share at the desk, cases go to the benefits, social-work and services teams, social workers log
  mostly social work, more households are helped by social work only, more social contracts are
  signed and achieved, and handovers per case fall year by year.

Everything is invented: names come from short lists of common Polish first names and surnames,
PESELs from ``casework.pesel.make``, addresses are "ul. Przykładowa 12"-style streets in the
centre's town, and every person and household is marked ``is_synthetic``. The workers are the
centre's existing demo staff (``tenants.demo``). Deterministic for a given day: one
``random.Random`` seeded by the centre's slug. Idempotent: a centre that already has synthetic
households is left alone.

Rows are written with PostgreSQL COPY (text format) into ids reserved from each table's sequence,
in one transaction per centre, by a second thread on the same connection so that PostgreSQL stores
one batch while Python builds the next. Like ``bulk_create`` this fires no signals, so the
synthetic history writes no audit entries; unlike ``bulk_create`` it builds no model instance per
row.

Audit: the history is written as if it had been there before the audit trail began, so it gets no
entry per row: about a million entries, each chained under the trail's lock and hash, would make
provisioning several times slower and bury the trail's real entries. The COPY runs with the audit
guard's exemption (``casework.audit.AUDIT_EXEMPT_SETTING``, set for the writer's lifetime only), and
the trail gets one entry saying the synthetic history was loaded (object ``casework.demohistory``,
its id the day it was built).

Measured on a two-core machine, ``bulk_create`` stored about 8,000 rows a second and COPY about
50,000: the five centres (about a million rows, half of them the activity log) take some
30 seconds this way instead of several minutes.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import logging
import math
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from psycopg import sql

from casework.audit import AUDIT_EXEMPT_SETTING, record_demo_history
from casework.calendar_days import add_working_days, is_working_day
from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    Case,
    CaseAssignment,
    CommunityProject,
    ContractReview,
    Decision,
    DecisionAuthorisation,
    DelayNotice,
    FamilyInterview,
    Handover,
    Household,
    HouseholdMember,
    IncomeRecord,
    IndividualProgramme,
    Intake,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.intake import Channel, IntakeOutcome, ReporterKind
from casework.models.people import IdentityDocument, Relation
from casework.models.proceedings import (
    AppealOutcome,
    ApplicationStatus,
    DecisionOutcome,
    InterviewKind,
    PaymentSchedule,
)
from casework.models.socialwork import (
    ActivityCategory,
    ContractStatus,
    ContractVariant,
    ProgrammeKind,
    ProgrammeStatus,
    ProjectKind,
)
from casework.pesel import make as make_pesel
from casework.reference.models import AssistanceReason, BenefitType, IncomeCriterion
from casework.services.proceedings import appeal_forward_due_on
from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.org.models import CanonicalFunction, StaffPosition

logger = logging.getLogger(__name__)

HISTORY_START = dt.date(2016, 1, 1)
ID_BLOCK = 20000
COPY_CHUNK = 20000

FC = CanonicalFunction.FIRST_CONTACT.value
BEN = CanonicalFunction.BENEFITS.value
SW = CanonicalFunction.SOCIAL_WORK.value
SRV = CanonicalFunction.SERVICES.value
PAL = CanonicalFunction.LOCAL_ACTIVITY.value

ROLE_FUNCTION = {
    Role.FIRST_CONTACT.value: FC,
    Role.BENEFITS.value: BEN,
    Role.SOCIAL_WORKER.value: SW,
    Role.SERVICES_COORDINATOR.value: SRV,
}

# --- invented people --------------------------------------------------------------------------

FIRST_F = (
    "Anna", "Katarzyna", "Maria", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna",
    "Elżbieta", "Zofia", "Joanna", "Magdalena", "Monika", "Teresa", "Danuta", "Janina",
    "Aleksandra", "Natalia", "Julia", "Zuzanna", "Maja", "Lena", "Hanna", "Oliwia",
)  # fmt: skip
FIRST_M = (
    "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Jan", "Paweł", "Michał", "Marcin", "Stanisław",
    "Józef", "Grzegorz", "Adam", "Zbigniew", "Jerzy", "Łukasz", "Mateusz", "Jakub", "Kacper",
    "Szymon", "Antoni", "Filip", "Franciszek", "Wojciech", "Tadeusz",
)  # fmt: skip
SURNAMES = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski", "Zając", "Pawłowski",
    "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski", "Majewski", "Olszewski",
    "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek", "Nowicki", "Pawlak", "Górski",
    "Witkowski", "Walczak", "Sikora",
)  # fmt: skip
STREETS = ("Przykładowa", "Wzorcowa", "Umowna", "Modelowa", "Próbna", "Testowa")

# --- the households' situations ----------------------------------------------------------------

SENIOR, DISABLED, UNEMPLOYED, FAMILY, HOMELESS = (
    "senior",
    "disabled",
    "unemployed",
    "family",
    "homeless",
)
CRISIS, FUNERAL, DPS, SW_ONLY, FOREIGNER = "crisis", "funeral", "dps", "sw_only", "foreigner"

# Reasons (art. 7) as statistics columns, resolved to the code valid on the intake's date.
PROFILE_REASONS: dict[str, tuple[tuple[str, float], ...]] = {
    SENIOR: (("choroba", 0.7), ("niepelnosprawnosc", 0.45), ("ubostwo", 0.6)),
    DISABLED: (("niepelnosprawnosc", 0.95), ("choroba", 0.5), ("ubostwo", 0.5)),
    UNEMPLOYED: (
        ("bezrobocie", 0.95), ("ubostwo", 0.7), ("alkoholizm", 0.15), ("zaklad-karny", 0.04),
        ("narkomania", 0.02),
    ),
    FAMILY: (
        ("ubostwo", 0.7), ("bezrobocie", 0.4), ("macierzynstwo", 0.35), ("bezradnosc", 0.35),
        ("choroba", 0.15), ("alkoholizm", 0.1), ("niepelnosprawnosc", 0.1), ("przemoc", 0.06),
        ("sieroctwo", 0.02),
    ),
    HOMELESS: (
        ("bezdomnosc", 1.0), ("ubostwo", 0.6), ("bezrobocie", 0.5), ("alkoholizm", 0.45),
        ("zaklad-karny", 0.1),
    ),
    CRISIS: (("zdarzenie-losowe", 0.85), ("kleska", 0.15), ("ubostwo", 0.3)),
    FUNERAL: (("ubostwo", 1.0),),
    DPS: (("choroba", 0.9), ("niepelnosprawnosc", 0.6)),
    SW_ONLY: (
        ("bezradnosc", 0.6), ("alkoholizm", 0.25), ("przemoc", 0.2), ("choroba", 0.2),
        ("niepelnosprawnosc", 0.1), ("narkomania", 0.03), ("handel-ludzmi", 0.003),
    ),
    FOREIGNER: (("cudzoziemcy", 1.0), ("ubostwo", 0.5), ("macierzynstwo", 0.3)),
}  # fmt: skip

# Case length in months: (low, high, mode) of a triangular distribution.
PROFILE_MONTHS: dict[str, tuple[float, float, float]] = {
    SENIOR: (8, 72, 20), DISABLED: (8, 72, 24), UNEMPLOYED: (3, 24, 8), FAMILY: (3, 36, 10),
    HOMELESS: (3, 30, 8), CRISIS: (1, 4, 1.5), FUNERAL: (0.5, 1.5, 0.7), DPS: (2, 6, 3),
    SW_ONLY: (3, 24, 8), FOREIGNER: (2, 14, 5),
}  # fmt: skip

# Months between applications: (low, high).
PROFILE_CADENCE: dict[str, tuple[int, int]] = {
    SENIOR: (6, 12), DISABLED: (6, 12), UNEMPLOYED: (3, 6), FAMILY: (3, 8), HOMELESS: (3, 6),
    CRISIS: (1, 3), FUNERAL: (1, 1), DPS: (2, 4), SW_ONLY: (0, 0), FOREIGNER: (2, 5),
}  # fmt: skip

# Chance that the case needs social work (same before and after go-live: who does it changes).
PROFILE_SOCIAL_WORK = {
    SENIOR: 0.25, DISABLED: 0.25, UNEMPLOYED: 0.45, FAMILY: 0.5, HOMELESS: 0.75, CRISIS: 0.2,
    FUNERAL: 0.0, DPS: 0.4, SW_ONLY: 1.0, FOREIGNER: 0.5,
}  # fmt: skip
# Chance of a social contract for a case opened before / after go-live.
PROFILE_CONTRACT = {
    UNEMPLOYED: (0.10, 0.35), FAMILY: (0.08, 0.25), HOMELESS: (0.15, 0.35),
    SW_ONLY: (0.12, 0.45), FOREIGNER: (0.08, 0.3), SENIOR: (0.01, 0.03), DISABLED: (0.02, 0.06),
}  # fmt: skip
PROFILE_SERVICES = {SENIOR: 0.12, DISABLED: 0.06}

CLOSING_REASONS = {
    SENIOR: ("zgon", "umieszczenie w domu pomocy społecznej", "ustanie przyczyny udzielania pomocy",
             "zmiana miejsca zamieszkania"),
    DISABLED: ("ustanie przyczyny udzielania pomocy", "przyznanie świadczenia z ZUS",
               "zmiana miejsca zamieszkania"),
    UNEMPLOYED: ("podjęcie zatrudnienia", "ustanie przyczyny udzielania pomocy",
                 "rezygnacja z pomocy", "przekroczenie kryterium dochodowego"),
    FAMILY: ("poprawa sytuacji rodziny", "podjęcie zatrudnienia",
             "przekroczenie kryterium dochodowego", "zmiana miejsca zamieszkania"),
    HOMELESS: ("uzyskanie mieszkania", "zmiana miejsca pobytu", "rezygnacja z pomocy"),
    CRISIS: ("ustanie przyczyny udzielania pomocy",),
    FUNERAL: ("sprawa załatwiona",),
    DPS: ("umieszczenie w domu pomocy społecznej", "zgon"),
    SW_ONLY: ("osiągnięcie celów pracy socjalnej", "rezygnacja z pomocy",
              "ustanie przyczyny udzielania pomocy"),
    FOREIGNER: ("wyjazd z gminy", "usamodzielnienie się rodziny", "podjęcie zatrudnienia"),
}  # fmt: skip

SERVICE_CODES = (
    "uslugi-opiekuncze",
    "specjalistyczne-uslugi-opiekuncze",
    "uslugi-zaburzenia-psychiczne",
)

DIAGNOSES = (
    "Rodzina nie jest w stanie zaspokoić podstawowych potrzeb z własnych dochodów.",
    "Osoba samotnie gospodarująca, wymaga wsparcia w codziennym funkcjonowaniu.",
    "Długotrwała choroba ogranicza możliwość podjęcia zatrudnienia.",
    "Trudności w prowadzeniu gospodarstwa domowego i w sprawach opiekuńczo-wychowawczych.",
    "Brak stałego źródła dochodu; osoba zarejestrowana w powiatowym urzędzie pracy.",
    "Sytuacja mieszkaniowa trudna; zadłużenie z tytułu opłat za mieszkanie.",
)
HELP_PLANS = (
    "Pomoc finansowa na zaspokojenie podstawowych potrzeb, praca socjalna.",
    "Zasiłek, poradnictwo, motywowanie do aktywności zawodowej.",
    "Usługi opiekuńcze w miejscu zamieszkania, monitorowanie sytuacji.",
    "Praca socjalna z rodziną, wsparcie asystenta rodziny, pomoc rzeczowa.",
    "Pomoc w formie posiłku, pomoc w załatwieniu spraw urzędowych.",
)
REFUSALS = (
    "Dochód przekracza kryterium dochodowe określone w art. 8 ustawy o pomocy społecznej.",
    "Strona nie wykorzystała własnych uprawnień i zasobów (art. 11 ust. 1 u.p.s.).",
    "Brak środków finansowych w budżecie gminy na realizację świadczenia.",
)
REFUSAL_CONTRACT = "Odmowa zawarcia kontraktu socjalnego (art. 11 ust. 2 u.p.s.)."
DELAY_REASONS = (
    "Konieczność uzupełnienia dokumentacji przez stronę.",
    "Oczekiwanie na informacje z innych instytucji.",
    "Nieobecność strony w miejscu zamieszkania przy próbie przeprowadzenia wywiadu.",
)
HANDOVER_REASONS_PRE = (
    "zmiana rejonu opiekuńczego",
    "długotrwała nieobecność pracownika",
    "wyrównanie obciążenia pracowników",
)
HANDOVER_REASONS_POST = (
    "długotrwała nieobecność pracownika",
    "wyrównanie obciążenia w zespole",
    "zmiana potrzeb rodziny",
)
HANDOVER_REORGANISATION = "reorganizacja ośrodka: przekazanie sprawy do właściwego zespołu"
CONTRACT_GOALS = {
    ContractVariant.UNEMPLOYED.value: (
        "Podjęcie zatrudnienia lub udział w szkoleniu zawodowym.",
        "Regularny kontakt z powiatowym urzędem pracy, 5 rozmów kwalifikacyjnych.",
        "Osoba zgłasza się do PUP i podejmuje proponowane formy aktywizacji.",
    ),
    ContractVariant.HOMELESS.value: (
        "Wyjście z bezdomności: pobyt w schronisku, utrzymanie abstynencji, złożenie wniosku o"
        " lokal socjalny.",
        "Przestrzeganie regulaminu schroniska, terapia uzależnień, poszukiwanie pracy.",
        "Osoba realizuje indywidualny program wychodzenia z bezdomności.",
    ),
    ContractVariant.FAMILY.value: (
        "Poprawa funkcjonowania rodziny: regularne uczęszczanie dzieci do szkoły, spłata"
        " zadłużenia.",
        "Współpraca z asystentem rodziny, udział w warsztatach dla rodziców.",
        "Rodzina realizuje ustalony plan wydatków i współpracuje ze szkołą.",
    ),
    ContractVariant.STANDARD.value: (
        "Usamodzielnienie się osoby i poprawa jej sytuacji życiowej.",
        "Udział w grupie wsparcia, terminowe regulowanie opłat.",
        "Osoba realizuje ustalone działania.",
    ),
}
CENTRE_OBLIGATIONS = (
    "Pracownik socjalny udziela wsparcia, poradnictwa i pomocy finansowej w okresie realizacji"
    " kontraktu."
)
PROJECT_NAMES = (
    ("Klub Seniora „Razem raźniej”", ("seniorzy",)),
    ("Grupa wsparcia dla rodziców", ("rodziny z dziećmi",)),
    ("Klub pracy", ("osoby bezrobotne",)),
    ("Warsztaty kompetencji rodzicielskich", ("rodziny z dziećmi",)),
    ("Aktywni na co dzień", ("osoby z niepełnosprawnościami",)),
    ("Wakacje z ośrodkiem", ("dzieci i młodzież",)),
    ("Grupa wsparcia dla osób w kryzysie", ("osoby w kryzysie",)),
    ("Zdrowy budżet domowy", ("rodziny", "osoby bezrobotne")),
)
PAL_NAMES = (
    "Program Aktywności Lokalnej „Sąsiedzi dla sąsiadów”",
    "Program Aktywności Lokalnej „Aktywna wspólnota”",
    "Program Aktywności Lokalnej „Razem na osiedlu”",
)
PROVIDERS = ("Usługi Opiekuńcze „Przykład” sp. z o.o.", "Spółdzielnia Socjalna „Wzorcowa”")
REPORTER_NAMES = {
    ReporterKind.POLICE.value: "Komenda Powiatowa Policji (dzielnicowy)",
    ReporterKind.SCHOOL.value: "Szkoła Podstawowa (pedagog szkolny)",
    ReporterKind.COURT.value: "Sąd Rejonowy (kurator sądowy)",
    ReporterKind.HEALTH.value: "Szpital Powiatowy (pracownik socjalny szpitala)",
    ReporterKind.OTHER_INSTITUTION.value: "Powiatowe Centrum Pomocy Rodzinie",
}
DESK_NOTES = {
    IntakeOutcome.INFORMATION.value: (
        "Udzielono informacji o zasadach przyznawania świadczeń.",
        "Udzielono informacji o wymaganych dokumentach.",
        "Udzielono informacji o terminach wypłat.",
    ),
    IntakeOutcome.ADVICE.value: (
        "Udzielono porady w sprawie zadłużenia mieszkania.",
        "Udzielono porady w sprawie opieki nad osobą starszą.",
        "Udzielono porady w sprawie świadczeń rodzinnych.",
    ),
    IntakeOutcome.REFERRAL_OUTSIDE.value: (
        "Skierowano do powiatowego urzędu pracy.",
        "Skierowano do punktu nieodpłatnej pomocy prawnej.",
        "Skierowano do działu świadczeń rodzinnych.",
        "Skierowano do powiatowego centrum pomocy rodzinie.",
    ),
}

# Share of a worker's day by activity category: social work, proceedings, services, other.
SHARES_BEFORE = {
    "generalist": (0.15, 0.64, 0.07, 0.14),
    SRV: (0.08, 0.20, 0.60, 0.12),
}
SHARES_AFTER = {
    FC: (0.30, 0.15, 0.0, 0.55),
    BEN: (0.10, 0.77, 0.02, 0.11),
    SW: (0.74, 0.06, 0.05, 0.15),
    SRV: (0.12, 0.08, 0.68, 0.12),
}
CATEGORIES = (
    ActivityCategory.SOCIAL_WORK.value,
    ActivityCategory.PROCEEDINGS.value,
    ActivityCategory.SERVICES.value,
    ActivityCategory.OTHER.value,
)
RAMP_DAYS = 120  # the new shares settle in over about four months after go-live
MINOR_BLOCK = 120  # minutes: the shortest logged stint of a worker's minor activity in a day


# --- small helpers -----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _female_surname(surname: str) -> str:
    for ending, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(ending):
            return surname[: -len(ending)] + female
    return surname


def _months(start: dt.date, end: dt.date) -> Iterable[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# --- staff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Worker:
    id: int
    role: str
    team_id: int
    team_functions: tuple[str, ...]
    started_on: dt.date
    ended_on: dt.date | None
    fte: float
    is_social_worker: bool

    @property
    def function(self) -> str:
        own = ROLE_FUNCTION.get(self.role)
        if own in self.team_functions:
            return own
        return self.team_functions[0] if self.team_functions else SW


class Staff:
    """The centre's workers, as they worked before and after go-live.

    Before go-live the staff who hold posts that started before it work as generalists (district
    social workers doing benefits and social work), services coordinators keep coordinating
    services. Their current position dates are taken to mean the present post, not the first day
    at the centre, so they work from the start of the history.
    """

    def __init__(self, workers: list[Worker], manager_id: int, go_live: dt.date) -> None:
        self.go_live = go_live
        self.workers = workers
        self.manager_id = manager_id
        old = [w for w in workers if w.started_on < go_live]
        self.generalists = (
            [w for w in old if w.is_social_worker and w.function in (FC, BEN, SW)]
            or [w for w in old if w.is_social_worker]
            or [w for w in workers if w.is_social_worker]
            or workers
        )
        self.old_services = [w for w in old if w.function == SRV] or self.generalists
        self.by_function: dict[str, list[Worker]] = {}
        for function in (FC, BEN, SW, SRV, PAL):
            self.by_function[function] = (
                [w for w in workers if w.function == function]
                or [w for w in workers if function in w.team_functions]
                or ([] if function in (FC, PAL) else self.generalists)
            )
        # Workers whose time is logged: every social-work post (local activity posts are not).
        self.loggers = [w for w in workers if w.is_social_worker]

    def pool(self, function: str, day: dt.date) -> list[Worker]:
        if day < self.go_live:
            return self.old_services if function == SRV else self.generalists
        pool = self.by_function.get(function) or self.generalists
        active = [
            w for w in pool if w.started_on <= day and (w.ended_on is None or w.ended_on >= day)
        ]
        return active or pool

    def active(self, worker: Worker, day: dt.date) -> bool:
        if day < self.go_live:
            return worker.started_on < self.go_live
        return worker.started_on <= day and (worker.ended_on is None or worker.ended_on >= day)

    def suits(self, worker: Worker, function: str, day: dt.date) -> bool:
        return worker in self.pool(function, day)


# --- rows --------------------------------------------------------------------------------------


def _column(model: type[models.Model], name: str) -> str:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field) or not found.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found.column


# COPY's text format: these four characters are escaped, NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
# Public ids are UUIDs of version 8 (RFC 9562's custom layout): a 48-bit sequence number per
# table, then random bits. Ordered ids keep index inserts at the right-hand end, which more than
# halves the write-ahead log of a load this size compared with random version-4 ids.
_UUID_VERSION_VARIANT = (0x8 << 76) | (0x2 << 62)


def _text(value: Any) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        return str(value).translate(_COPY_ESCAPES)
    if kind is int:
        return str(value)
    if value is None:
        return NULL
    if kind is bool:
        return "t" if value else "f"
    if kind is list:
        items = ",".join('"' + str(v).replace('"', '\\"') + '"' for v in value)
        return ("{" + items + "}").translate(_COPY_ESCAPES)
    return str(value)  # date, aware datetime, Decimal


class Table:
    """Rows for one model, written with COPY in the text format. Ids come from the table's own
    sequence in blocks, so children can refer to parents before anything is written. Public ids
    are random UUIDs from a generator seeded by the centre, so demo URLs survive a rebuild."""

    def __init__(
        self, model: type[models.Model], fields: Sequence[str], *, ids: bool, seed: str
    ) -> None:
        self.model = model
        self.table = model._meta.db_table
        names = ("public_id", "created_at", "updated_at", *fields)
        self.with_ids = ids
        self.columns = (["id"] if ids else []) + [_column(model, name) for name in names]
        self.rows: list[list[Any]] = []
        self.lines: list[str] = []
        self.writer: Writer | None = None
        self.written = 0
        self._free: list[int] = []
        self.now = str(timezone.now())
        self._bits = random.Random(f"{seed}:{self.table}").getrandbits  # noqa: S311
        self._serial = self._bits(46)

    def public_id(self) -> str:
        self._serial += 1
        bits = self._bits(74)
        value = (self._serial << 80) | ((bits >> 62) << 64) | (bits & ((1 << 62) - 1))
        return f"{value | _UUID_VERSION_VARIANT:032x}"

    def prefetch(self) -> None:
        if not self._free:
            if self.writer is None:
                raise RuntimeError("ids are reserved through the writer")
            self._free = sorted(self.writer.reserve(self.table, ID_BLOCK), reverse=True)

    def next_id(self) -> int:
        self.prefetch()
        return self._free.pop()

    def add(self, *values: Any) -> int:
        pk = self.next_id()
        self.rows.append([pk, self.public_id(), self.now, self.now, *values])
        return pk

    def add_with_id(self, pk: int, *values: Any) -> None:
        self.rows.append([pk, self.public_id(), self.now, self.now, *values])

    def add_leaf(self, *values: Any) -> None:
        self.rows.append([self.public_id(), self.now, self.now, *values])

    def take(self, schema: str) -> tuple[sql.Composed, list[str]] | None:
        """The COPY statement and the rows gathered since the last call, as text chunks."""
        if not self.rows and not self.lines:
            return None
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(schema, self.table),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        lines = ["\t".join(map(_text, row)) + "\n" for row in self.rows] + self.lines
        chunks = ["".join(lines[i : i + COPY_CHUNK]) for i in range(0, len(lines), COPY_CHUNK)]
        self.written += len(lines)
        self.rows, self.lines = [], []
        return statement, chunks

    @property
    def count(self) -> int:
        return self.written + len(self.rows) + len(self.lines)


class Writer:
    """Runs the COPY statements on a second thread, on the same connection and transaction, so
    that PostgreSQL stores one batch (and checks its foreign keys) while Python builds the next.
    The main thread must not use the connection until ``close``."""

    def __init__(self, schema: str) -> None:
        connection.ensure_connection()
        self.schema = schema
        self.raw = connection.connection
        # One statement at a time on the connection: a COPY in progress holds it to the end.
        self.lock = threading.Lock()
        self.queue: queue.Queue[tuple[sql.Composed, list[str]] | None] = queue.Queue()
        self.error: BaseException | None = None
        with self.raw.cursor() as cursor:
            # Foreign keys are checked at the end of each COPY, here, not all at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The synthetic history has no audit entry per row (see the module docstring): the
            # database's audit guard is told so, by name, until ``close``. A SET LOCAL statement,
            # not set_config(): Citus forwards SET LOCAL to the workers where the guard runs.
            cursor.execute(f"SET LOCAL {AUDIT_EXEMPT_SETTING} = 'demo'")
        self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue
            statement, chunks = item
            try:
                with self.lock, self.raw.cursor() as cursor, cursor.copy(statement) as copy:
                    for chunk in chunks:
                        copy.write(chunk)
            except BaseException as exc:  # re-raised on the main thread by close()
                self.error = exc

    def reserve(self, table: str, count: int) -> list[int]:
        """``count`` consecutive ids from the table's sequence. Inserts by other sessions wait
        until this transaction ends (they would take ids from the middle of the block)."""
        with self.lock, self.raw.cursor() as cursor:
            cursor.execute(
                sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(
                    sql.Identifier(self.schema, table)
                )
            )
            # The id's sequence: the one owned by the column, or (on Citus, where a centre's ids
            # come from a sequence only named in the column's default) the one its default uses.
            cursor.execute(
                """
                SELECT setval(s, nextval(s) + %(count)s - 1) FROM (
                    SELECT coalesce(pg_get_serial_sequence(%(table)s, 'id')::regclass, (
                        SELECT d.refobjid::regclass
                        FROM pg_attrdef ad
                        JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
                        JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass
                            AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
                        JOIN pg_class seq ON seq.oid = d.refobjid AND seq.relkind = 'S'
                        WHERE ad.adrelid = %(table)s::regclass AND a.attname = 'id'
                    )) AS s
                ) AS id_sequence
                """,
                {"count": count, "table": f'"{self.schema}"."{table}"'},
            )
            row = cursor.fetchone()
            if row is None:
                raise RuntimeError(f"no id sequence for {table}")
            return list(range(row[0] - count + 1, row[0] + 1))

    def send(self, table: Table) -> None:
        if self.error is not None:
            raise self.error
        payload = table.take(self.schema)
        if payload is not None:
            self.queue.put(payload)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        with self.raw.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # every deferrable one is, by default
            cursor.execute(f"SET LOCAL {AUDIT_EXEMPT_SETTING} = ''")


# --- the simulation ----------------------------------------------------------------------------


@dataclass
class Member:
    id: int
    person_id: int
    relation: str
    born: dt.date


@dataclass
class HouseholdSim:
    id: int
    profile: str
    members: list[Member]
    free_from: dt.date

    @property
    def head(self) -> Member:
        return self.members[0]

    def adults(self, day: dt.date) -> list[Member]:
        return [m for m in self.members if (day - m.born).days >= 18 * 365]


@dataclass
class Segment:
    worker: Worker
    start: dt.date
    end: dt.date | None = None


@dataclass
class CaseSim:
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
        return self.arrival is None

    def worker_at(self, function: str, day: dt.date) -> Worker | None:
        for segment in reversed(self.segments.get(function, [])):
            if segment.start <= day:
                return segment.worker
        segments = self.segments.get(function)
        return segments[0].worker if segments else None


@dataclass
class DecisionInfo:
    id: int
    row: list[Any]
    benefit: str
    outcome: str
    issued_on: dt.date
    period_from: dt.date | None
    period_to: dt.date | None


class Builder:
    """One centre's history: simulated in memory, written through a ``Writer``."""

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
        self.due_cache: dict[tuple[dt.date, int], dt.date] = {}
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
        self._tables()
        self.households: dict[str, list[HouseholdSim]] = defaultdict(list)
        self.cases: list[CaseSim] = []
        self.decisions: list[DecisionInfo] = []
        self.plans: list[tuple[int, dt.date, dt.date, Decimal, int, tuple[str, ...]]] = []
        self.routed_per_month: Counter[tuple[int, int]] = Counter()
        self.authorisations: list[tuple[Worker | None, int, int, dt.date]] = []
        self.centre_factor = self.rng.uniform(0.9, 1.1)

    @staticmethod
    def _postal_code(address: str) -> str:
        for token in address.replace(",", " ").split():
            if len(token) == 6 and token[2] == "-" and (token[:2] + token[3:]).isdigit():
                return token
        return ""

    def _reference(self) -> None:
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

    def _tables(self) -> None:
        seed = self.centre.slug
        self.t_person = Table(Person, (
            "first_name", "last_name", "pesel", "document_type", "document_number",
            "date_of_birth", "sex", "citizenship", "street", "postal_code", "city", "phone",
            "is_synthetic",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_household = Table(Household, (
            "street", "postal_code", "city", "is_synthetic",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_member = Table(HouseholdMember, (
            "household", "person", "relation", "joined_on", "left_on",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_income = Table(IncomeRecord, (
            "member", "as_of", "amount", "source", "recorded_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_case = Table(Case, (
            "number", "household", "status", "opened_on", "closed_on", "closing_reason",
            "legal_hold",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_assignment = Table(CaseAssignment, (
            "case", "function", "team", "worker", "started_on", "ended_on",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_handover = Table(Handover, (
            "case", "from_team", "to_team", "from_worker", "to_worker", "reason",
            "handed_over_at", "by",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_intake = Table(Intake, (
            "arrived_at", "channel", "reporter_kind", "reporter_name", "person", "household",
            "reasons", "notes", "outcome", "outcome_note", "routed_team", "routed_worker",
            "resolved_at", "case", "registered_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_authorisation = Table(DecisionAuthorisation, (
            "worker", "reference", "valid_from", "valid_to", "granted_by",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_application = Table(Application, (
            "case", "applicant", "received_on", "benefits", "urgent", "complex", "status",
            "decision_due_on", "registered_by",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_interview = Table(FamilyInterview, (
            "case", "application", "kind", "needed_since", "due_on", "conducted_on", "worker",
            "diagnosis", "help_plan",
        ), ids=True, seed=seed)  # fmt: skip
        # The number (the second field) is filled in once all decisions are known.
        self.t_decision = Table(Decision, (
            "application", "number", "outcome", "benefit", "amount", "period_from", "period_to",
            "payment_schedule", "legal_basis", "reasoning", "issued_on", "issued_by",
            "authorisation", "interview", "delivered_on",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_delay = Table(DelayNotice, (
            "application", "sent_on", "new_due_on", "reason", "by",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_appeal = Table(Appeal, (
            "decision", "lodged_on", "forward_due_on", "forwarded_on", "outcome", "outcome_on",
            "registered_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_contract = Table(SocialContract, (
            "case", "person", "worker", "variant", "goals", "client_obligations",
            "centre_obligations", "starts_on", "ends_on", "status", "signed_on", "closed_on",
            "goals_achieved", "outcome_note",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_review = Table(ContractReview, (
            "contract", "due_on", "done_on", "note",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_programme = Table(IndividualProgramme, (
            "case", "person", "worker", "kind", "starts_on", "ends_on", "status", "goals",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_project = Table(CommunityProject, (
            "name", "kind", "starts_on", "ends_on", "coordinator", "target_groups",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_participation = Table(ProjectParticipation, (
            "project", "person", "joined_on", "left_on",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_plan = Table(ServicePlan, (
            "case", "recipient", "service_type", "provider_kind", "provider_name",
            "hours_per_week", "starts_on", "ends_on", "hourly_cost", "fee_rule", "fee_percent",
            "decision", "coordinator",
        ), ids=True, seed=seed)  # fmt: skip
        self.t_delivery = Table(ServiceDelivery, (
            "plan", "day", "hours", "carer", "recorded_by",
        ), ids=False, seed=seed)  # fmt: skip
        self.t_activity = Table(ActivityEntry, (
            "worker", "day", "minutes", "category", "household",
        ), ids=False, seed=seed)  # fmt: skip
        # Parents before children: foreign keys are checked at the end of each COPY.
        self.streamed = [
            self.t_household, self.t_person, self.t_member, self.t_income, self.t_authorisation,
            self.t_case, self.t_assignment, self.t_handover, self.t_intake, self.t_application,
            self.t_interview, self.t_delay, self.t_contract, self.t_review, self.t_programme,
            self.t_project, self.t_participation,
        ]  # fmt: skip
        self.tables = [
            *self.streamed, self.t_decision, self.t_appeal, self.t_plan, self.t_delivery,
            self.t_activity,
        ]  # fmt: skip

    # -- calendar --

    def wd_after(self, day: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``day`` (0: ``day`` or the next one)."""
        if days <= 0:
            return self.workdays[bisect.bisect_left(self.workdays, day)]
        return self.workdays[bisect.bisect_right(self.workdays, day) + days - 1]

    def due(self, day: dt.date, days: int) -> dt.date:
        key = (day, days)
        if key not in self.due_cache:
            self.due_cache[key] = add_working_days(day, days)
        return self.due_cache[key]

    def at(self, day: dt.date, minute_low: int = 465, minute_high: int = 900) -> dt.datetime:
        minute = self.rng.randint(minute_low, minute_high)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def after_go_live(self, day: dt.date) -> float:
        """0 before go-live, rising to 1 over ``RAMP_DAYS`` after it."""
        if day < self.go_live:
            return 0.0
        return min(1.0, ((day - self.go_live).days + 1) / RAMP_DAYS)

    def tri(self, low: float, high: float, mode: float) -> float:
        return self.rng.triangular(low, high, mode)

    def poisson(self, mean: float) -> int:
        if mean <= 0:
            return 0
        if mean > 30:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, k, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def criterion(self, day: dt.date) -> tuple[Decimal, Decimal]:
        index = max(0, bisect.bisect_right([c[0] for c in self.criteria], day) - 1)
        _, single, family = self.criteria[index]
        return single, family

    def reason_code(self, column: str, day: dt.date) -> str | None:
        for code, valid_from, valid_to in self.reason_codes.get(column, []):
            if valid_from <= day and (valid_to is None or day <= valid_to):
                return code
        return None

    # -- people --

    def person(
        self,
        born: dt.date,
        female: bool,
        surname: str,
        street: str,
        *,
        foreign: bool = False,
    ) -> int:
        first = self.rng.choice(FIRST_F if female else FIRST_M)
        last = _female_surname(surname) if female else surname
        pesel: str | None = None
        document_type, document_number = "", ""
        if foreign and self.rng.random() < 0.3:
            self.document_serial += 1
            document_type = IdentityDocument.PASSPORT.value
            document_number = f"SYN{self.document_serial:06d}"
        else:
            while pesel is None or pesel in self.pesels:
                pesel = make_pesel(born, self.rng.randrange(1000), female)
            self.pesels.add(pesel)
        return self.t_person.add(
            first,
            last,
            pesel,
            document_type,
            document_number,
            born,
            "F" if female else "M",
            "ukraińskie" if foreign else "polskie",
            street,
            self.postal_code,
            self.town,
            "",
            True,
        )

    def born(self, day: dt.date, low: int, high: int) -> dt.date:
        return day - dt.timedelta(days=self.rng.randint(low * 365 + 1, high * 365 + 300))

    def household(self, profile: str, day: dt.date) -> HouseholdSim:
        rng = self.rng
        street = f"ul. {rng.choice(STREETS)} {rng.randint(1, 120)}"
        if rng.random() < 0.4:
            street += f"/{rng.randint(1, 40)}"
        surname = rng.choice(SURNAMES)
        household_id = self.t_household.add(street, self.postal_code, self.town, True)
        foreign = profile == FOREIGNER
        members: list[tuple[int, str, dt.date]] = []

        def add(relation: str, born: dt.date, female: bool) -> None:
            person_id = self.person(born, female, surname, street, foreign=foreign)
            members.append((person_id, relation, born))

        head_age = {
            SENIOR: (65, 90),
            DISABLED: (25, 64),
            UNEMPLOYED: (22, 60),
            FAMILY: (22, 48),
            HOMELESS: (30, 65),
            CRISIS: (25, 70),
            FUNERAL: (30, 70),
            DPS: (75, 94),
            SW_ONLY: (20, 60),
            FOREIGNER: (24, 45),
        }[profile]
        head_born = self.born(day, *head_age)
        head_female = {
            SENIOR: 0.65,
            HOMELESS: 0.15,
            UNEMPLOYED: 0.4,
            FAMILY: 0.6,
            FOREIGNER: 0.9,
        }.get(profile, 0.5)
        female = rng.random() < head_female
        add(Relation.HEAD.value, head_born, female)
        with_children = profile in (FAMILY, FOREIGNER) or (
            profile in (SW_ONLY, CRISIS) and rng.random() < 0.6
        )
        if profile == SENIOR and rng.random() < 0.3:
            add(
                Relation.SPOUSE.value,
                head_born + dt.timedelta(days=rng.randint(-1800, 1800)),
                not female,
            )
        if profile in (UNEMPLOYED, CRISIS) and rng.random() < 0.15:
            add(Relation.SPOUSE.value, self.born(day, 22, 60), not female)
        if profile == DISABLED and rng.random() < 0.35:
            parent_born = head_born - dt.timedelta(days=rng.randint(20 * 365, 35 * 365))
            if (day - parent_born).days < 95 * 365:
                add(Relation.PARENT.value, parent_born, rng.random() < 0.7)
        if with_children:
            if profile != FOREIGNER and rng.random() < 0.7:
                add(
                    Relation.SPOUSE.value,
                    head_born + dt.timedelta(days=rng.randint(-1500, 1500)),
                    not female,
                )
            head_age_years = (day - head_born).days // 365
            count = rng.choices((1, 2, 3, 4, 5), (30, 35, 20, 10, 5))[0]
            for _ in range(count):
                oldest = max(0, min(17, head_age_years - 18))
                add(
                    rng.choice((Relation.CHILD.value,) * 12 + (Relation.GRANDCHILD.value,)),
                    self.born(day, 0, oldest)
                    if oldest
                    else day - dt.timedelta(days=rng.randint(30, 300)),
                    rng.random() < 0.5,
                )
            if profile == FAMILY and rng.random() < 0.1:
                add(Relation.PARENT.value, self.born(day, 65, 85), True)
        member_list = [
            Member(
                self.t_member.add(household_id, person_id, relation, day, None),
                person_id,
                relation,
                born,
            )
            for person_id, relation, born in members
        ]
        household = HouseholdSim(household_id, profile, member_list, day)
        self.households[profile].append(household)
        return household

    # -- cases --

    def inflow(self, day: dt.date) -> float:
        """New cases a month: a steady state with about 2–4 % of residents in helped households a
        year (falling slowly, as national statistics did), more in winter."""
        rate = (0.034 - 0.001 * (day.year - 2016)) * self.centre_factor
        households_a_year = rate * self.centre.population / 2.3
        seasonal = {1: 1.15, 2: 1.15, 7: 0.85, 8: 0.85, 11: 1.1, 12: 1.1}.get(day.month, 1.0)
        return households_a_year / 32 * seasonal * self.volume

    def profile_weights(self, day: dt.date, *, carried: bool) -> dict[str, float]:
        if carried:
            return {SENIOR: 35, DISABLED: 18, UNEMPLOYED: 15, FAMILY: 25, HOMELESS: 4, SW_ONLY: 3}
        after = self.after_go_live(day)
        years = max(0.0, min(1.0, (day.year - 2016) / 8))
        if day < dt.date(2022, 3, 1):
            foreign = 0.5
        elif day < dt.date(2023, 1, 1):
            foreign = 6.0
        else:
            foreign = 3.0
        return {
            SENIOR: 20,
            DISABLED: 10,
            UNEMPLOYED: 22 - 8 * years,
            FAMILY: 28,
            HOMELESS: 4,
            CRISIS: 4,
            FUNERAL: 1,
            DPS: 2,
            SW_ONLY: 6 + 16 * after,
            FOREIGNER: foreign,
        }

    def simulate(self) -> None:
        """Open the cases: the ones carried over into 2016 (open cases of a steady state, about
        17 months of new cases), then new ones month by month, each from a routed intake."""
        rng = self.rng
        january = list(self.month_workdays[(2016, 1)])
        for _ in range(self.poisson(self.inflow(HISTORY_START) * 17)):
            weights = self.profile_weights(HISTORY_START, carried=True)
            profile = rng.choices(list(weights), list(weights.values()))[0]
            self.new_case(profile, rng.choice(january), arrival=None, routed_at=None)
        last_full_day = self.today - dt.timedelta(days=1)
        for year, month in _months(HISTORY_START, last_full_day):
            days = self.month_workdays.get((year, month), [])
            if not days:
                continue
            mid = dt.date(year, month, 15)
            weights = self.profile_weights(mid, carried=False)
            # The mix before go-live weighs about 97: clients it did not have (social work only
            # after go-live, refugees from 2022) come on top of the usual inflow.
            scale = sum(weights.values()) / 97.0
            for _ in range(self.poisson(self.inflow(mid) * scale)):
                profile = rng.choices(list(weights), list(weights.values()))[0]
                arrival = self.at(rng.choice(days), 465, 900)
                routed_at = self.routing_time(arrival)
                if routed_at.date() >= self.today:
                    continue
                self.new_case(profile, routed_at.date(), arrival=arrival, routed_at=routed_at)

    def routing_time(self, arrival: dt.datetime) -> dt.datetime:
        day = arrival.date()
        if day >= self.go_live:
            if self.rng.random() < 0.8:
                return arrival + dt.timedelta(minutes=self.rng.randint(5, 120))
            return self.at(self.wd_after(day, 1), 480, 720)
        # Before go-live the manager hands reports to the district's social worker.
        return self.at(self.wd_after(day, self.rng.choice((1, 1, 2, 2, 3, 4, 5))), 480, 840)

    def new_case(
        self,
        profile: str,
        opened: dt.date,
        *,
        arrival: dt.datetime | None,
        routed_at: dt.datetime | None,
    ) -> None:
        rng = self.rng
        household = None
        if arrival is not None and rng.random() < 0.12:
            candidates = self.households[profile]
            for candidate in rng.sample(candidates, min(5, len(candidates))):
                if candidate.free_from < opened - dt.timedelta(days=60):
                    household = candidate
                    break
        if household is None:
            household = self.household(profile, opened)
        low, high, mode = PROFILE_MONTHS[profile]
        months = self.tri(low, high, mode)
        if arrival is None:
            months *= rng.uniform(0.1, 1.0)
        closed: dt.date | None = opened + dt.timedelta(days=max(7, round(months * 30.4)))
        if closed is not None and closed >= self.today:
            closed = None
        household.free_from = closed or dt.date.max
        reasons = [column for column, chance in PROFILE_REASONS[profile] if rng.random() < chance]
        reasons = reasons or [PROFILE_REASONS[profile][0][0]]
        post = opened >= self.go_live
        contract_chances = PROFILE_CONTRACT.get(profile, (0.0, 0.0))
        contract = rng.random() < contract_chances[1 if post else 0]
        social_work = contract or rng.random() < PROFILE_SOCIAL_WORK[profile]
        services = rng.random() < PROFILE_SERVICES.get(profile, 0.0)
        self.cases.append(
            CaseSim(
                household,
                profile,
                opened,
                closed,
                arrival,
                routed_at,
                reasons,
                social_work,
                services,
                contract,
            )
        )

    # -- assignments and handovers --

    def handover_rate(self, day: dt.date) -> float:
        """Handovers per case-year: many before go-live (district changes, absences), then fewer
        year by year as teams settle."""
        if day < self.go_live:
            return 0.9
        return max(0.2, 0.55 - 0.08 * (day - self.go_live).days / 365)

    def pick(self, function: str, day: dt.date, *, other_than: Worker | None = None) -> Worker:
        pool = self.staff.pool(function, day)
        choices = [w for w in pool if w != other_than] or pool
        return self.rng.choice(choices)

    def assign(self, case: CaseSim) -> None:
        rng = self.rng
        functions: list[str] = []
        if PROFILE_CADENCE[case.profile] != (0, 0) or case.services:
            functions.append(BEN)
        if case.social_work:
            functions.append(SW)
        if case.services:
            functions.append(SRV)
        start = case.opened
        end = case.closed or self.today
        if start < self.go_live:
            district = self.pick(BEN, start)
            current = {f: (district if f != SRV else self.pick(SRV, start)) for f in functions}
        else:
            current = {f: self.pick(f, start) for f in functions}
        segments = {f: [Segment(current[f], start)] for f in functions}
        handovers: list[tuple[dt.datetime, Worker, Worker, str]] = []

        def move(function: str, worker: Worker, day: dt.date, when: dt.datetime, why: str) -> None:
            previous = segments[function][-1]
            if previous.worker == worker or day <= previous.start:
                return
            previous.end = day
            segments[function].append(Segment(worker, day))
            handovers.append((when, previous.worker, worker, why))

        events: list[dt.date] = []
        month = dt.date(start.year, start.month, 1)
        while month < end:
            if rng.random() < self.handover_rate(month) / 12:
                events.append(month + dt.timedelta(days=rng.randint(0, 27)))
            month = add_months(month, 1)
        if start < self.go_live < end:
            events.append(self.go_live)
        for day in sorted(events):
            if not start < day < end:
                continue
            workday = self.wd_after(day, 0)
            if workday >= end or workday >= self.today:
                continue
            if day == self.go_live:
                workday = self.wd_after(self.go_live, rng.randint(0, 9))
                if workday >= end:
                    continue
                when = self.at(workday)
                for function in functions:
                    worker = segments[function][-1].worker
                    if not self.staff.suits(worker, function, workday):
                        move(
                            function,
                            self.pick(function, workday),
                            workday,
                            when,
                            HANDOVER_REORGANISATION,
                        )
            elif workday < self.go_live:
                # The district changes hands: everything the district worker held moves at once.
                old = segments[functions[0]][-1].worker
                new = self.pick(BEN, workday, other_than=old)
                held = [f for f in functions if segments[f][-1].worker == old]
                if new == old or any(workday <= segments[f][-1].start for f in held):
                    continue
                for function in held:
                    segments[function][-1].end = workday
                    segments[function].append(Segment(new, workday))
                handovers.append((self.at(workday), old, new, rng.choice(HANDOVER_REASONS_PRE)))
            else:
                function = rng.choice(functions)
                old = segments[function][-1].worker
                move(
                    function,
                    self.pick(function, workday, other_than=old),
                    workday,
                    self.at(workday),
                    rng.choice(HANDOVER_REASONS_POST),
                )
        case.segments = segments
        for function, parts in segments.items():
            for index, part in enumerate(parts):
                ended = part.end if index < len(parts) - 1 else case.closed
                self.t_assignment.add_leaf(
                    case.id, function, part.worker.team_id, part.worker.id, part.start, ended
                )
        for when, old, new, why in handovers:
            self.t_handover.add_leaf(
                case.id,
                old.team_id,
                new.team_id,
                old.id,
                new.id,
                why,
                when,
                self.staff.manager_id if rng.random() < 0.7 else old.id,
            )

    # -- intake --

    def channel(self, day: dt.date) -> str:
        years = min(1.0, max(0.0, (day.year - 2016) / 8))
        visit = 0.62 - 0.12 * years
        if dt.date(2020, 3, 15) <= day <= dt.date(2020, 5, 31):
            visit = 0.2
        weights = (visit, 0.25, 0.04 + 0.04 * years, 0.05, 0.02 + 0.08 * years)
        return self.rng.choices(
            (
                Channel.VISIT.value,
                Channel.PHONE.value,
                Channel.EMAIL.value,
                Channel.LETTER.value,
                Channel.EPUAP.value,
            ),
            weights,
        )[0]

    def registrar(self, day: dt.date) -> Worker:
        """Who registers a report: the first-contact post after go-live, before it the social
        worker on duty."""
        if day >= self.go_live and self.staff.by_function.get(FC):
            return self.pick(FC, day)
        return self.pick(BEN, day)

    def routed_intake(self, case: CaseSim) -> None:
        if case.arrival is None or case.routed_at is None:
            return
        rng = self.rng
        day = case.arrival.date()
        routing_function = (
            SW if case.profile == SW_ONLY else SRV if case.services and day >= self.go_live else BEN
        )
        if routing_function not in case.segments:
            routing_function = next(iter(case.segments))
        worker = case.segments[routing_function][0].worker
        registrar = self.registrar(day)
        case.intake_by = registrar.id
        kind = ReporterKind.SELF.value
        if "przemoc" in case.reasons and rng.random() < 0.6:
            kind = ReporterKind.POLICE.value
        elif rng.random() < 0.2:
            kind = rng.choice(
                (
                    ReporterKind.RELATIVE.value,
                    ReporterKind.NEIGHBOUR.value,
                    ReporterKind.SCHOOL.value,
                    ReporterKind.COURT.value,
                    ReporterKind.HEALTH.value,
                    ReporterKind.OTHER_INSTITUTION.value,
                )
            )
        reporter = REPORTER_NAMES.get(kind, "")
        if kind in (ReporterKind.RELATIVE.value, ReporterKind.NEIGHBOUR.value):
            reporter = f"{rng.choice(FIRST_F + FIRST_M)} {rng.choice(SURNAMES)}"
        reasons = [
            code for code in (self.reason_code(c, day) for c in case.reasons) if code is not None
        ]
        team_only = day >= self.go_live and rng.random() < 0.2
        self.t_intake.add_leaf(
            case.arrival,
            self.channel(day),
            kind,
            reporter,
            case.household.head.person_id,
            case.household.id,
            reasons,
            "",
            IntakeOutcome.ROUTED.value,
            "przekazano do zespołu" if day >= self.go_live else "przekazano pracownikowi rejonu",
            worker.team_id,
            None if team_only else worker.id,
            case.routed_at,
            case.id,
            registrar.id,
        )
        self.routed_per_month[(day.year, day.month)] += 1

    def desk_share(self, day: dt.date) -> float:
        """Share of intakes resolved at the desk: few before the first-contact post, then more."""
        after = self.after_go_live(day)
        if not after:
            return 0.12
        years = (day - self.go_live).days / 365
        return 0.12 + after * (0.28 + min(0.07, 0.015 * years))

    def desk_intakes(self) -> None:
        rng = self.rng
        columns = ("ubostwo", "bezrobocie", "niepelnosprawnosc", "choroba", "bezradnosc")
        for (year, month), days in sorted(self.month_workdays.items()):
            share = self.desk_share(dt.date(year, month, 15))
            routed = self.routed_per_month.get((year, month), 0)
            for _ in range(self.poisson(routed * share / (1 - share))):
                day = rng.choice(days)
                arrival = self.at(day, 465, 900)
                registrar = self.registrar(day)
                outcome = rng.choices(
                    (
                        IntakeOutcome.INFORMATION.value,
                        IntakeOutcome.ADVICE.value,
                        IntakeOutcome.REFERRAL_OUTSIDE.value,
                    ),
                    (50, 30, 20),
                )[0]
                reason = self.reason_code(rng.choice(columns), day) if rng.random() < 0.6 else None
                self.t_intake.add_leaf(
                    arrival,
                    self.channel(day),
                    ReporterKind.SELF.value,
                    f"{rng.choice(FIRST_F + FIRST_M)} {rng.choice(SURNAMES)}",
                    None,
                    None,
                    [reason] if reason else [],
                    "",
                    outcome,
                    rng.choice(DESK_NOTES[outcome]),
                    None,
                    None,
                    arrival + dt.timedelta(minutes=rng.randint(5, 40)),
                    None,
                    registrar.id,
                )
        # A few reports from the last working day still wait to be routed.
        last = self.workdays[bisect.bisect_left(self.workdays, self.today) - 1]
        for _ in range(rng.randint(1, 4)):
            arrival = self.at(last, 840, 900)
            reason = self.reason_code("ubostwo", last)
            self.t_intake.add_leaf(
                arrival,
                self.channel(last),
                ReporterKind.SELF.value,
                f"{rng.choice(FIRST_F + FIRST_M)} {rng.choice(SURNAMES)}",
                None,
                None,
                [reason] if reason else [],
                "",
                IntakeOutcome.PENDING.value,
                "",
                None,
                None,
                None,
                None,
                self.registrar(last).id,
            )

    # -- benefit proceedings --

    def authorise(self) -> None:
        rng = self.rng
        manager = self.staff.manager_id
        holders: list[Worker | None] = [None]
        holders += [w for w in self.staff.workers if w.function == BEN]
        for index, worker in enumerate(holders, start=1):
            if worker is None or worker.started_on < self.go_live:
                valid_from = dt.date(rng.randint(2010, 2014), rng.randint(1, 12), 1)
            else:
                valid_from = worker.started_on
            reference = f"{self.prefix}/UPR/{valid_from.year}/{index:02d}"
            pk = self.t_authorisation.add(
                worker.id if worker else manager, reference, valid_from, None, manager
            )
            self.authorisations.append((worker, worker.id if worker else manager, pk, valid_from))

    def issuer(self, day: dt.date) -> tuple[int, int]:
        valid = [
            (worker, worker_id, pk)
            for worker, worker_id, pk, valid_from in self.authorisations
            if valid_from <= day and (worker is None or self.staff.active(worker, day))
        ]
        manager = [v for v in valid if v[0] is None]
        staff = [v for v in valid if v[0] is not None]
        share = 0.75 if day >= self.go_live else 0.45
        chosen = self.rng.choice(staff) if staff and self.rng.random() < share else manager[0]
        return chosen[1], chosen[2]

    def incomes(self, case: CaseSim, day: dt.date, worker_id: int) -> Decimal:
        """Record the adults' incomes; return the household's monthly income."""
        single, per_person = self.criterion(day)
        size = len(case.household.members)
        limit = single if size == 1 else per_person * size
        total = Decimal(round(float(limit) * self.tri(0.0, 1.15, 0.6)))
        adults = case.household.adults(day)[:2] or case.household.members[:1]
        sources = {
            SENIOR: "emerytura",
            DISABLED: "renta socjalna",
            UNEMPLOYED: "prace dorywcze",
            FAMILY: "wynagrodzenie",
            HOMELESS: "brak dochodu",
            DPS: "emerytura",
        }
        for index, member in enumerate(adults):
            amount = (
                total
                if len(adults) == 1
                else (total * Decimal("0.7") if index == 0 else total * Decimal("0.3"))
            )
            source = sources.get(case.profile, "wynagrodzenie")
            if amount < 50:
                amount, source = Decimal(0), "brak dochodu"
            self.t_income.add_leaf(
                member.id, day, amount.quantize(Decimal("0.01")), source, worker_id
            )
        return total

    def benefits_for(self, case: CaseSim, first: bool, day: dt.date) -> list[str]:
        rng = self.rng
        profile = case.profile
        single = len(case.household.members) == 1
        if profile in (SENIOR, DISABLED):
            if first and single and rng.random() < 0.5:
                chosen = ["zasilek-staly"]
            else:
                chosen = ["zasilek-celowy"] if rng.random() < 0.85 else ["posilek"]
        elif profile == UNEMPLOYED:
            chosen = ["zasilek-okresowy"] if rng.random() < 0.6 else ["zasilek-celowy"]
            if first and rng.random() < 0.3:
                chosen.append("zasilek-celowy" if chosen[0] != "zasilek-celowy" else "posilek")
        elif profile == FAMILY:
            chosen = [
                rng.choices(("zasilek-celowy", "posilek", "zasilek-okresowy"), (50, 25, 25))[0]
            ]
            if rng.random() < 0.25:
                chosen.append("posilek" if chosen[0] != "posilek" else "zasilek-celowy")
        elif profile == HOMELESS:
            chosen = (
                ["schronienie", "posilek"]
                if first
                else [rng.choice(("schronienie", "posilek", "ubranie", "zasilek-celowy"))]
            )
        elif profile == CRISIS:
            chosen = ["specjalny-zasilek-celowy" if rng.random() < 0.4 else "zasilek-celowy"]
        elif profile == FUNERAL:
            chosen = ["sprawienie-pogrzebu"]
        elif profile == DPS:
            chosen = ["dps"]
        else:
            chosen = ["zasilek-celowy"] if rng.random() < 0.6 else ["posilek"]
        return [b for b in chosen if b in self.benefit_types]

    def decision_terms(
        self,
        case: CaseSim,
        benefit: str,
        received: dt.date,
        issued: dt.date,
        months: int,
        income: Decimal,
    ) -> tuple[str, Decimal | None, dt.date | None, dt.date | None, str, str]:
        rng = self.rng
        post = issued >= self.go_live
        roll = rng.random()
        outcome = (
            DecisionOutcome.GRANT.value
            if roll < 0.87
            else DecisionOutcome.PARTIAL.value
            if roll < 0.93
            else DecisionOutcome.REFUSE.value
        )
        if outcome == DecisionOutcome.REFUSE.value:
            reason = rng.choice(REFUSALS)
            if post and case.contract and rng.random() < 0.3:
                reason = REFUSAL_CONTRACT
            return outcome, None, None, None, "", f"Odmówiono przyznania świadczenia. {reason}"
        single, per_person = self.criterion(received)
        size = len(case.household.members)
        limit = single if size == 1 else per_person * size
        gap = max(Decimal(0), limit - income)
        amount: Decimal | None = None
        period_from: dt.date | None = None
        period_to: dt.date | None = None
        schedule = PaymentSchedule.IN_KIND.value
        if benefit == "zasilek-staly":
            amount = min(max(Decimal(30), single - income), single)
            period_from = received
            period_to = (
                None if rng.random() < 0.6 else add_months(received, 12) - dt.timedelta(days=1)
            )
            schedule = PaymentSchedule.MONTHLY.value
        elif benefit == "zasilek-okresowy":
            amount = max(Decimal(20), gap * Decimal(str(round(rng.uniform(0.5, 0.7), 2))))
            period_from = received
            period_to = add_months(received, max(1, months)) - dt.timedelta(days=1)
            schedule = PaymentSchedule.MONTHLY.value
        elif benefit == "zasilek-celowy":
            heating = issued.month in (10, 11, 12, 1, 2)
            amount = Decimal(
                rng.randrange(400, 1200, 10) if heating else rng.randrange(150, 600, 10)
            )
            schedule = PaymentSchedule.ONCE.value
        elif benefit == "specjalny-zasilek-celowy":
            amount = Decimal(rng.randrange(200, 1000, 10))
            schedule = PaymentSchedule.ONCE.value
        elif benefit == "sprawienie-pogrzebu":
            amount = Decimal(rng.randrange(2800, 4500, 50))
        elif benefit in ("posilek", "schronienie"):
            period_from = received
            period_to = add_months(received, max(3, months)) - dt.timedelta(days=1)
        elif benefit in SERVICE_CODES:
            period_from = issued + dt.timedelta(days=rng.randint(1, 7))
            period_to = add_months(period_from, 12) - dt.timedelta(days=1)
        elif benefit == "dps":
            period_from = issued + dt.timedelta(days=rng.randint(30, 90))
        if amount is not None:
            amount = Decimal(round(amount))
            if outcome == DecisionOutcome.PARTIAL.value:
                amount = Decimal(max(20, round(amount * Decimal(str(rng.uniform(0.5, 0.8))))))
            amount = amount.quantize(Decimal("0.01"))
        reasoning = (
            "Na podstawie rodzinnego wywiadu środowiskowego ustalono, że dochód nie przekracza "
            "kryterium dochodowego, a w rodzinie występują przesłanki z art. 7 u.p.s."
        )
        if outcome == DecisionOutcome.PARTIAL.value:
            reasoning += " Świadczenie przyznano w części ze względu na ograniczone środki gminy."
        return outcome, amount, period_from, period_to, schedule, reasoning

    def application(
        self,
        case: CaseSim,
        received: dt.date,
        benefits: list[str],
        *,
        months: int,
        service: bool = False,
        first: bool = False,
    ) -> list[DecisionInfo]:
        rng = self.rng
        post = received >= self.go_live
        function = SRV if service and post and SRV in case.segments else BEN
        worker = case.worker_at(function, received) or case.worker_at(BEN, received)
        if worker is None:
            worker = self.pick(BEN, received)
        urgent = rng.random() < (0.1 if case.profile in (CRISIS, HOMELESS, FUNERAL) else 0.03)
        complex_ = rng.random() < 0.03
        kpa_due = add_months(received, 2 if complex_ else 1)
        registrar = case.intake_by if (first and post and case.intake_by) else worker.id
        application_id = self.t_application.next_id()
        # Family interview: due in 14 working days (2 if urgent), most on time.
        needed = received
        allowed = 2 if urgent else 14
        due = self.due(needed, allowed)
        if rng.random() < (0.93 if post else 0.8):
            mode = 4 if post else 9
            conducted: dt.date | None = self.wd_after(
                needed, max(1, round(self.tri(1, allowed, min(mode, allowed))))
            )
        else:
            conducted = self.wd_after(due, rng.randint(1, 8))
        if conducted is not None and conducted >= self.today:
            conducted = None
        full = case.last_full_interview is None or (received - case.last_full_interview).days > 365
        if case.carried_over and case.last_full_interview is None:
            full = False
            case.last_full_interview = received
        if full:
            case.last_full_interview = received
        interview_id = self.t_interview.add(
            case.id,
            application_id,
            InterviewKind.FULL.value if full else InterviewKind.UPDATE.value,
            needed,
            due,
            conducted,
            worker.id,
            rng.choice(DIAGNOSES) if conducted else "",
            rng.choice(HELP_PLANS) if conducted else "",
        )
        income = self.incomes(case, received, worker.id)
        status = ApplicationStatus.PENDING.value
        decisions: list[DecisionInfo] = []
        if conducted is not None and rng.random() < 0.02:
            status = ApplicationStatus.WITHDRAWN.value
        elif conducted is not None:
            lag = round(self.tri(1, 8, 2) if post else self.tri(1, 12, 4))
            issued = self.wd_after(conducted, max(1, lag))
            if urgent:
                issued = self.wd_after(conducted, 1)
            if issued < self.today:
                status = ApplicationStatus.DECIDED.value
                if issued > kpa_due and rng.random() < 0.75:
                    sent = max(
                        received + dt.timedelta(days=1),
                        kpa_due - dt.timedelta(days=rng.randint(1, 4)),
                    )
                    self.t_delay.add_leaf(
                        application_id,
                        min(sent, issued),
                        issued + dt.timedelta(days=rng.randint(0, 7)),
                        rng.choice(DELAY_REASONS),
                        worker.id,
                    )
                for benefit in benefits:
                    decisions.append(
                        self.decision(
                            case,
                            application_id,
                            interview_id,
                            benefit,
                            received,
                            issued,
                            months,
                            income,
                            worker,
                        )
                    )
        self.t_application.add_with_id(
            application_id,
            case.id,
            case.household.head.person_id,
            received,
            benefits,
            urgent,
            complex_,
            status,
            kpa_due,
            registrar,
        )
        return decisions

    def decision(
        self,
        case: CaseSim,
        application_id: int,
        interview_id: int,
        benefit: str,
        received: dt.date,
        issued: dt.date,
        months: int,
        income: Decimal,
        worker: Worker,
    ) -> DecisionInfo:
        rng = self.rng
        outcome, amount, period_from, period_to, schedule, reasoning = self.decision_terms(
            case, benefit, received, issued, months, income
        )
        issued_by, authorisation = self.issuer(issued)
        delivered: dt.date | None = issued + dt.timedelta(days=rng.randint(1, 10))
        if delivered is not None and delivered > self.today:
            delivered = None
        basis = f"{self.benefit_types[benefit].legal_basis}; art. 104 k.p.a."
        decision_id = self.t_decision.add(
            application_id,
            "",
            outcome,
            benefit,
            amount,
            period_from,
            period_to,
            schedule,
            basis,
            reasoning,
            issued,
            issued_by,
            authorisation,
            interview_id,
            delivered,
        )
        row = self.t_decision.rows[-1]
        chance = {DecisionOutcome.REFUSE.value: 0.15, DecisionOutcome.PARTIAL.value: 0.08}
        if delivered is not None and rng.random() < chance.get(outcome, 0.006):
            self.appeal(decision_id, delivered, worker.id)
        info = DecisionInfo(decision_id, row, benefit, outcome, issued, period_from, period_to)
        self.decisions.append(info)
        return info

    def appeal(self, decision_id: int, delivered: dt.date, registrar: int) -> None:
        rng = self.rng
        lodged = delivered + dt.timedelta(days=rng.randint(1, 14))
        if lodged >= self.today:
            return
        forwarded: dt.date | None = None
        outcome = rng.choices(
            (
                AppealOutcome.UPHELD.value,
                AppealOutcome.REFERRED_BACK.value,
                AppealOutcome.OVERTURNED.value,
                AppealOutcome.SELF_CORRECTED.value,
                AppealOutcome.DISCONTINUED.value,
            ),
            (65, 15, 5, 10, 5),
        )[0]
        if outcome == AppealOutcome.SELF_CORRECTED.value:
            decided: dt.date | None = lodged + dt.timedelta(days=rng.randint(3, 7))
        else:
            forwarded = lodged + dt.timedelta(days=rng.randint(2, 7))
            decided = forwarded + dt.timedelta(days=rng.randint(20, 75))
            if forwarded >= self.today:
                forwarded = None
        if decided is None or decided >= self.today:
            outcome, decided = AppealOutcome.PENDING.value, None
        due = appeal_forward_due_on(lodged)
        self.t_appeal.add_leaf(decision_id, lodged, due, forwarded, outcome, decided, registrar)

    def proceedings(self, case: CaseSim) -> None:
        rng = self.rng
        cadence = PROFILE_CADENCE[case.profile]
        end = min(case.closed or self.today, self.today)
        if cadence != (0, 0):
            day = case.opened
            if case.carried_over:  # the next renewal of help granted before 2016
                latest = min(cadence[1] * 30, (end - case.opened).days // 2)
                day += dt.timedelta(days=rng.randint(0, max(0, latest)))
            count = 0
            while True:
                received = self.wd_after(day, 0)
                if received >= end:
                    break
                months = rng.randint(*cadence)
                benefits = self.benefits_for(case, count == 0, received)
                if benefits:
                    self.application(case, received, benefits, months=months, first=count == 0)
                count += 1
                if case.profile in (FUNERAL, DPS) or (case.profile == CRISIS and count >= 2):
                    break
                day = add_months(received, months) + dt.timedelta(days=rng.randint(-5, 10))
        if case.services:
            self.services(case, end)

    def services(self, case: CaseSim, end: dt.date) -> None:
        rng = self.rng
        code = rng.choices(SERVICE_CODES, (85, 8, 7))[0]
        if code not in self.benefit_types:
            return
        day = case.opened + dt.timedelta(days=rng.randint(0, 20))
        hours = Decimal(rng.choice(("5", "7.5", "10", "10", "12.5", "15", "20")))
        provider = "in_house" if rng.random() < 0.5 else "contracted"
        carers = tuple(
            f"{rng.choice(FIRST_F)} {rng.choice(SURNAMES)[0]}." for _ in range(rng.randint(1, 2))
        )
        first = True
        while True:
            received = self.wd_after(day, 0)
            if received >= end:
                return
            decisions = self.application(
                case, received, [code], months=12, service=True, first=first
            )
            first = False
            granted = [
                d
                for d in decisions
                if d.outcome != DecisionOutcome.REFUSE.value and d.period_from and d.period_to
            ]
            if not granted:
                return
            info = granted[0]
            period_from, period_to = info.period_from, info.period_to
            if period_from is None or period_to is None:
                return
            plan_end = min(period_to, case.closed) if case.closed else period_to
            if plan_end >= period_from:
                self.plan(case, info, period_from, code, hours, provider, carers, plan_end)
            day = period_to - dt.timedelta(days=14)
            if case.closed and day >= case.closed:
                return

    def plan(
        self,
        case: CaseSim,
        info: DecisionInfo,
        start: dt.date,
        code: str,
        hours: Decimal,
        provider: str,
        carers: tuple[str, ...],
        plan_end: dt.date,
    ) -> None:
        rng = self.rng
        coordinator = case.worker_at(SRV, start) or self.pick(SRV, start)
        year_factor = Decimal(str(round(1 + 0.08 * (start.year - 2016), 2)))
        cost = (Decimal(20) * year_factor).quantize(Decimal("0.01"))
        if rng.random() < 0.45:
            fee_rule, fee = "free", None
        else:
            fee_rule, fee = "percent", Decimal(rng.choice((5, 10, 15, 20, 30, 50)))
        recipient = case.household.head.person_id
        plan_id = self.t_plan.add(
            case.id,
            recipient,
            code,
            provider,
            "" if provider == "in_house" else rng.choice(PROVIDERS),
            hours,
            start,
            plan_end if plan_end < self.today else info.period_to,
            cost,
            fee_rule,
            fee,
            info.id,
            coordinator.id,
        )
        self.plans.append(
            (plan_id, start, min(plan_end, self.today), hours, coordinator.id, carers)
        )

    def deliveries(self, writer: Writer) -> None:
        """Hours delivered on each working day of each plan: mostly the planned daily share
        (hours a week / 5), sometimes less or more, none on days of absence or hospital stays."""
        rng = self.rng
        table = self.t_delivery
        quarter = Decimal("0.25")
        last_day = bisect.bisect_left(self.workdays, self.today)
        for plan_id, start, end, hours, coordinator, carers in self.plans:
            planned = max(quarter, (hours / 5 / quarter).quantize(Decimal(1)) * quarter)
            head = f"\t{table.now}\t{table.now}\t{plan_id}\t"
            first = bisect.bisect_left(self.workdays, start)
            last = min(last_day, bisect.bisect_right(self.workdays, end))
            for index in range(first, last):
                roll = rng.random()
                if roll < 0.04:
                    continue
                delivered = planned
                if roll > 0.84:
                    step = rng.choice((-1, -1, -1, 1)) * quarter * rng.randint(1, 3)
                    delivered = max(quarter, planned + step)
                table.lines.append(
                    f"{table.public_id()}{head}{self.workdays[index]}\t{delivered}\t"
                    f"{carers[index % len(carers)]}\t{coordinator}\n"
                )
            if len(table.lines) > COPY_CHUNK * 5:
                writer.send(table)
        writer.send(table)

    # -- social work --

    def contracts(self, case: CaseSim) -> None:
        rng = self.rng
        end = case.closed or self.today + dt.timedelta(days=30)
        starts: list[dt.date] = []
        if case.contract and not case.carried_over:
            starts.append(case.opened + dt.timedelta(days=rng.randint(14, 90)))
        elif case.contract and rng.random() < 0.5:  # most were signed before 2016
            latest = max(14, (min(end, self.today) - case.opened).days - 30)
            starts.append(case.opened + dt.timedelta(days=rng.randint(14, latest)))
        eligible = case.profile in PROFILE_CONTRACT and case.social_work
        open_at_go_live = case.opened < self.go_live < end - dt.timedelta(days=60)
        if eligible and open_at_go_live and rng.random() < 0.2:
            starts.append(self.go_live + dt.timedelta(days=rng.randint(14, 200)))
        for start in starts:
            while start < end:
                length = rng.randint(3, 12)
                self.contract(case, self.wd_after(start, 0), add_months(start, length), end)
                if rng.random() > 0.25:
                    break
                start = add_months(start, length) + dt.timedelta(days=rng.randint(30, 120))

    def contract(
        self, case: CaseSim, start: dt.date, planned_end: dt.date, case_end: dt.date
    ) -> None:
        rng = self.rng
        if start >= case_end:
            return
        post = start >= self.go_live
        worker = case.worker_at(SW, start) or case.worker_at(BEN, start) or self.pick(SW, start)
        variant = {
            UNEMPLOYED: ContractVariant.UNEMPLOYED.value,
            HOMELESS: ContractVariant.HOMELESS.value,
            FAMILY: ContractVariant.FAMILY.value,
        }.get(case.profile, ContractVariant.STANDARD.value)
        if case.profile in (SW_ONLY, FOREIGNER) and len(case.household.members) > 2:
            variant = ContractVariant.FAMILY.value
        goals, obligations, note = CONTRACT_GOALS[variant]
        person = case.household.head.person_id
        signing = start - dt.timedelta(days=rng.randint(0, 14))
        signed_on: dt.date | None = signing
        closed_on: dt.date | None = None
        achieved: bool | None = None
        outcome_note = ""
        if start > self.today:  # prepared for a start in the coming weeks
            if signing <= self.today and rng.random() < 0.6:
                status = ContractStatus.SIGNED.value
            else:
                status, signed_on = ContractStatus.DRAFT.value, None
        else:
            finish = min(planned_end, case_end)
            if finish >= self.today:
                status = ContractStatus.ACTIVE.value
            elif rng.random() < (0.2 if post else 0.35):
                status = ContractStatus.BROKEN.value
                closed_on = start + dt.timedelta(
                    days=rng.randint(14, max(15, (finish - start).days))
                )
                closed_on = min(closed_on, finish)
                outcome_note = "Osoba nie realizowała ustaleń kontraktu."
            else:
                status = ContractStatus.COMPLETED.value
                closed_on = finish
                achieved = rng.random() < (0.68 if post else 0.45)
                outcome_note = note if achieved else "Cele kontraktu osiągnięto częściowo."
        contract_id = self.t_contract.add(
            case.id,
            person,
            worker.id,
            variant,
            goals,
            obligations,
            CENTRE_OBLIGATIONS,
            start,
            max(planned_end, start),
            status,
            signed_on,
            closed_on,
            achieved,
            outcome_note,
        )
        if status in (ContractStatus.DRAFT.value, ContractStatus.SIGNED.value):
            return
        review = add_months(start, 3)
        stop = closed_on or planned_end
        while review <= stop and review <= self.today + dt.timedelta(days=60):
            done: dt.date | None = review + dt.timedelta(days=rng.randint(-5, 7))
            if done is not None and (done > self.today or rng.random() < 0.05):
                done = None
            self.t_review.add_leaf(
                contract_id, review, done, "Realizacja zgodna z ustaleniami." if done else ""
            )
            review = add_months(review, 3)

    def programme(self, case: CaseSim) -> None:
        rng = self.rng
        post = case.opened >= self.go_live
        kind = None
        if case.profile == HOMELESS and rng.random() < (0.3 if post else 0.1):
            kind = ProgrammeKind.HOMELESSNESS.value
        elif case.profile == FOREIGNER and rng.random() < 0.2:
            kind = ProgrammeKind.FOREIGNERS.value
        elif (
            case.profile == UNEMPLOYED and (case.opened - case.household.head.born).days < 26 * 365
        ):
            kind = ProgrammeKind.INDEPENDENCE.value if rng.random() < 0.3 else None
        if kind is None:
            return
        start = case.opened + dt.timedelta(days=rng.randint(20, 90))
        if start >= self.today or (case.closed and start >= case.closed):
            return
        worker = case.worker_at(SW, start) or case.worker_at(BEN, start) or self.pick(SW, start)
        planned = add_months(start, rng.randint(6, 18))
        ends: dt.date | None = planned
        if planned >= self.today and (case.closed is None or case.closed >= self.today):
            status, ends = ProgrammeStatus.ACTIVE.value, None
        elif rng.random() < 0.6:
            status = ProgrammeStatus.COMPLETED.value
            ends = min(planned, case.closed or planned)
        else:
            status = ProgrammeStatus.DISCONTINUED.value
            ends = min(planned, case.closed or planned) - dt.timedelta(days=rng.randint(0, 60))
            ends = max(ends, start)
        goals = {
            ProgrammeKind.HOMELESSNESS.value: "Wyjście z bezdomności i uzyskanie lokalu.",
            ProgrammeKind.FOREIGNERS.value: "Nauka języka polskiego, zatrudnienie, mieszkanie.",
            ProgrammeKind.INDEPENDENCE.value: "Usamodzielnienie: nauka, praca, mieszkanie.",
        }[kind]
        self.t_programme.add_leaf(
            case.id, case.household.head.person_id, worker.id, kind, start, ends, status, goals
        )

    def projects(self) -> None:
        rng = self.rng
        has_pal = bool(self.staff.by_function.get(PAL))
        for year in range(HISTORY_START.year, self.today.year + 1):
            post = dt.date(year, 7, 1) >= self.go_live
            count = rng.randint(2, 3) if post else 1
            plans = [("social", rng.choice(PROJECT_NAMES)) for _ in range(count)]
            if has_pal and dt.date(year, 12, 31) >= self.go_live:
                plans.append(("pal", (rng.choice(PAL_NAMES), ("mieszkańcy osiedla", "seniorzy"))))
            for kind, (name, groups) in plans:
                if kind == "pal":
                    start = max(self.go_live, dt.date(year, 1, 15))
                    end = dt.date(year, 12, 15)
                    if end <= start:
                        continue
                    coordinator = self.pick(PAL, start)
                else:
                    start = dt.date(year, rng.randint(1, 10), rng.randint(1, 28))
                    end = add_months(start, rng.randint(3, 9))
                    coordinator = self.pick(SW, start)
                if start >= self.today:
                    continue
                project_id = self.t_project.add(
                    f"{name} {year}",
                    ProjectKind.PAL.value if kind == "pal" else ProjectKind.SOCIAL_PROJECT.value,
                    start,
                    end if end < self.today else None,
                    coordinator.id,
                    list(groups),
                )
                people: set[int] = set()
                for case in rng.sample(self.cases, min(len(self.cases), 400)):
                    if case.opened <= start and (case.closed is None or case.closed > start):
                        for member in case.household.adults(start):
                            people.add(member.person_id)
                    if len(people) >= 30:
                        break
                for person_id in rng.sample(sorted(people), min(len(people), rng.randint(8, 25))):
                    joined = start + dt.timedelta(days=rng.randint(0, 20))
                    if joined >= self.today:
                        continue
                    left: dt.date | None = end if end < self.today else None
                    if rng.random() < 0.15:
                        left = joined + dt.timedelta(days=rng.randint(14, 60))
                        left = None if left >= self.today else left
                    self.t_participation.add_leaf(project_id, person_id, joined, left)

    # -- the activity log --

    def caseloads(self) -> dict[tuple[int, str, int], list[int]]:
        loads: dict[tuple[int, str, int], list[int]] = defaultdict(list)
        for case in self.cases:
            for function, parts in case.segments.items():
                for index, part in enumerate(parts):
                    end = (
                        (part.end if index < len(parts) - 1 else None) or case.closed or self.today
                    )
                    month = part.start.year * 12 + part.start.month - 1
                    last = end.year * 12 + end.month - 1
                    for key in range(month, last + 1):
                        loads[(part.worker.id, function, key)].append(case.household.id)
        return loads

    def shares(self, worker: Worker) -> tuple[tuple[float, ...], tuple[float, ...]]:
        before = SHARES_BEFORE[SRV] if worker.function == SRV else SHARES_BEFORE["generalist"]
        after = list(SHARES_AFTER.get(worker.function, SHARES_AFTER[SW]))
        # A combined team (social work and services, benefits and services) shares its time.
        main = {FC: 3, BEN: 1, SW: 0, SRV: 2}.get(worker.function, 0)
        for function, index in ((SRV, 2), (SW, 0)):
            if function in worker.team_functions and function != worker.function:
                moved = after[main] * 0.2
                after[main] -= moved
                after[index] += moved
        return before, tuple(after)

    def activity(self, writer: Writer) -> None:
        """Each social worker's working days: one entry per category, adding up to six or seven
        hours (less on part time), split with the shares of the worker's function and moving from
        the old shares to the new ones over the months after go-live. Social work and services
        are logged against a household of the worker's caseload. Leave, sickness and training
        take about one working day in eight."""
        rng = random.Random(f"{self.centre.slug}:activity")  # noqa: S311 - synthetic data
        loads = self.caseloads()
        table = self.t_activity
        days = self.workdays[: bisect.bisect_left(self.workdays, self.today)]
        loggers = [
            (worker, *self.shares(worker), f"\t{table.now}\t{table.now}\t{worker.id}\t")
            for worker in self.staff.loggers
        ]
        # Day by day, so the rows arrive in the order of the (day, category) index.
        for day in days:
            ramp = self.after_go_live(day)
            month = day.year * 12 + day.month - 1
            lines = table.lines
            for worker, before, after, head in loggers:
                if not self.staff.active(worker, day) or rng.random() < 0.13:
                    continue
                if self.volume < 1 and rng.random() >= self.volume:
                    continue  # a smaller history: fewer logged days, same shares
                total = max(180, min(480, round(rng.gauss(400, 25) * worker.fte / 5) * 5))
                weights = [
                    ((1 - ramp) * b + ramp * a) * rng.uniform(0.6, 1.4)
                    for b, a in zip(before, after, strict=True)
                ]
                scale = total / sum(weights)
                minutes = [round(w * scale / 5) * 5 for w in weights]
                largest = max(range(4), key=minutes.__getitem__)
                # A short stint is logged as a block of MINOR_BLOCK minutes with the matching
                # probability: fewer rows, same expected minutes per category.
                for i in range(4):
                    if i != largest and minutes[i] < MINOR_BLOCK:
                        chance = minutes[i] / MINOR_BLOCK
                        minutes[i] = MINOR_BLOCK if rng.random() < chance else 0
                minor = sum(m for i, m in enumerate(minutes) if i != largest)
                if total - minor < 60:  # a short part-time day: all of it in the main category
                    minutes, minor = [0, 0, 0, 0], 0
                minutes[largest] = total - minor
                for index in range(4):
                    if not minutes[index]:
                        continue
                    households = None
                    if index == 0:
                        households = loads.get((worker.id, SW, month)) or loads.get(
                            (worker.id, BEN, month)
                        )
                    elif index == 2:
                        households = loads.get((worker.id, SRV, month))
                    household = rng.choice(households) if households else NULL
                    lines.append(
                        f"{table.public_id()}{head}{day}\t{minutes[index]}\t"
                        f"{CATEGORIES[index]}\t{household}\n"
                    )
            if len(lines) >= COPY_CHUNK:
                writer.send(table)
        writer.send(table)

    # -- the run --

    def run(self) -> dict[str, int]:
        writer = Writer(self.schema)
        for table in self.tables:
            table.writer = writer
        try:
            self._run(writer)
        finally:
            writer.close()
        return {table.model.__name__: table.count for table in self.tables}

    def stream(self, writer: Writer, *, final: bool = False) -> None:
        """Send what has gathered, parents before children (foreign keys are checked at the end
        of each COPY). Decisions wait for their numbers, and so do the rows that refer to them."""
        pending = sum(len(table.rows) for table in self.streamed)
        if final or pending >= COPY_CHUNK:
            for table in self.streamed:
                writer.send(table)

    def _run(self, writer: Writer) -> None:
        # Ids first, while the connection is free: later a reservation waits for a COPY.
        for table in self.tables:
            if table.with_ids:
                table.prefetch()
        self.authorise()
        self.simulate()
        self.cases.sort(
            key=lambda c: (c.opened, c.arrival or dt.datetime.min.replace(tzinfo=self.tz))
        )
        sequence: Counter[int] = Counter()
        for case in self.cases:
            sequence[case.opened.year] += 1
            case.id = self.t_case.next_id()
            case.number = f"{self.prefix}/{case.opened.year}/{sequence[case.opened.year]:05d}"
            closed = case.closed is not None
            self.t_case.add_with_id(
                case.id,
                case.number,
                case.household.id,
                "closed" if closed else "open",
                case.opened,
                case.closed,
                self.rng.choice(CLOSING_REASONS[case.profile]) if closed else "",
                False,
            )
            self.assign(case)
        self.stream(writer, final=True)
        # The activity log needs only the assignments, costs PostgreSQL far more than Python, and
        # is the largest table: queue it now, and build the proceedings while it is stored.
        self.activity(writer)
        for index, case in enumerate(self.cases):
            if index % 250 == 0:
                self.stream(writer)
            if not case.carried_over:
                self.routed_intake(case)
            self.proceedings(case)
            self.contracts(case)
            self.programme(case)
        self.desk_intakes()
        self.projects()
        numbers: Counter[int] = Counter()
        for info in sorted(self.decisions, key=lambda d: (d.issued_on, d.id)):
            numbers[info.issued_on.year] += 1
            info.row[5] = (
                f"{self.prefix}/D/{info.issued_on.year}/{numbers[info.issued_on.year]:05d}"
            )
        self.stream(writer, final=True)
        for table in (self.t_decision, self.t_appeal, self.t_plan):
            writer.send(table)
        self.deliveries(writer)


def _staff(go_live: dt.date) -> Staff | None:
    workers = [
        Worker(
            id=p.person.pk,
            role=p.person.role,
            team_id=p.team_id,
            team_functions=tuple(p.team.functions),
            started_on=p.started_on,
            ended_on=p.ended_on,
            fte=float(p.fte),
            is_social_worker=p.is_social_worker,
        )
        for p in StaffPosition.objects.select_related("team", "person")
        .filter(person__isnull=False)
        .order_by("id")
        if p.person is not None and p.team.functions
    ]
    manager = (
        get_user_model()
        .objects.filter(role=Role.MANAGER)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if not any(w.function == BEN for w in workers) or not any(w.is_social_worker for w in workers):
        return None
    if manager is None:
        manager = next(w.id for w in workers if w.function == BEN)
    return Staff(workers, manager, go_live)


def build(*, centre: Centre, volume: float = 1.0) -> None:
    """Fill one centre with synthetic casework history (idempotent; see the module docstring).

    ``volume`` scales the history: the inflow of cases (and with it every row that follows a case)
    and the days of the activity log; 1.0 is the demo's rate per resident."""
    started = time.perf_counter()
    with schema_context(centre.schema_name):
        if Household.objects.filter(is_synthetic=True).exists():
            return
        staff = _staff(centre.programme.go_live)
        if staff is None:
            logger.warning(
                "demo history skipped for %s: no benefits or social-work staff", centre.slug
            )
            return
        with transaction.atomic():
            today = timezone.localdate()
            counts = Builder(centre, staff, today, volume=volume).run()
            record_demo_history(built_on=today)
    logger.info(
        "demo history for %s: %s rows in %.1f s",
        centre.slug,
        sum(counts.values()),
        time.perf_counter() - started,
        extra={"rows": counts},
    )
