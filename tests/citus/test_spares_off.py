"""On Citus a centre's schema is distributed by its name, so a renamed spare would not be where
Citus placed it: there are no spare schemas, and a new centre is replayed from the template."""

from pytest_django.fixtures import Settings

from tenants import spares
from tenants.models import SpareSchema


def test_no_spare_schemas_on_citus(settings: Settings) -> None:
    settings.TENANT_SPARE_SCHEMAS = 3
    assert spares.spares_wanted() == 0
    report = spares.spares_refill()
    assert (report.made, report.ready) == (0, 0)
    assert not SpareSchema.objects.exists()
    assert spares.spare_take("nowy") is False


def test_none_even_when_asked_for() -> None:
    assert spares.spares_refill(2).made == 0
    assert not SpareSchema.objects.exists()
