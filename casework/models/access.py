from django.conf import settings
from django.db import models

from casework.models.base import Record
from casework.models.people import Household


class BreakGlassGrant(Record):
    """Access to a household outside the worker's scope, for a stated reason and for a few hours
    (dostęp w trybie nadzwyczajnym). Every read and write under it is flagged in the audit trail
    with the reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    reason = models.CharField("powód", max_length=300)
    granted_at = models.DateTimeField("czas udzielenia")
    expires_at = models.DateTimeField("wygasa")

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "household", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="break_glass_expires_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.household_id} ({self.granted_at:%Y-%m-%d %H:%M})"
