from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import AuditedRecord
from casework.models.people import Household


class CaseStatus(models.TextChoices):
    OPEN = "open", _("otwarta")
    CLOSED = "closed", _("zamknięta")


class Case(AuditedRecord):
    """A household's case (sprawa) at the centre. At most one open case per household."""

    number = models.CharField("znak sprawy", max_length=30, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField("data otwarcia")
    closed_on = models.DateField("data zamknięcia", null=True, blank=True)
    closing_reason = models.CharField("powód zamknięcia", max_length=300, blank=True)
    legal_hold = models.BooleanField("wstrzymanie usunięcia", default=False)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="open"), name="case_one_open_per_household"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseAssignment(AuditedRecord):
    """Who works on the case for one canonical function, from when to when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    function = models.CharField(max_length=20)
    team = models.ForeignKey("org.Team", on_delete=models.PROTECT, related_name="assignments")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["case_id", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "function"],
                condition=Q(ended_on__isnull=True),
                name="assignment_one_current_per_function",
            ),
        ]


class Handover(AuditedRecord):
    """A case passed from one team (or worker) to another, with the reason and the time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="handovers_out"
    )
    to_team = models.ForeignKey("org.Team", on_delete=models.PROTECT, related_name="handovers_in")
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("powód przekazania", max_length=300)
    handed_over_at = models.DateTimeField("czas przekazania")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case_id", "handed_over_at", "id"]
        # The benchmark snapshots count hand-overs by the moment across all cases.
        indexes = [models.Index(fields=["handed_over_at"])]
