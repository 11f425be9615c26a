import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac

from opsplatform.schemas import current_schema
from tenants.accounts.roles import Role, role_is_allowed_in_schema
from tenants.teryt import Voivodeship


def new_session_epoch() -> str:
    return secrets.token_hex(16)


class User(AbstractUser):
    """A person who logs in: a centre's staff member or a portal user.

    ``voivodeships`` scopes a regional coordinator (one or more voivodeship codes); it is empty for
    every other role. ``is_demo`` marks the demo accounts, which log in only in demo mode.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField("rola", max_length=32, choices=Role.choices)
    voivodeships = ArrayField(
        models.CharField(max_length=2, choices=Voivodeship.choices),
        default=list,
        blank=True,
        verbose_name="województwa",
    )
    is_demo = models.BooleanField("konto demonstracyjne", default=False)
    # Part of every session's authentication hash: a new value ends every session of the user
    # (log-out everywhere, password change or reset).
    session_epoch = models.CharField(max_length=32, default=new_session_epoch, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = "użytkownik"
        verbose_name_plural = "użytkownicy"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash (of the password hash) plus the epoch: Django checks it on every request,
        # so rotating the epoch logs the user out of every other session at once.
        key_salt = "tenants.accounts.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def rotate_session_epoch(self) -> None:
        """A new epoch (saved by the caller): every existing session of the user ends."""
        self.session_epoch = new_session_epoch()

    def voivodeship_labels(self) -> list[str]:
        labels = dict(Voivodeship.choices)
        return [str(labels.get(code, code)) for code in self.voivodeships]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[ValidationError]] = {}
        if self.role and not role_is_allowed_in_schema(self.role, current_schema()):
            errors.setdefault("role", []).append(
                ValidationError(
                    "Rola „%(role)s” nie może mieć konta w tym miejscu: konta pracowników "
                    "istnieją tylko w ośrodku, konta portalu tylko w portalu.",
                    code="role_not_allowed_here",
                    params={"role": self.get_role_display()},
                )
            )
        if self.role == Role.REGIONAL_COORDINATOR and not self.voivodeships:
            errors.setdefault("voivodeships", []).append(
                ValidationError(
                    "Koordynator regionalny musi mieć przypisane co najmniej jedno województwo.",
                    code="coordinator_without_scope",
                )
            )
        if self.role != Role.REGIONAL_COORDINATOR and self.voivodeships:
            errors.setdefault("voivodeships", []).append(
                ValidationError(
                    "Województwa przypisuje się tylko koordynatorom regionalnym.",
                    code="scope_not_allowed",
                )
            )
        if errors:
            raise ValidationError(errors)


class TOTPDevice(models.Model):
    """A user's authenticator app: the shared secret of time-based one-time codes (RFC 6238).

    An enrolment writes an unconfirmed device; the first correct code confirms it and replaces the
    user's previous device. ``last_step`` is the time step of the last accepted code, so one code
    is never accepted twice.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    secret = models.CharField(max_length=64)
    confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "urządzenie uwierzytelniające"
        verbose_name_plural = "urządzenia uwierzytelniające"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(confirmed=True),
                name="one_confirmed_totp_device_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"TOTP {self.user}"
