"""Two-factor log-in with an authenticator app (TOTP).

Required for every centre staff role (they see personal data) unless the deployment is a demo with
OPS_TWO_FACTOR=off; optional for the portal roles, who see only aggregates. A user who has set up
an app is always asked for its code, required or not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.accounts import totp
from tenants.accounts.models import TOTPDevice, User
from tenants.accounts.roles import STAFF_ROLES


def required_for(user: Any) -> bool:
    """Whether the user may not log in without a second factor.

    Outside demo mode the requirement holds whatever the setting says (the environment refuses
    OPS_TWO_FACTOR=off there anyway).
    """
    if getattr(user, "role", None) not in STAFF_ROLES:
        return False
    return bool(settings.TWO_FACTOR_REQUIRED or not settings.DEMO_MODE)


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def enrolment_device(user: User, device_id: int | None = None) -> TOTPDevice:
    """The user's unconfirmed device being set up (``device_id`` from the session), or a new one
    with a fresh secret; older unconfirmed devices are dropped."""
    if device_id is not None:
        existing = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
        if existing is not None:
            return existing
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, secret=totp.new_secret())


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


def verify(user: Any, code: str, moment: float | None = None) -> bool:
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
    return True


def remove(user: User) -> None:
    """Drop the user's devices (allowed only where two-factor log-in is optional)."""
    if required_for(user):
        raise ValueError("two-factor log-in is required for this user")
    TOTPDevice.objects.filter(user=user).delete()


def provisioning(device: TOTPDevice, *, host: str) -> dict[str, str]:
    """What the set-up page shows: the secret (grouped) and the otpauth:// address."""
    issuer = f"{settings.TWO_FACTOR_ISSUER} {host.split(':')[0]}"
    return {
        "secret": totp.grouped(device.secret),
        "uri": totp.provisioning_uri(device.secret, account=device.user.username, issuer=issuer),
    }
