"""The refusal of each capability on a page, as one sentence per capability so that it translates
as a whole (the API says the same in Polish, built from casework.permissions.DESCRIPTIONS)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.permissions import Capability, has_capability
from tenants.accounts.models import User

REFUSALS: dict[Capability, Promise] = {
    Capability.READ: _("Rola „%(role)s” nie może przeglądać danych ośrodka."),
    Capability.PERSON_WRITE: _("Rola „%(role)s” nie może zapisywać danych osób i gospodarstw."),
    Capability.INTAKE_REGISTER: _("Rola „%(role)s” nie może rejestrować zgłoszeń."),
    Capability.CASE_MANAGE: _(
        "Rola „%(role)s” nie może zakładać spraw ani przekazywać ich między zespołami."
    ),
    Capability.APPLICATION_REGISTER: _("Rola „%(role)s” nie może przyjmować wniosków."),
    Capability.INTERVIEW_CONDUCT: _(
        "Rola „%(role)s” nie może przeprowadzać wywiadów środowiskowych."
    ),
    Capability.DECISION_ISSUE: _("Rola „%(role)s” nie może wydawać decyzji administracyjnych."),
    Capability.PROCEEDING_MANAGE: _(
        "Rola „%(role)s” nie może prowadzić postępowań (zawiadomienia, odwołania)."
    ),
    Capability.AUTHORISATION_GRANT: _(
        "Rola „%(role)s” nie może nadawać upoważnień do wydawania decyzji."
    ),
    Capability.ACTIVITY_LOG: _("Rola „%(role)s” nie może rejestrować czasu pracy."),
    Capability.CONTRACT_MANAGE: _(
        "Rola „%(role)s” nie może zawierać kontraktów socjalnych ani prowadzić programów."
    ),
    Capability.PROJECT_MANAGE: _("Rola „%(role)s” nie może prowadzić projektów socjalnych i PAL."),
    Capability.SERVICE_PLAN_MANAGE: _(
        "Rola „%(role)s” nie może planować usług ani rejestrować ich realizacji."
    ),
    Capability.AUDIT_READ: _("Rola „%(role)s” nie może przeglądać dziennika dostępu do danych."),
}


def require(user: User, capability: Capability) -> None:
    """PermissionDenied (a 403 page) naming the user's role, unless the role has the capability."""
    if not has_capability(user, capability):
        role = user.get_role_display()
        raise PermissionDenied(str(REFUSALS[capability]) % {"role": role})
