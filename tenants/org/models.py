import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CanonicalFunction(models.TextChoices):
    """What benchmarking compares: functions, never the centres' own team names."""

    FIRST_CONTACT = "first_contact", _("pierwszy kontakt")
    BENEFITS = "benefits", _("świadczenia przyznawane decyzją")
    SOCIAL_WORK = "social_work", _("praca socjalna")
    SERVICES = "services", _("usługi")
    LOCAL_ACTIVITY = "local_activity", _("aktywność lokalna (PAL)")


class UnitKind(models.TextChoices):
    SECTION = "section", _("sekcja")
    TEAM = "team", _("zespół")
    POST = "post", _("stanowisko")


class Team(models.Model):
    """An organisational unit as the centre names it, mapped onto one or more canonical functions.

    A section (e.g. Krasnystaw's Sekcja Pomocy Środowiskowej) groups units and may itself have no
    function. ``name_assumed`` marks a name the registry holds without a source.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField("kod", max_length=60, unique=True)
    name = models.CharField("nazwa", max_length=200)
    kind = models.CharField("rodzaj", max_length=10, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    functions = ArrayField(
        models.CharField(max_length=20, choices=CanonicalFunction.choices),
        default=list,
        blank=True,
        verbose_name="funkcje",
    )
    order = models.PositiveSmallIntegerField("kolejność", default=0)
    name_assumed = models.BooleanField("nazwa przyjęta (bez źródła)", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "komórka organizacyjna"
        verbose_name_plural = "komórki organizacyjne"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind != UnitKind.SECTION and not self.functions:
            raise ValidationError(
                {"functions": "Zespół lub stanowisko musi realizować co najmniej jedną funkcję."}
            )
        if len(set(self.functions)) != len(self.functions):
            raise ValidationError({"functions": "Funkcje nie mogą się powtarzać."})

    def function_labels(self) -> list[str]:
        labels = dict(CanonicalFunction.choices)
        return [str(labels[f]) for f in self.functions]


class StaffPosition(models.Model):
    """A post in a team: who holds it (or vacant), job title, FTE and whether it is a social worker.

    The social-worker flag and FTE feed the staffing indicators (residents and households per social
    worker), so they are kept per position with its dates rather than per person.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="positions")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="positions",
    )
    job_title = models.CharField("stanowisko", max_length=120)
    fte = models.DecimalField(
        "wymiar etatu",
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1.00"))],
    )
    is_social_worker = models.BooleanField("pracownik socjalny", default=False)
    started_on = models.DateField("od")
    ended_on = models.DateField("do", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__order", "job_title", "id"]
        verbose_name = "stanowisko pracy"
        verbose_name_plural = "stanowiska pracy"

    def __str__(self) -> str:
        return f"{self.job_title} ({self.team})"

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "Data końca nie może być przed datą początku."})
