"""Benefit proceedings: application → family interview → decision → (delay notice) → appeal."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import AuditedRecord
from casework.models.cases import Case
from casework.models.people import Person


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("w toku")
    DECIDED = "decided", _("rozpatrzony")
    WITHDRAWN = "withdrawn", _("wycofany")


class Application(AuditedRecord):
    """An application (wniosek) or a proceeding started ex officio, for one or more benefits."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="applications")
    received_on = models.DateField("data wpływu")
    benefits = ArrayField(models.SlugField(max_length=60), verbose_name="wnioskowane świadczenia")
    urgent = models.BooleanField("sprawa pilna", default=False)
    complex = models.BooleanField("sprawa szczególnie skomplikowana", default=False)
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decision_due_on = models.DateField("termin załatwienia (KPA)")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "decision_due_on"])]


class InterviewKind(models.TextChoices):
    FULL = "full", _("rodzinny wywiad środowiskowy")
    UPDATE = "update", _("aktualizacja wywiadu (część IV)")


class FamilyInterview(AuditedRecord):
    """A family interview (RWŚ) or its update. Due within 14 working days of learning it is
    needed, 2 if urgent; it must be done before any decision granting or refusing a benefit."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="interviews")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="interviews"
    )
    kind = models.CharField(max_length=10, choices=InterviewKind.choices)
    needed_since = models.DateField("potrzeba stwierdzona dnia")
    due_on = models.DateField("termin przeprowadzenia")
    conducted_on = models.DateField("data przeprowadzenia", null=True, blank=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interviews"
    )
    diagnosis = models.TextField("diagnoza", blank=True)
    help_plan = models.TextField("plan pomocy", blank=True)

    class Meta:
        ordering = ["-needed_since", "-id"]
        indexes = [models.Index(fields=["conducted_on", "due_on"])]


class DecisionAuthorisation(AuditedRecord):
    """The head's (mayor's) authorisation for a worker to issue administrative decisions."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decision_authorisations"
    )
    reference = models.CharField("znak upoważnienia", max_length=60)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "-id"]


class DecisionOutcome(models.TextChoices):
    GRANT = "grant", _("przyznanie")
    PARTIAL = "partial", _("przyznanie w części")
    REFUSE = "refuse", _("odmowa")


class PaymentSchedule(models.TextChoices):
    ONCE = "once", _("jednorazowo")
    MONTHLY = "monthly", _("co miesiąc")
    IN_KIND = "in_kind", _("w naturze / usługa")


class Decision(AuditedRecord):
    """An administrative decision on one benefit of an application."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    number = models.CharField("numer decyzji", max_length=40, unique=True)
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    benefit = models.SlugField("świadczenie", max_length=60)
    amount = models.DecimalField(
        "kwota (zł)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    period_from = models.DateField("od", null=True, blank=True)
    period_to = models.DateField("do", null=True, blank=True)
    payment_schedule = models.CharField(
        "sposób wypłaty", max_length=10, choices=PaymentSchedule.choices, blank=True
    )
    legal_basis = models.CharField("podstawa prawna", max_length=300)
    reasoning = models.TextField("uzasadnienie")
    issued_on = models.DateField("data wydania")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_decisions"
    )
    authorisation = models.ForeignKey(
        DecisionAuthorisation, on_delete=models.PROTECT, related_name="decisions"
    )
    interview = models.ForeignKey(
        FamilyInterview, on_delete=models.PROTECT, related_name="decisions"
    )
    delivered_on = models.DateField("data doręczenia", null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        # The benchmark snapshots read decisions by the day issued and by the end of the benefit.
        indexes = [models.Index(fields=["issued_on"]), models.Index(fields=["period_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="decision_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(period_to__isnull=True)
                | Q(period_from__isnull=True)
                | Q(period_to__gte=models.F("period_from")),
                name="decision_period_ordered",
            ),
        ]


class DelayNotice(AuditedRecord):
    """Notice to the party that the matter will not be settled in time, with the new date."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="delay_notices"
    )
    sent_on = models.DateField("data zawiadomienia")
    new_due_on = models.DateField("nowy termin")
    reason = models.CharField("przyczyna zwłoki", max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sent_on", "-id"]


class AppealOutcome(models.TextChoices):
    PENDING = "pending", _("w toku")
    UPHELD = "upheld", _("utrzymana w mocy")
    OVERTURNED = "overturned", _("uchylona i orzeczono co do istoty")
    REFERRED_BACK = "referred_back", _("uchylona i przekazana do ponownego rozpatrzenia")
    DISCONTINUED = "discontinued", _("postępowanie umorzone")
    SELF_CORRECTED = "self_corrected", _("uwzględniona przez organ I instancji")


class Appeal(AuditedRecord):
    """An appeal (odwołanie) to the SKO: lodged within 14 days of delivery, forwarded within
    7 days of lodging (``forward_due_on``, set by ``appeal_register``), decided."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    lodged_on = models.DateField("data wniesienia")
    forward_due_on = models.DateField("termin przekazania do SKO")
    forwarded_on = models.DateField("przekazano do SKO", null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=AppealOutcome.choices, default=AppealOutcome.PENDING
    )
    outcome_on = models.DateField("data rozstrzygnięcia", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-lodged_on", "-id"]
