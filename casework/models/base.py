import uuid
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class AuditWriter(Protocol):
    """What writes the audit entries of bulk writes: ``casework.audit``, which imports the models
    and so registers itself here when the app is ready (``AuditedQuerySet.writer``)."""

    def audited_update(self, queryset: "AuditedQuerySet", values: dict[str, Any]) -> int: ...

    def record_created(self, instances: Sequence[models.Model]) -> None: ...


class Record(models.Model):
    """Common columns: a UUID for URLs and the two timestamps."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditedQuerySet(models.QuerySet[Any]):
    """The queryset of an audited record: its bulk writes leave the same audit entries as the
    single-row path (``save()`` and ``delete()``, recorded by model signals).

    * ``update()`` locks the matching rows, updates exactly those, and records an ``update`` entry
      for each of them, as they are after the update.
    * ``bulk_update()`` is Django's, which writes through ``update()``: an entry per object.
    * ``bulk_create()`` records a ``create`` entry per object. With ``ignore_conflicts`` or
      ``update_conflicts`` it is refused: it cannot tell which rows it wrote.
    * ``delete()`` needs nothing here: Django deletes rows that have ``post_delete`` receivers one
      by one through its collector, which sends the signal that records the entry.

    The entries are written by ``casework.audit``, which registers itself as ``writer`` when the
    app is ready (it imports the models, so the models do not import it); without it a bulk write
    is refused rather than left unaudited. A write that bypasses the ORM is refused by the
    database at commit (migration 0005).
    """

    writer: ClassVar[AuditWriter | None] = None

    @classmethod
    def audit_writer(cls) -> AuditWriter:
        if cls.writer is None:
            raise ImproperlyConfigured("casework.audit has not registered the audit writer")
        return cls.writer

    def update(self, **kwargs: Any) -> int:
        return self.audit_writer().audited_update(self, kwargs)

    def bulk_create(  # type: ignore[override]  # keyword-compatible with Django's
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Sequence[str] | None = None,
        unique_fields: Sequence[str] | None = None,
    ) -> list[Any]:
        writer = self.audit_writer()
        if ignore_conflicts or update_conflicts:
            raise TypeError(
                f"{self.model._meta.label}: bulk_create with ignore_conflicts or update_conflicts "
                "cannot be audited (it does not tell which rows it wrote)."
            )
        created = super().bulk_create(objs, batch_size=batch_size)
        writer.record_created(created)
        return created

    def _unaudited_update(self, **kwargs: Any) -> int:
        """The plain queryset update, for ``casework.audit.audited_update`` only."""
        return super().update(**kwargs)


class AuditedRecord(Record):
    """A record whose every create, change and delete is in the audit trail (``casework.audit``
    finds the audited models as the subclasses of this one)."""

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"
