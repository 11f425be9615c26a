"""The demo history's fixed vocabulary: invented names and streets, the households' situations
(profiles) with their reasons for help, case lengths and chances, and the texts written into
decisions, contracts, intakes and projects. Nothing here is read from a real record."""

import datetime as dt

from casework.models.intake import IntakeOutcome, ReporterKind
from casework.models.socialwork import ActivityCategory, ContractVariant
from tenants.accounts.roles import Role
from tenants.org.models import CanonicalFunction

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
