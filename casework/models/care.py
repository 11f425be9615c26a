"""Care services: a service plan and the hours actually delivered."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import AuditedRecord
from casework.models.cases import Case
from casework.models.people import Person


class ServiceType(models.TextChoices):
    CARE = "uslugi-opiekuncze", _("usługi opiekuńcze")
    SPECIALIST = "specjalistyczne-uslugi-opiekuncze", _("specjalistyczne usługi opiekuńcze")
    MENTAL = (
        "uslugi-zaburzenia-psychiczne",
        _("specjalistyczne usługi opiekuńcze dla osób z zaburzeniami psychicznymi"),
    )


class ProviderKind(models.TextChoices):
    IN_HOUSE = "in_house", _("ośrodek (własne opiekunki)")
    CONTRACTED = "contracted", _("podmiot zewnętrzny (zlecenie)")


class FeeRule(models.TextChoices):
    FREE = "free", _("nieodpłatnie")
    PERCENT = "percent", _("odpłatność procentowa od kosztu godziny")
    FULL = "full", _("pełna odpłatność")


class ServicePlan(AuditedRecord):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="service_plans")
    recipient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="service_plans")
    service_type = models.CharField("rodzaj usług", max_length=40, choices=ServiceType.choices)
    provider_kind = models.CharField("realizator", max_length=12, choices=ProviderKind.choices)
    provider_name = models.CharField("nazwa realizatora", max_length=200, blank=True)
    hours_per_week = models.DecimalField(
        "godzin tygodniowo",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    starts_on = models.DateField("od")
    ends_on = models.DateField("do", null=True, blank=True)
    hourly_cost = models.DecimalField("koszt godziny (zł)", max_digits=8, decimal_places=2)
    fee_rule = models.CharField("zasady odpłatności", max_length=10, choices=FeeRule.choices)
    fee_percent = models.DecimalField(
        "odpłatność (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    decision = models.ForeignKey(
        "casework.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_plans"
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="service_plan_ends_after_start",
            ),
        ]


class ServiceDelivery(AuditedRecord):
    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="deliveries")
    day = models.DateField("dzień")
    hours = models.DecimalField("godziny zrealizowane", max_digits=4, decimal_places=2)
    carer = models.CharField("opiekun(ka)", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan_id", "day", "id"]
        # The benchmark snapshots read the hours delivered by day across all plans.
        indexes = [models.Index(fields=["day"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="delivery_once_per_day"),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24), name="delivery_hours_in_a_day"
            ),
        ]
