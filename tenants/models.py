"""The public registry: centres (tenants), their domains and reorganisation programmes.

A centre's own org structure (teams and staff positions) lives in its schema (tenants.org), next to
the casework that refers to it; see the README's "Tenancy" section for why.
"""

import uuid
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from tenants.teryt import TYPE_DIGITS, GminaType, Voivodeship, validate_terc

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9]{1,39}$",
    "Identyfikator ośrodka to małe litery łacińskie i cyfry (2–40 znaków), np. myslenice.",
)


class Centre(TenantMixin):
    """A social assistance centre (OPS / MOPS / MGOPS / GOPS), one PostgreSQL schema each.

    The schema name equals the slug. Schemas are created by ``tenants.provisioning`` from the
    template schema, never by saving this model (``auto_create_schema`` is off).
    """

    auto_create_schema = False
    auto_drop_schema = False

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.CharField(
        "identyfikator",
        max_length=40,
        unique=True,
        validators=[SLUG_VALIDATOR],
        error_messages={"unique": "Ośrodek o tym identyfikatorze już istnieje."},
    )
    name = models.CharField("pełna nazwa", max_length=200)
    short_name = models.CharField("nazwa skrócona", max_length=60)
    teryt_terc = models.CharField(
        "kod TERYT (TERC)",
        max_length=7,
        unique=True,
        validators=[validate_terc],
        error_messages={"unique": "Ten kod TERYT ma już inny ośrodek na platformie."},
    )
    voivodeship = models.CharField("województwo", max_length=2, choices=Voivodeship.choices)
    gmina_type = models.CharField("rodzaj gminy", max_length=12, choices=GminaType.choices)
    population = models.PositiveIntegerField("liczba mieszkańców")
    population_date = models.DateField("stan ludności na dzień")
    address = models.CharField("adres", max_length=200, blank=True)
    registry_version = models.PositiveIntegerField(
        "wersja rejestru", help_text="Version of the registry file the centre was last synced from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["short_name"]
        verbose_name = "ośrodek"
        verbose_name_plural = "ośrodki"

    def __str__(self) -> str:
        return self.short_name

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        terc = self.teryt_terc or ""
        if len(terc) == 7 and terc.isdigit():
            if self.voivodeship and terc[:2] != self.voivodeship:
                errors.setdefault("voivodeship", []).append(
                    ValidationError(
                        "Województwo nie zgadza się z kodem TERYT %(terc)s (województwo %(code)s).",
                        code="voivodeship_mismatch",
                        params={"terc": terc, "code": terc[:2]},
                    )
                )
            type_from_code = TYPE_DIGITS.get(terc[6])
            if type_from_code and self.gmina_type and type_from_code != self.gmina_type:
                errors.setdefault("gmina_type", []).append(
                    ValidationError(
                        "Rodzaj gminy nie zgadza się z kodem TERYT %(terc)s (%(expected)s).",
                        code="gmina_type_mismatch",
                        params={"terc": terc, "expected": type_from_code.label},
                    )
                )
        if self.schema_name and self.slug and self.schema_name != self.slug:
            errors.setdefault("slug", []).append(
                ValidationError("Nazwa schematu musi być równa identyfikatorowi ośrodka.")
            )
        if errors:
            raise ValidationError(errors)


class Domain(DomainMixin):
    """A host name that reaches a centre: ``<slug>.<BASE_DOMAIN>`` is its primary domain."""

    class Meta:
        ordering = ["domain"]


class ReorganisationProgramme(models.Model):
    """The project that split the centre's social work from administrative benefit work.

    ``assumed_fields`` names the facts the registry holds without a source (e.g. Daleszyce's
    go-live year); every comparison that uses such a fact must show that it is assumed.
    """

    FACT_FIELDS = (
        "title",
        "programme",
        "measure",
        "project_number",
        "budget_pln",
        "funding_source",
        "project_start",
        "go_live",
        "project_end",
        "new_hires",
    )

    centre = models.OneToOneField(Centre, on_delete=models.CASCADE, related_name="programme")
    title = models.CharField("tytuł projektu", max_length=300)
    programme = models.CharField("program", max_length=200)
    measure = models.CharField("działanie", max_length=200)
    project_number = models.CharField("numer projektu", max_length=60, blank=True)
    budget_pln = models.DecimalField(
        "wartość projektu (zł)",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    funding_source = models.CharField("źródło finansowania", max_length=200)
    project_start = models.DateField("początek projektu", null=True, blank=True)
    go_live = models.DateField("nowa struktura od")
    project_end = models.DateField("koniec projektu", null=True, blank=True)
    new_hires = models.PositiveSmallIntegerField("nowi pracownicy", null=True, blank=True)
    assumed_fields = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name="fakty przyjęte"
    )
    sources = models.TextField("źródła", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["centre__short_name"]
        verbose_name = "program reorganizacji"
        verbose_name_plural = "programy reorganizacji"

    def __str__(self) -> str:
        return self.title

    def is_assumed(self, field: str) -> bool:
        return field in self.assumed_fields

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if self.budget_pln is not None and self.budget_pln < 0:
            errors.setdefault("budget_pln", []).append(
                ValidationError("Wartość projektu nie może być ujemna.", code="negative_budget")
            )
        if self.project_start and self.go_live and self.go_live < self.project_start:
            errors.setdefault("go_live", []).append(
                ValidationError(
                    "Nowa struktura nie może ruszyć (%(go_live)s) przed początkiem projektu "
                    "(%(start)s).",
                    code="go_live_before_start",
                    params={"go_live": self.go_live, "start": self.project_start},
                )
            )
        if self.project_start and self.project_end and self.project_end < self.project_start:
            errors.setdefault("project_end", []).append(
                ValidationError(
                    "Koniec projektu nie może być przed jego początkiem.", code="end_before_start"
                )
            )
        unknown = sorted(set(self.assumed_fields) - set(self.FACT_FIELDS))
        if unknown:
            errors.setdefault("assumed_fields", []).append(
                ValidationError(
                    "Nieznane pola oznaczone jako przyjęte: %(fields)s.",
                    code="unknown_assumed_field",
                    params={"fields": ", ".join(unknown)},
                )
            )
        if errors:
            raise ValidationError(errors)


class SpareSchema(models.Model):
    """A centre schema made ahead of need from the template, waiting to be renamed into a centre.

    ``fingerprint`` is the template's migration state when the spare was made
    (``tenants.schema_template.template_fingerprint``): a spare is taken only while it equals the
    template's, so a spare never gives a centre an older schema than the replay would.
    """

    name = models.CharField(max_length=63, primary_key=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "name"]

    def __str__(self) -> str:
        return self.name
