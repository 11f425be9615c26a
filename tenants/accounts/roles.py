"""Roles. Staff roles exist only in a centre's schema, portal roles only in the public schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("pracownik pierwszego kontaktu")
    BENEFITS = "benefits", _("pracownik ds. świadczeń")
    SOCIAL_WORKER = "social_worker", _("pracownik socjalny")
    SERVICES_COORDINATOR = "services_coordinator", _("koordynator usług")
    MANAGER = "manager", _("kierownik")
    AUDITOR = "auditor", _("audytor (tylko odczyt)")
    REGIONAL_COORDINATOR = "regional_coordinator", _("koordynator regionalny")
    MINISTRY_ANALYST = "ministry_analyst", _("analityk ministerstwa")


STAFF_ROLES: frozenset[str] = frozenset(
    {
        Role.FIRST_CONTACT,
        Role.BENEFITS,
        Role.SOCIAL_WORKER,
        Role.SERVICES_COORDINATOR,
        Role.MANAGER,
        Role.AUDITOR,
    }
)
PORTAL_ROLES: frozenset[str] = frozenset({Role.REGIONAL_COORDINATOR, Role.MINISTRY_ANALYST})


def role_is_allowed_in_schema(role: str, schema_name: str) -> bool:
    """Staff roles belong in a centre's schema, portal roles in the public one."""
    from django_tenants.utils import get_public_schema_name

    if schema_name == get_public_schema_name():
        return role in PORTAL_ROLES
    return role in STAFF_ROLES
