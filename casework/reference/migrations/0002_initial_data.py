"""The dictionaries as the law stands (u.p.s. in force since 1 May 2004; income criteria as
verified by the Council of Ministers' regulations)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

ACT_START = dt.date(2004, 5, 1)
VIOLENCE_RENAMED = dt.date(2023, 6, 22)

# code, name, act point, statistics column, valid_from, valid_to, sensitive
REASONS = [
    ("ubostwo", "ubóstwo", "1", "ubostwo", ACT_START, None, False),
    ("sieroctwo", "sieroctwo", "2", "sieroctwo", ACT_START, None, False),
    ("bezdomnosc", "bezdomność", "3", "bezdomnosc", ACT_START, None, False),
    ("bezrobocie", "bezrobocie", "4", "bezrobocie", ACT_START, None, False),
    ("niepelnosprawnosc", "niepełnosprawność", "5", "niepelnosprawnosc", ACT_START, None, True),
    ("choroba", "długotrwała lub ciężka choroba", "6", "choroba", ACT_START, None, True),
    ("przemoc-w-rodzinie", "przemoc w rodzinie", "7", "przemoc", ACT_START,
     VIOLENCE_RENAMED - dt.timedelta(days=1), True),
    ("przemoc-domowa", "przemoc domowa", "7", "przemoc", VIOLENCE_RENAMED, None, True),
    ("handel-ludzmi", "potrzeba ochrony ofiar handlu ludźmi", "7a", "handel-ludzmi", ACT_START,
     None, True),
    ("macierzynstwo", "potrzeba ochrony macierzyństwa lub wielodzietności", "8",
     "macierzynstwo", ACT_START, None, False),
    ("bezradnosc", "bezradność w sprawach opiekuńczo-wychowawczych i prowadzenia gospodarstwa "
     "domowego", "9", "bezradnosc", ACT_START, None, False),
    ("cudzoziemcy", "trudności w integracji cudzoziemców", "10", "cudzoziemcy", ACT_START, None,
     False),
    ("zaklad-karny", "trudności w przystosowaniu do życia po zwolnieniu z zakładu karnego", "11",
     "zaklad-karny", ACT_START, None, True),
    # One reason in the act (alkoholizm lub narkomania), two columns in statistics.
    ("alkoholizm", "alkoholizm", "12", "alkoholizm", ACT_START, None, True),
    ("narkomania", "narkomania", "12", "narkomania", ACT_START, None, True),
    ("zdarzenie-losowe", "zdarzenie losowe i sytuacja kryzysowa", "13", "zdarzenie-losowe",
     ACT_START, None, False),
    ("kleska", "klęska żywiołowa lub ekologiczna", "14", "kleska", ACT_START, None, False),
]

CRITERIA = [
    (dt.date(2015, 10, 1), "634.00", "514.00", "rozporządzenie RM z 14 lipca 2015 r. (Dz.U. poz. 1058)"),
    (dt.date(2018, 10, 1), "701.00", "528.00", "rozporządzenie RM z 11 lipca 2018 r. (Dz.U. poz. 1358)"),
    (dt.date(2022, 1, 1), "776.00", "600.00", "rozporządzenie RM z 14 lipca 2021 r. (Dz.U. poz. 1296)"),
    (dt.date(2025, 1, 1), "1010.00", "823.00", "rozporządzenie RM z 2024 r. w sprawie zweryfikowanych "
     "kryteriów dochodowych"),
]

# code, name, kind, by decision, legal basis
BENEFITS = [
    ("zasilek-staly", "zasiłek stały", "cash", True, "art. 37 u.p.s."),
    ("zasilek-okresowy", "zasiłek okresowy", "cash", True, "art. 38 u.p.s."),
    ("zasilek-celowy", "zasiłek celowy", "cash", True, "art. 39 u.p.s."),
    ("specjalny-zasilek-celowy", "specjalny zasiłek celowy", "cash", True, "art. 41 u.p.s."),
    ("usamodzielnienie", "pomoc na ekonomiczne usamodzielnienie", "cash", True, "art. 43 u.p.s."),
    ("posilek", "posiłek", "non_cash", True, "art. 48b u.p.s."),
    ("schronienie", "schronienie", "non_cash", True, "art. 48a u.p.s."),
    ("ubranie", "ubranie", "non_cash", True, "art. 48b ust. 3 u.p.s."),
    ("uslugi-opiekuncze", "usługi opiekuńcze", "non_cash", True, "art. 50 ust. 1–3 u.p.s."),
    ("specjalistyczne-uslugi-opiekuncze", "specjalistyczne usługi opiekuńcze", "non_cash", True,
     "art. 50 ust. 4 u.p.s."),
    ("uslugi-zaburzenia-psychiczne", "specjalistyczne usługi opiekuńcze dla osób z zaburzeniami "
     "psychicznymi", "non_cash", True, "art. 50 ust. 4 u.p.s., art. 18 ustawy o ochronie zdrowia "
     "psychicznego"),
    ("sprawienie-pogrzebu", "sprawienie pogrzebu", "non_cash", True, "art. 44 u.p.s."),
    ("dps", "skierowanie do domu pomocy społecznej", "non_cash", True, "art. 54, 59 u.p.s."),
    ("bilet-kredytowany", "bilet kredytowany", "non_cash", True, "art. 49 u.p.s."),
    ("skladki", "składki na ubezpieczenia zdrowotne i społeczne", "non_cash", True,
     "art. 36 pkt 1 lit. c, d u.p.s."),
    ("praca-socjalna", "praca socjalna", "non_cash", False, "art. 45 u.p.s."),
    ("poradnictwo", "poradnictwo specjalistyczne", "non_cash", False, "art. 46 u.p.s."),
    ("interwencja-kryzysowa", "interwencja kryzysowa", "non_cash", False, "art. 47 u.p.s."),
]


def load(apps, schema_editor):
    reason = apps.get_model("reference", "AssistanceReason")
    for order, (code, name, point, column, start, end, sensitive) in enumerate(REASONS, start=1):
        reason.objects.update_or_create(
            code=code,
            defaults={"name": name, "act_point": point, "statistics_column": column,
                      "valid_from": start, "valid_to": end, "sensitive": sensitive, "order": order},
        )
    criterion = apps.get_model("reference", "IncomeCriterion")
    for start, single, family, basis in CRITERIA:
        criterion.objects.update_or_create(
            valid_from=start,
            defaults={"single_person": Decimal(single), "per_person_in_family": Decimal(family),
                      "legal_basis": basis},
        )
    benefit = apps.get_model("reference", "BenefitType")
    for order, (code, name, kind, by_decision, basis) in enumerate(BENEFITS, start=1):
        benefit.objects.update_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "by_decision": by_decision,
                      "legal_basis": basis, "order": order},
        )


def unload(apps, schema_editor):
    apps.get_model("reference", "AssistanceReason").objects.filter(
        code__in=[r[0] for r in REASONS]).delete()
    apps.get_model("reference", "IncomeCriterion").objects.filter(
        valid_from__in=[c[0] for c in CRITERIA]).delete()
    apps.get_model("reference", "BenefitType").objects.filter(
        code__in=[b[0] for b in BENEFITS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
