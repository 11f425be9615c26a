from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.base import AuditedRecord
from casework.models.people import Household, Person


class Channel(models.TextChoices):
    VISIT = "visit", _("wizyta osobista")
    PHONE = "phone", _("telefon")
    EMAIL = "email", _("e-mail")
    LETTER = "letter", _("pismo")
    EPUAP = "epuap", _("ePUAP")


class ReporterKind(models.TextChoices):
    SELF = "self", _("osoba zainteresowana")
    RELATIVE = "relative", _("członek rodziny")
    NEIGHBOUR = "neighbour", _("sąsiad")
    POLICE = "police", _("policja")
    SCHOOL = "school", _("szkoła")
    COURT = "court", _("sąd / kurator")
    HEALTH = "health", _("ochrona zdrowia")
    OTHER_INSTITUTION = "other_institution", _("inna instytucja")


class IntakeOutcome(models.TextChoices):
    PENDING = "pending", _("w trakcie")
    INFORMATION = "information", _("udzielono informacji")
    ADVICE = "advice", _("udzielono porady")
    REFERRAL_OUTSIDE = "referral_outside", _("skierowano poza ośrodek")
    ROUTED = "routed", _("przekazano do zespołu / pracownika")


RESOLVED_AT_DESK = (
    IntakeOutcome.INFORMATION,
    IntakeOutcome.ADVICE,
    IntakeOutcome.REFERRAL_OUTSIDE,
)


class Intake(AuditedRecord):
    """First contact: someone came or reported a case. Ends resolved at the desk or routed."""

    arrived_at = models.DateTimeField("czas zgłoszenia")
    channel = models.CharField("forma kontaktu", max_length=10, choices=Channel.choices)
    reporter_kind = models.CharField("zgłaszający", max_length=20, choices=ReporterKind.choices)
    reporter_name = models.CharField("nazwa / nazwisko zgłaszającego", max_length=200, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    reasons = ArrayField(models.SlugField(max_length=60), default=list, verbose_name="powody")
    notes = models.TextField("notatka", blank=True)
    outcome = models.CharField(
        "wynik", max_length=20, choices=IntakeOutcome.choices, default=IntakeOutcome.PENDING
    )
    outcome_note = models.CharField("dokąd skierowano / co przekazano", max_length=300, blank=True)
    routed_team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    routed_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routed_intakes",
    )
    resolved_at = models.DateTimeField("czas rozstrzygnięcia / przekazania", null=True, blank=True)
    case = models.ForeignKey(
        "casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registered_intakes"
    )

    class Meta:
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["arrived_at"]), models.Index(fields=["outcome"])]
