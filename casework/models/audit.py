from django.db import models
from django.utils.translation import gettext_lazy as _

from opsplatform.request_id import current_request_id


class AuditAction(models.TextChoices):
    CREATE = "create", _("utworzenie")
    UPDATE = "update", _("zmiana")
    DELETE = "delete", _("usunięcie")
    READ = "read", _("odczyt")


class AuditEntry(models.Model):
    """One entry of the centre's audit trail. Append-only: a database trigger refuses UPDATE and
    DELETE, and another chains each entry to the previous one by a SHA-256 hash (see the migration
    and ``casework.audit``)."""

    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=32)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    person_id = models.CharField(max_length=64, blank=True)
    household_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True)
    break_glass_reason = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    # The writing transaction (``txid_current()``, set by the chaining trigger, not hashed): the
    # audit guard looks up the entries of the transaction being committed by it.
    xact = models.BigIntegerField(null=True, editable=False)
    # The request (or Celery task) that wrote the entry (opsplatform.request_id): the same id as in
    # the log lines and the response's X-Request-ID. Not hashed, like ``xact``: the chain, its
    # trigger and ``audit_verify`` are unchanged. '' for entries written outside a request.
    request_id = models.CharField(
        max_length=64, blank=True, default=current_request_id, db_default="", editable=False
    )

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["person_id", "at"]),
            models.Index(fields=["household_id", "at"]),
            models.Index(fields=["xact", "object_id"], name="casework_audit_xact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.object_type} {self.object_id}"
