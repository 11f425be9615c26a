"""The audit trail: who did what to which record, and who read whose data.

Writes are recorded automatically: every create, change and delete of an audited record (a model
built on ``AuditedRecord``) produces an entry attributed to the actor in the current context: via
model signals for ``save()`` and ``delete()``, and via the records' queryset for ``update()``,
``bulk_create()`` and ``bulk_update()`` (one entry per row, the same as the single-row path). The
database refuses, at commit, a transaction that inserted, changed or deleted a row of an audited
table without an entry for that row in the same transaction (migration 0005), so raw SQL cannot
change an audited table silently either; ``AUDIT_EXEMPT_SETTING`` is the one, named way around it.
Reads of a person's or household's data are recorded by the API and page views through
:func:`audit_reads`. The database makes the table append-only and chains the entries by hash
(migration 0002); :func:`audit_verify` recomputes the chain.

The actor is carried in a context variable set by the API (after authentication) or by commands
(``acting_as``); writes with no actor in context are attributed to ``system``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from django.apps import apps as django_apps
from django.db import connection, models, transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    AuditEntry,
    Case,
    CaseAssignment,
    ContractReview,
    Decision,
    DelayNotice,
    FamilyInterview,
    Handover,
    Household,
    HouseholdMember,
    IncomeRecord,
    IndividualProgramme,
    Intake,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.audit import AuditAction
from casework.models.base import AuditedQuerySet, AuditedRecord
from tenants.accounts.events import credentials_event
from tenants.accounts.models import User


@dataclass(frozen=True)
class Actor:
    """Who is acting, from where, and (for break-glass access) why."""

    user_id: int | None
    username: str
    role: str
    ip: str | None = None
    break_glass_reason: str = ""

    @classmethod
    def for_user(cls, user: User, *, ip: str | None = None, break_glass_reason: str = "") -> Actor:
        return cls(
            user_id=user.pk,
            username=user.get_username(),
            role=getattr(user, "role", ""),
            ip=ip,
            break_glass_reason=break_glass_reason,
        )


SYSTEM = Actor(user_id=None, username="system", role="system")
_current_actor: ContextVar[Actor | None] = ContextVar("casework_actor", default=None)


def current_actor() -> Actor:
    return _current_actor.get() or SYSTEM


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)


def set_actor(actor: Actor | None) -> Any:
    return _current_actor.set(actor)


def reset_actor(token: Any) -> None:
    _current_actor.reset(token)


def _pid(obj: Any) -> str:
    return str(obj.public_id) if obj is not None else ""


def subject_of(instance: models.Model) -> tuple[str, str]:
    """The person and household (public ids) an instance is about, where there is one."""
    match instance:
        case Person():
            return _pid(instance), ""
        case Household():
            return "", _pid(instance)
        case HouseholdMember():
            return _pid(instance.person), _pid(instance.household)
        case IncomeRecord():
            return _pid(instance.member.person), _pid(instance.member.household)
        case Intake():
            return _pid(instance.person), _pid(instance.household)
        case Case():
            return "", _pid(instance.household)
        case CaseAssignment() | Handover():
            return "", _pid(instance.case.household)
        case Application():
            return _pid(instance.applicant), _pid(instance.case.household)
        case FamilyInterview():
            return "", _pid(instance.case.household)
        case Decision() | DelayNotice():
            application = instance.application
            return _pid(application.applicant), _pid(application.case.household)
        case Appeal():
            application = instance.decision.application
            return _pid(application.applicant), _pid(application.case.household)
        case SocialContract() | IndividualProgramme():
            return _pid(instance.person), _pid(instance.case.household)
        case ContractReview():
            return _pid(instance.contract.person), _pid(instance.contract.case.household)
        case ServicePlan():
            return _pid(instance.recipient), _pid(instance.case.household)
        case ServiceDelivery():
            return _pid(instance.plan.recipient), _pid(instance.plan.case.household)
        case ActivityEntry():
            return "", _pid(instance.household)
        case ProjectParticipation():
            return _pid(instance.person), ""
    return "", ""


def _entry(actor: Actor, action: str, instance: models.Model) -> AuditEntry:
    person_id, household_id = subject_of(instance)
    return AuditEntry(
        at=timezone.now(),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(getattr(instance, "public_id", instance.pk)),
        person_id=person_id,
        household_id=household_id,
        ip=actor.ip,
        break_glass_reason=actor.break_glass_reason,
    )


def audit_reads(instances: Iterable[models.Model], *, actor: Actor | None = None) -> None:
    """Record that ``actor`` (default: the current one) read each of ``instances``."""
    who = actor or current_actor()
    entries = [_entry(who, AuditAction.READ, instance) for instance in instances]
    if len(entries) == 1:
        # One row (a page of one record, e.g. the case file): a plain INSERT, without the
        # BEGIN and COMMIT that bulk_create adds around it outside a transaction.
        entries[0].save(force_insert=True)
        return
    # One INSERT for the lot; the chaining trigger still runs for each row, in order.
    AuditEntry.objects.bulk_create(entries)


def _audited_models() -> tuple[type[models.Model], ...]:
    return tuple(model for model in django_apps.get_models() if issubclass(model, AuditedRecord))


# Every model built on ``AuditedRecord``; the database guard (migration 0005) covers their tables.
AUDITED_MODELS: tuple[type[models.Model], ...] = _audited_models()

# What ``subject_of`` reads of each audited model, loaded in one query for a bulk write.
SUBJECT_PATHS: dict[type[models.Model], tuple[str, ...]] = {
    HouseholdMember: ("person", "household"),
    IncomeRecord: ("member__person", "member__household"),
    Intake: ("person", "household"),
    Case: ("household",),
    CaseAssignment: ("case__household",),
    Handover: ("case__household",),
    Application: ("applicant", "case__household"),
    FamilyInterview: ("case__household",),
    Decision: ("application__applicant", "application__case__household"),
    DelayNotice: ("application__applicant", "application__case__household"),
    Appeal: ("decision__application__applicant", "decision__application__case__household"),
    SocialContract: ("person", "case__household"),
    IndividualProgramme: ("person", "case__household"),
    ContractReview: ("contract__person", "contract__case__household"),
    ServicePlan: ("recipient", "case__household"),
    ServiceDelivery: ("plan__recipient", "plan__case__household"),
    ActivityEntry: ("household",),
    ProjectParticipation: ("person",),
}

BULK_CHUNK = 1000


def record_writes(action: str, instances: Sequence[models.Model]) -> None:
    """Record ``action`` by the current actor on each of ``instances`` (a bulk write's rows), with
    the same content the single-row path records for each."""
    if not instances:
        return
    who = current_actor()
    paths = SUBJECT_PATHS.get(type(instances[0]), ())
    for start in range(0, len(instances), BULK_CHUNK):
        chunk = instances[start : start + BULK_CHUNK]
        if paths:
            prefetch_related_objects(list(chunk), *paths)
        AuditEntry.objects.bulk_create([_entry(who, action, instance) for instance in chunk])


def audited_update(queryset: AuditedQuerySet, values: dict[str, Any]) -> int:
    """``queryset.update(**values)`` with an ``update`` entry per row changed.

    The matching rows are locked first (so that exactly the rows updated are recorded, even when
    another transaction changes them meanwhile), updated by primary key, and read back with what
    ``subject_of`` needs, in chunks. Returns the number of rows updated, as ``update()`` does.
    """
    model = queryset.model
    if queryset.query.is_sliced:
        raise TypeError("Cannot update a query once a slice has been taken.")
    with transaction.atomic(using=queryset.db):
        ids = list(
            queryset.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True)
        )
        if not ids:
            return 0
        base = model._base_manager.using(queryset.db)
        count = 0
        paths = SUBJECT_PATHS.get(model, ())
        who = current_actor()
        for start in range(0, len(ids), BULK_CHUNK):
            chunk = ids[start : start + BULK_CHUNK]
            count += base.filter(pk__in=chunk)._unaudited_update(**values)
            changed = base.filter(pk__in=chunk).select_related(*paths).order_by("pk")
            entries = [_entry(who, AuditAction.UPDATE, instance) for instance in changed]
            AuditEntry.objects.using(queryset.db).bulk_create(entries)
    return count


# The database's audit guard (migration 0005) lets writes through without entries while this
# transaction-local setting is non-empty (``SET LOCAL ops.audit_exempt = 'why'``: a SET LOCAL
# statement, which Citus forwards to the worker where the guard runs; ``set_config()`` is not).
# Only for loading data that is no one's change: the demo's synthetic history sets it for its COPY.
AUDIT_EXEMPT_SETTING = "ops.audit_exempt"


def record_demo_history(*, built_on: date) -> None:
    """The one entry for a centre's synthetic history, loaded without entries per row."""
    who = current_actor()
    AuditEntry.objects.create(
        at=timezone.now(),
        actor_id=who.user_id,
        actor_username=who.username,
        actor_role=who.role,
        action=AuditAction.CREATE,
        object_type="casework.demohistory",
        object_id=built_on.isoformat(),
    )


def _on_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    _entry(current_actor(), AuditAction.CREATE if created else AuditAction.UPDATE, instance).save(
        force_insert=True
    )


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    _entry(current_actor(), AuditAction.DELETE, instance).save(force_insert=True)


def _on_credentials(sender: type[models.Model], user: User, action: str, **kwargs: Any) -> None:
    """An account's second factor, recovery codes, enrolment link or API tokens were created or
    removed (tenants.accounts.events): an entry naming the kind of credential and the account."""
    if getattr(connection, "schema_name", "public") == get_public_schema_name():
        return  # portal accounts: the audit trail is a centre's
    actor = current_actor()
    AuditEntry(
        at=timezone.now(),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        action=AuditAction.CREATE if action == "create" else AuditAction.DELETE,
        object_type=sender._meta.label_lower,
        object_id=str(user.public_id),
        ip=actor.ip,
    ).save(force_insert=True)


class BulkAuditWriter:
    """The audit of an ``AuditedQuerySet``'s bulk writes (registered by ``connect_signals``)."""

    def audited_update(self, queryset: AuditedQuerySet, values: dict[str, Any]) -> int:
        return audited_update(queryset, values)

    def record_created(self, instances: Sequence[models.Model]) -> None:
        record_writes(AuditAction.CREATE, instances)


def connect_signals() -> None:
    """Audit every audited model's saves and deletes (signals) and its bulk writes (the writer
    its queryset calls); run once when the app is ready."""
    AuditedQuerySet.writer = BulkAuditWriter()
    credentials_event.connect(_on_credentials, dispatch_uid="audit-credentials")
    for model in AUDITED_MODELS:
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-save-{model.__name__}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"audit-del-{model.__name__}")


def entry_hash(entry: AuditEntry) -> str:
    """The hash the database trigger computes, recomputed from the stored values."""
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = "|".join(
        [
            str(entry.seq),
            at,
            "" if entry.actor_id is None else str(entry.actor_id),
            entry.actor_username,
            entry.actor_role,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.person_id,
            entry.household_id,
            entry.ip or "",
            entry.break_glass_reason,
            entry.prev_hash,
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify() -> VerifyResult:
    """Walk the chain in order and report the first entry whose hash or link does not hold."""
    previous = ""
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return VerifyResult(checked, entry.seq, f"brak wpisu nr {expected_seq} (usunięty?)")
        if entry.prev_hash != previous:
            return VerifyResult(checked, entry.seq, "powiązanie z poprzednim wpisem nie zgadza się")
        if entry_hash(entry) != entry.hash:
            return VerifyResult(checked, entry.seq, "treść wpisu została zmieniona")
        previous = entry.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(checked)
