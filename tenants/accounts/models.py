import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

from opsplatform.schemas import current_schema
from tenants.accounts.roles import Role, role_is_allowed_in_schema
from tenants.teryt import Voivodeship


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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = "użytkownik"
        verbose_name_plural = "użytkownicy"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

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
