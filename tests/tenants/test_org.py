"""Each centre's org structure in its own schema, mapped onto canonical functions."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from tenants.org.models import CanonicalFunction, StaffPosition, Team, UnitKind

pytestmark = pytest.mark.django_db


def test_krasnystaw_combined_social_work_and_services_team() -> None:
    with schema_context("krasnystaw"):
        section = Team.objects.get(code="sekcja-pomocy-srodowiskowej")
        assert section.kind == UnitKind.SECTION
        assert section.name == "Sekcja Pomocy Środowiskowej"
        children = {t.code: t for t in section.children.all()}
        assert set(children) == {"pierwszy-kontakt", "praca-socjalna-uslugi", "swiadczenia"}
        combined = children["praca-socjalna-uslugi"]
        assert combined.name == "Zespół do spraw pracy socjalnej i usług"
        assert combined.functions == [CanonicalFunction.SOCIAL_WORK, CanonicalFunction.SERVICES]
        counts = {
            code: StaffPosition.objects.filter(team=team, is_social_worker=True).count()
            for code, team in children.items()
        }
        assert counts == {"pierwszy-kontakt": 1, "praca-socjalna-uslugi": 4, "swiadczenia": 5}


def test_myslenice_services_and_integration_team() -> None:
    with schema_context("myslenice"):
        team = Team.objects.get(name="Zespół Usług, Pomocy i Integracji Społecznej")
        assert set(team.functions) == {CanonicalFunction.SERVICES, CanonicalFunction.SOCIAL_WORK}
        pal = Team.objects.get(code="pal")
        assert pal.functions == [CanonicalFunction.LOCAL_ACTIVITY]
        assert not pal.positions.get().is_social_worker


def test_every_canonical_function_but_local_activity_is_covered_in_every_centre() -> None:
    for slug in ("myslenice", "krasnystaw", "piaseczno", "daleszyce", "debica"):
        with schema_context(slug):
            covered = {f for t in Team.objects.all() for f in t.functions}
            assert covered >= {
                CanonicalFunction.FIRST_CONTACT,
                CanonicalFunction.BENEFITS,
                CanonicalFunction.SOCIAL_WORK,
                CanonicalFunction.SERVICES,
            }, slug


def test_positions_carry_fte_and_social_worker_flag() -> None:
    with schema_context("piaseczno"):
        fte = StaffPosition.objects.filter(is_social_worker=True).aggregate(total=Sum("fte"))[
            "total"
        ]
        # Synthetic staffing keeps Piaseczno near the norm of one social worker per 2,000 residents.
        assert Decimal("35") <= fte <= Decimal("45")
        assert (
            StaffPosition.objects.filter(person__isnull=False).count()
            == StaffPosition.objects.count()
        )


def test_unit_without_function_is_refused() -> None:
    from django.core.exceptions import ValidationError

    with schema_context("debica"), pytest.raises(ValidationError) as excinfo:
        Team(code="x", name="Zespół bez funkcji", kind=UnitKind.TEAM, functions=[]).full_clean()
    assert "functions" in excinfo.value.message_dict
