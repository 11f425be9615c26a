"""What each role may do in a centre. Services check these; the API answers 403 with the reason.

The rules follow the reorganised structure: first contact registers intakes and takes
applications but issues no decisions; the social-work team runs no administrative proceedings;
services coordinators plan and supervise care (and interview for service cases); decisions also need
the head's authorisation (checked by the decision service); the auditor only reads.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from opsplatform.errors import NotAllowed
from tenants.accounts.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tenants.accounts.models import User


class Capability(StrEnum):
    READ = "read"
    PERSON_WRITE = "person_write"
    INTAKE_REGISTER = "intake_register"
    CASE_MANAGE = "case_manage"
    APPLICATION_REGISTER = "application_register"
    INTERVIEW_CONDUCT = "interview_conduct"
    DECISION_ISSUE = "decision_issue"
    PROCEEDING_MANAGE = "proceeding_manage"
    AUTHORISATION_GRANT = "authorisation_grant"
    ACTIVITY_LOG = "activity_log"
    CONTRACT_MANAGE = "contract_manage"
    PROJECT_MANAGE = "project_manage"
    SERVICE_PLAN_MANAGE = "service_plan_manage"
    AUDIT_READ = "audit_read"


# The refusal of each capability, one whole sentence per capability so that it translates as a
# whole. The one source of the wording: the API says it in Polish (``require_capability``), a page
# in the page's language (``casework.ui.refusals.require``); in Polish the two are the same text.
REFUSALS: dict[Capability, Promise] = {
    Capability.READ: gettext_lazy("Rola „%(role)s” nie może przeglądać danych ośrodka."),
    Capability.PERSON_WRITE: gettext_lazy(
        "Rola „%(role)s” nie może zapisywać danych osób i gospodarstw."
    ),
    Capability.INTAKE_REGISTER: gettext_lazy("Rola „%(role)s” nie może rejestrować zgłoszeń."),
    Capability.CASE_MANAGE: gettext_lazy(
        "Rola „%(role)s” nie może zakładać spraw ani przekazywać ich między zespołami."
    ),
    Capability.APPLICATION_REGISTER: gettext_lazy("Rola „%(role)s” nie może przyjmować wniosków."),
    Capability.INTERVIEW_CONDUCT: gettext_lazy(
        "Rola „%(role)s” nie może przeprowadzać wywiadów środowiskowych."
    ),
    Capability.DECISION_ISSUE: gettext_lazy(
        "Rola „%(role)s” nie może wydawać decyzji administracyjnych."
    ),
    Capability.PROCEEDING_MANAGE: gettext_lazy(
        "Rola „%(role)s” nie może prowadzić postępowań (zawiadomienia, odwołania)."
    ),
    Capability.AUTHORISATION_GRANT: gettext_lazy(
        "Rola „%(role)s” nie może nadawać upoważnień do wydawania decyzji."
    ),
    Capability.ACTIVITY_LOG: gettext_lazy("Rola „%(role)s” nie może rejestrować czasu pracy."),
    Capability.CONTRACT_MANAGE: gettext_lazy(
        "Rola „%(role)s” nie może zawierać kontraktów socjalnych ani prowadzić programów."
    ),
    Capability.PROJECT_MANAGE: gettext_lazy(
        "Rola „%(role)s” nie może prowadzić projektów socjalnych i PAL."
    ),
    Capability.SERVICE_PLAN_MANAGE: gettext_lazy(
        "Rola „%(role)s” nie może planować usług ani rejestrować ich realizacji."
    ),
    Capability.AUDIT_READ: gettext_lazy(
        "Rola „%(role)s” nie może przeglądać dziennika dostępu do danych."
    ),
}

_ALL_WORK = {Capability.READ, Capability.PERSON_WRITE, Capability.INTAKE_REGISTER,
             Capability.CASE_MANAGE, Capability.ACTIVITY_LOG}  # fmt: skip

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.FIRST_CONTACT: frozenset(_ALL_WORK | {Capability.APPLICATION_REGISTER}),
    Role.BENEFITS: frozenset(
        _ALL_WORK
        | {
            Capability.APPLICATION_REGISTER,
            Capability.INTERVIEW_CONDUCT,
            Capability.DECISION_ISSUE,
            Capability.PROCEEDING_MANAGE,
        }
    ),
    Role.SOCIAL_WORKER: frozenset(
        _ALL_WORK | {Capability.CONTRACT_MANAGE, Capability.PROJECT_MANAGE}
    ),
    Role.SERVICES_COORDINATOR: frozenset(
        _ALL_WORK
        | {
            Capability.APPLICATION_REGISTER,
            Capability.INTERVIEW_CONDUCT,
            Capability.DECISION_ISSUE,
            Capability.PROCEEDING_MANAGE,
            Capability.SERVICE_PLAN_MANAGE,
        }
    ),
    Role.MANAGER: frozenset(set(Capability)),
    Role.AUDITOR: frozenset({Capability.READ, Capability.AUDIT_READ}),
}


def has_capability(user: User | AnonymousUser | None, capability: Capability) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def refusal_message(user: User | AnonymousUser | None, capability: Capability) -> str:
    """The sentence refusing ``capability`` to the user's role, in the active language."""
    role = str(getattr(user, "get_role_display", lambda: "")())
    return str(REFUSALS[capability]) % {"role": role}


def require_capability(user: User, capability: Capability) -> None:
    """Raise NotAllowed, saying in Polish what the user's role may not do."""
    if not has_capability(user, capability):
        with translation.override("pl"):  # the API answers in Polish whatever the language
            message = refusal_message(user, capability)
        raise NotAllowed(message, code=f"not_allowed_{capability.value}")
