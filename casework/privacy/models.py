"""Retention of a centre's records (its own schema): the rules, legal holds, and the register of
what was erased or anonymised.

``ErasureRecord`` and ``RetentionRun`` are append-only like the audit trail: a database trigger
refuses UPDATE, DELETE and TRUNCATE (migration 0002). They hold internal ids, case numbers (a
register number, not personal data), counts and dates — never a name, PESEL or address.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordType(models.TextChoices):
    """The kinds of records a centre sets a retention period for."""

    CASE_FILE = "case_file", _("akta sprawy: wnioski, wywiady, decyzje, odwołania")
    SOCIAL_CONTRACT = "social_contract", _("kontrakty socjalne i programy indywidualne")
    CARE_PLAN = "care_plan", _("usługi opiekuńcze: plany i ich realizacja")
    ACTIVITY_LOG = "activity_log", _("dziennik czynności z gospodarstwem")
    INTAKE = "intake", _("zgłoszenie zakończone bez założenia sprawy")


# A JRWA archival category: A (kept for ever), B<n> / BE<n> (n years), Bc (short-lived).
CATEGORY_PATTERN = re.compile(r"^(A|Bc|BE?(\d{1,3}))$")


def category_years(category: str) -> int | None:
    """The number of years a category ``B<n>``/``BE<n>`` names (None for A, Bc or no match)."""
    match = CATEGORY_PATTERN.match(category)
    if match is None or match.group(2) is None:
        return None
    return int(match.group(2))


CATEGORY_UNKNOWN = _(
    "Podaj kategorię archiwalną: A, Bc, B z liczbą lat (np. B10) lub BE z liczbą lat (np. BE5)."
)
CATEGORY_A_KEPT = _(
    "Dokumentacji kategorii A nie usuwa się: przekazuje się ją do archiwum państwowego. Wyłącz "
    "stosowanie reguły albo zmień kategorię."
)
YEARS_MISMATCH = _(
    "Okres przechowywania musi odpowiadać kategorii archiwalnej (%(category)s to %(years)s lat)."
)


class RetentionRule(models.Model):
    """How long one kind of record is kept, counted in full calendar years from 1 January of the
    year after the case was closed (for an intake without a case: after it arrived), as the
    instrukcja kancelaryjna counts it. ``active`` off means that records of this kind are never
    erased (nor is a case that holds any)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record_type = models.CharField(
        "rodzaj dokumentacji", max_length=20, choices=RecordType.choices, unique=True
    )
    jrwa_symbol = models.CharField("symbol klasyfikacyjny JRWA", max_length=20, blank=True)
    archival_category = models.CharField("kategoria archiwalna", max_length=6)
    years = models.PositiveSmallIntegerField(
        "okres przechowywania (lata)",
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    active = models.BooleanField("stosowana", default=True)
    note = models.TextField("uwagi", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["record_type"]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.archival_category}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        category = self.archival_category.strip()
        if not CATEGORY_PATTERN.match(category):
            errors["archival_category"] = [str(CATEGORY_UNKNOWN)]
        elif category == "A" and self.active:
            errors["archival_category"] = [str(CATEGORY_A_KEPT)]
        else:
            named = category_years(category)
            if named is not None and self.years is not None and named != self.years:
                message = YEARS_MISMATCH % {"category": category, "years": named}
                errors["years"] = [str(message)]
        if errors:
            raise ValidationError(errors)

    def due_on(self, anchor: dt.date) -> dt.date:
        """The first day a record whose retention starts on ``anchor`` may be erased."""
        return dt.date(anchor.year + self.years + 1, 1, 1)


class LegalHold(models.Model):
    """A hold on a case: nothing of it is erased while the hold is active (not lifted, and its
    ``until`` date, if any, not yet past). ``Case.legal_hold`` mirrors whether one is active."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField("powód wstrzymania", max_length=500)
    set_at = models.DateTimeField("wstrzymano")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    set_by_username = models.CharField(max_length=150)
    until = models.DateField("do dnia", null=True, blank=True)
    lifted_at = models.DateTimeField("zniesiono", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_by_username = models.CharField(max_length=150, blank=True)
    lift_reason = models.CharField("powód zniesienia", max_length=500, blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(lifted_at__isnull=True), name="legal_hold_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.case_id} {self.set_at:%Y-%m-%d}"

    def is_active(self, on: dt.date) -> bool:
        return self.lifted_at is None and (self.until is None or self.until >= on)


class ErasureMethod(models.TextChoices):
    ERASED = "erased", _("usunięto")
    ANONYMISED = "anonymised", _("zanonimizowano")


class RetentionRun(models.Model):
    """One run of the retention job that changed or checked the data (dry runs leave no row)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    as_of = models.DateField("stan na dzień")
    triggered_by = models.CharField(max_length=150)
    cases = models.PositiveIntegerField(default=0)
    cases_held = models.PositiveIntegerField(default=0)
    intakes = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention run {self.public_id} as of {self.as_of}"


class ErasureRecord(models.Model):
    """What one run erased or anonymised of one kind of row (``model``) for one case (or one
    intake without a case): internal ids and a count, the rule applied and when."""

    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="records")
    at = models.DateTimeField()
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    model = models.CharField(max_length=60)
    method = models.CharField(max_length=12, choices=ErasureMethod.choices)
    case_id = models.BigIntegerField(null=True)
    case_number = models.CharField(max_length=30, blank=True)
    object_ids = ArrayField(models.BigIntegerField(), default=list)
    rows = models.PositiveIntegerField()
    rule_category = models.CharField(max_length=6)
    rule_jrwa_symbol = models.CharField(max_length=20, blank=True)
    rule_years = models.PositiveSmallIntegerField()
    due_on = models.DateField()

    class Meta:
        ordering = ["-at", "case_number", "model", "id"]
        indexes = [models.Index(fields=["model", "case_id"])]

    def __str__(self) -> str:
        return f"{self.method} {self.rows} × {self.model} ({self.case_number})"
