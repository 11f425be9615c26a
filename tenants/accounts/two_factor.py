"""Two-factor log-in with an authenticator app (TOTP).

Required for every centre staff role (they see personal data) unless the deployment is a demo with
OPS_TWO_FACTOR=off; optional for the portal roles, who see only aggregates. A user who has set up
an app is always asked for its code, required or not.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.accounts import encryption, totp
from tenants.accounts.events import credentials_event
from tenants.accounts.models import EnrolmentLink, RecoveryCode, TOTPDevice, User
from tenants.accounts.roles import STAFF_ROLES

logger = logging.getLogger("tenants.accounts.two_factor")


def required_for(user: User) -> bool:
    """Whether the user may not log in without a second factor.

    Outside demo mode the requirement holds whatever the setting says (the environment refuses
    OPS_TWO_FACTOR=off there anyway).
    """
    if getattr(user, "role", None) not in STAFF_ROLES:
        return False
    return bool(settings.TWO_FACTOR_REQUIRED or not settings.DEMO_MODE)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def enrolment_device(user: User, device_id: int | None = None) -> TOTPDevice:
    """The user's unconfirmed device being set up (``device_id`` from the session), or a new one
    with a fresh secret; older unconfirmed devices are dropped."""
    if device_id is not None:
        existing = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
        if existing is not None:
            return existing
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(
        user=user, secret_encrypted=encryption.encrypt(totp.new_secret())
    )


def _accept(device: TOTPDevice, code: str, moment: float | None) -> int | None:
    """The step of a correct code not used before on this device, claimed atomically."""
    step = totp.matching_step(device.secret, code, moment)
    if step is None:
        return None
    claimed = (
        TOTPDevice.objects.filter(pk=device.pk)
        .filter(Q(last_step__isnull=True) | Q(last_step__lt=step))
        .update(last_step=step)
    )
    if not claimed:
        return None  # this code (or a later one) was already used
    device.last_step = step
    return step


def verify(user: User, code: str, moment: float | None = None) -> bool:
    """Whether ``code`` is a current, unused code of the user's confirmed device."""
    device = confirmed_device(user)
    return device is not None and _accept(device, code, moment) is not None


@transaction.atomic
def confirm(device: TOTPDevice, code: str, moment: float | None = None) -> bool:
    """Confirm a device being set up with its first code; it replaces the user's previous one."""
    if device.confirmed or _accept(device, code, moment) is None:
        return False
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed", "confirmed_at"])
    credentials_event.send(sender=TOTPDevice, user=device.user, action="create")
    return True


def remove(user: User) -> None:
    """Drop the user's devices (allowed only where two-factor log-in is optional)."""
    if required_for(user):
        raise ValueError("two-factor log-in is required for this user")
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


def provisioning(device: TOTPDevice, *, host: str) -> dict[str, str]:
    """What the set-up page shows: the secret (grouped) and the otpauth:// address."""
    issuer = f"{settings.TWO_FACTOR_ISSUER} {host.split(':')[0]}"
    return {
        "secret": totp.grouped(device.secret),
        "uri": totp.provisioning_uri(device.secret, account=device.user.username, issuer=issuer),
    }


# --- recovery codes -----------------------------------------------------------------------------

RECOVERY_CODE_BYTES = 10  # 80 bits: 16 base32 characters


def _recovery_hash(code: str) -> str:
    # Random 80-bit codes: a plain SHA-256 leaves nothing practical to brute-force.
    cleaned = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode("ascii").lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def recovery_codes_generate(user: User) -> list[str]:
    """A new set of one-time recovery codes (the old set ends); returned once, kept hashed."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(settings.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes
    )
    credentials_event.send(sender=RecoveryCode, user=user, action="create")
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()


def recovery_code_use(user: User, code: str) -> bool:
    """Whether ``code`` is an unused recovery code of the user; it is used up at once."""
    claimed = RecoveryCode.objects.filter(
        user_id=user.pk, code_hash=_recovery_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if claimed:
        logger.info("recovery code used", extra={"user_id": user.pk})
    return bool(claimed)


def looks_like_totp_code(code: str) -> bool:
    cleaned = "".join(code.split())
    return len(cleaned) == totp.DIGITS and cleaned.isdigit()


def verify_second_factor(user: User, code: str, moment: float | None = None) -> bool:
    """The log-in's second step: a current code of the user's app, or one of their recovery
    codes (used up)."""
    if confirmed_device(user) is None:
        return False
    if looks_like_totp_code(code):
        return verify(user, code, moment)
    return recovery_code_use(user, code)


# --- enrolment links ----------------------------------------------------------------------------


def _link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def enrolment_link_issue(*, user: User, issued_by: str) -> str:
    """A one-time link token for the user to set up the app (the earlier unused ones end).

    Returned once; only its hash is kept. Good for ENROLMENT_LINK_SECONDS.
    """
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    EnrolmentLink.objects.create(
        user=user,
        token_hash=_link_hash(token),
        issued_by=issued_by,
        expires_at=timezone.now() + timedelta(seconds=settings.ENROLMENT_LINK_SECONDS),
    )
    credentials_event.send(sender=EnrolmentLink, user=user, action="create")
    logger.info("enrolment link issued", extra={"user_id": user.pk, "issued_by": issued_by})
    return token


def enrolment_link_get(token: str) -> EnrolmentLink | None:
    """The link, if it is unused and not expired."""
    return (
        EnrolmentLink.objects.select_related("user")
        .filter(
            token_hash=_link_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def enrolment_link_use(link: EnrolmentLink) -> bool:
    """Use the link up; False when it was used (or expired) meanwhile."""
    return bool(
        EnrolmentLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
    )


@transaction.atomic
def two_factor_reset(*, user: User) -> None:
    """A lost device: drop the app, the recovery codes and unused links, and end every session
    and API token of the user. The user sets up a new app through a new enrolment link."""
    from tenants.accounts.services import credentials_changed

    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).delete()
    credentials_changed(user)
    credentials_event.send(sender=TOTPDevice, user=user, action="delete")
    logger.warning("two-factor reset", extra={"user_id": user.pk})


def staff_two_factor_list() -> list[dict[str, Any]]:
    """The active staff accounts of the current centre, each with whether the app is set up and
    whether an unused enrolment link is pending (two queries whatever the number of staff)."""
    from django.db.models import Exists, OuterRef

    now = timezone.now()
    staff = (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .annotate(
            has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            link_pending=Exists(
                EnrolmentLink.objects.filter(
                    user=OuterRef("pk"), used_at__isnull=True, expires_at__gt=now
                )
            ),
        )
        .order_by("last_name", "first_name", "username")
    )
    return [
        {"user": user, "has_device": user.has_device, "link_pending": user.link_pending}
        for user in staff
    ]
