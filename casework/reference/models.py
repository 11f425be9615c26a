from django.db import models
from django.utils.translation import gettext_lazy as _


class AssistanceReason(models.Model):
    """A reason for help from art. 7 u.p.s., valid between two dates.

    The act changes wording over time ("przemoc w rodzinie" became "przemoc domowa" on 22 June
    2023), so the dictionary is dated rather than an enum. ``statistics_column`` groups entries that
    statistics count together, and splits the one act reason counted in two columns (alcoholism,
    drug addiction). ``sensitive`` marks special-category reasons whose small counts, even zero, are
    suppressed in aggregates.
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    act_point = models.CharField("punkt art. 7", max_length=10)
    statistics_column = models.SlugField(max_length=60)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    sensitive = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "valid_from"]

    def __str__(self) -> str:
        return self.name


class IncomeCriterion(models.Model):
    """The income criterion in force from ``valid_from`` until the next one starts."""

    valid_from = models.DateField(unique=True)
    single_person = models.DecimalField(max_digits=10, decimal_places=2)
    per_person_in_family = models.DecimalField(max_digits=10, decimal_places=2)
    legal_basis = models.CharField(max_length=200)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.single_person} / {self.per_person_in_family}"


class BenefitKind(models.TextChoices):
    CASH = "cash", _("świadczenie pieniężne")
    NON_CASH = "non_cash", _("świadczenie niepieniężne")


class BenefitType(models.Model):
    """A form of help (zasiłek okresowy, usługi opiekuńcze, praca socjalna, …).

    ``by_decision`` is false for help given without an administrative decision (social work).
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=BenefitKind.choices)
    by_decision = models.BooleanField(default=True)
    legal_basis = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name
