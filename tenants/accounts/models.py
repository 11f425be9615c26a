import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac

from opsplatform.schemas import current_schema
from tenants.accounts import encryption
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
    # The base32 secret, encrypted with OPS_SECRETS_KEYS (tenants/accounts/encryption.py); read
    # and set it through ``secret``.
    secret_encrypted = models.TextField()
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

    @property
    def secret(self) -> str:
        return encryption.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encryption.encrypt(value)


class RecoveryCode(models.Model):
    """One of the user's one-time recovery codes (used at log-in instead of the app's code), kept
    as the SHA-256 of the code: the codes are random (80 bits) and shown only once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "kod odzyskiwania"
        verbose_name_plural = "kody odzyskiwania"
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="one_recovery_code_hash")
        ]

    def __str__(self) -> str:
        return f"kod odzyskiwania {self.user}"


class ApiToken(models.Model):
    """An API client's token, one per device (``name``) of a user.

    Only the SHA-256 of the key is kept (the key is shown once, when issued); ``prefix`` (the
    key's first characters) finds the row and names the token in lists. A token ends after
    API_TOKEN_IDLE_SECONDS without use and API_TOKEN_MAX_AGE_SECONDS after it was issued;
    ``second_factor`` records whether it was issued with the app's (or a recovery) code, so that
    a token issued with the password alone stops working once the account needs two-factor
    log-in.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("urządzenie", max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    second_factor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "token API"
        verbose_name_plural = "tokeny API"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="one_api_token_per_device")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EnrolmentLink(models.Model):
    """A one-time link an administrator issues to a staff member to set up the authenticator
    app; only the SHA-256 of its random part is kept. Good until ``expires_at``, once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "link do ustawienia aplikacji"
        verbose_name_plural = "linki do ustawienia aplikacji"

    def __str__(self) -> str:
        return f"link {self.user}"
