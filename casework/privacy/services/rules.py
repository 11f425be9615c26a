"""Changing the centre's retention rules and setting or lifting legal holds on cases (the
manager's part of retention; each change is audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import (
    AuditEntry,
    Case,
    Household,
)
from casework.models.audit import AuditAction
from casework.privacy.models import (
    LegalHold,
    RetentionRule,
)
from casework.privacy.services.plan import _erased_case_ids
from opsplatform.errors import NotFound, ValidationFailed
from opsplatform.text_rules import checked_text
from tenants.accounts.models import User

# --- rules and holds --------------------------------------------------------------------------

RULE_FIELDS = ("jrwa_symbol", "archival_category", "years", "active", "note")


def _validation_failed(error: ValidationError) -> ValidationFailed:
    fields = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return ValidationFailed(
        _("Popraw zaznaczone pola reguły retencji."), fields=fields, code="retention_rule_invalid"
    )


@transaction.atomic
def retention_rule_update(*, user: User, rule: RetentionRule, **changes: Any) -> RetentionRule:
    """Change a centre's rule (manager only; the caller checks the role)."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Nieznane pola reguły."), fields={name: [_("Nieznane pole.")] for name in unknown}
        )
    for name, value in changes.items():
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    try:
        rule.full_clean()
    except ValidationError as error:
        raise _validation_failed(error) from error
    rule.updated_by = user.get_username()
    rule.save()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=timezone.now(),
                actor_id=user.pk,
                actor_username=user.get_username(),
                actor_role=getattr(user, "role", ""),
                action=AuditAction.UPDATE,
                object_type="privacy.retentionrule",
                object_id=str(rule.public_id),
            )
        ]
    )
    return rule


def _hold_audit(user: User, action: str, hold: LegalHold) -> None:
    household = Household.objects.filter(cases__id=hold.case_id).values_list(
        "public_id", flat=True
    )[0]
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=timezone.now(),
                actor_id=user.pk,
                actor_username=user.get_username(),
                actor_role=getattr(user, "role", ""),
                action=action,
                object_type="privacy.legalhold",
                object_id=str(hold.public_id),
                household_id=str(household),
            )
        ]
    )


@transaction.atomic
def legal_hold_set(
    *, user: User, case: Case, reason: str, until: dt.date | None = None
) -> LegalHold:
    """Stop the erasure of ``case`` until the hold is lifted (or ``until`` passes)."""
    reason = checked_text("reason", reason, multiline=True).strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Podaj powód wstrzymania (np. sygnatura postępowania sądowego).")]
    if until is not None and until < timezone.localdate():
        errors["until"] = [_("Data końca wstrzymania nie może być w przeszłości.")]
    if case.id in _erased_case_ids():
        errors["case"] = [_("Sprawa została już zanonimizowana – nie ma czego wstrzymywać.")]
    if errors:
        raise ValidationFailed(
            _("Nie wstrzymano usunięcia."), fields=errors, code="legal_hold_invalid"
        )
    Case.objects.select_for_update().filter(id=case.id).first()
    if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
        raise ValidationFailed(
            _("Sprawa jest już wstrzymana."),
            fields={"case": [_("Sprawa jest już objęta wstrzymaniem – najpierw je znieś.")]},
            code="legal_hold_exists",
        )
    try:
        hold = LegalHold.objects.create(
            case=case,
            reason=reason,
            until=until,
            set_at=timezone.now(),
            set_by=user if user.pk else None,
            set_by_username=user.get_username(),
        )
    except IntegrityError as error:  # a concurrent hold won the race
        raise ValidationFailed(
            _("Sprawa jest już wstrzymana."), code="legal_hold_exists"
        ) from error
    Case.objects.filter(id=case.id).update(legal_hold=True)
    case.legal_hold = True
    _hold_audit(user, AuditAction.CREATE, hold)
    return hold


@transaction.atomic
def legal_hold_lift(*, user: User, case: Case, reason: str) -> LegalHold:
    """Lift the open hold of ``case``; erasure may follow on the next run if the case is due."""
    hold = LegalHold.objects.select_for_update().filter(case=case, lifted_at__isnull=True).first()
    if hold is None:
        raise NotFound(_("Sprawa nie jest objęta wstrzymaniem."))
    reason = checked_text("lift_reason", reason, multiline=True).strip()
    if not reason:
        raise ValidationFailed(
            _("Nie zniesiono wstrzymania."),
            fields={"lift_reason": [_("Podaj powód zniesienia wstrzymania.")]},
            code="legal_hold_invalid",
        )
    hold.lifted_at = timezone.now()
    hold.lifted_by = user if user.pk else None
    hold.lifted_by_username = user.get_username()
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lifted_by_username", "lift_reason"])
    Case.objects.filter(id=case.id).update(legal_hold=False)
    case.legal_hold = False
    _hold_audit(user, AuditAction.UPDATE, hold)
    return hold
