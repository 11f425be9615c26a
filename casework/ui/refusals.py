"""A capability refused on a page: a 403 page with the same sentence the API answers
(casework.permissions.REFUSALS, the one source of the wording), in the page's language."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from casework.permissions import Capability, has_capability, refusal_message
from tenants.accounts.models import User


def require(user: User, capability: Capability) -> None:
    """PermissionDenied (a 403 page) naming the user's role, unless the role has the capability."""
    if not has_capability(user, capability):
        raise PermissionDenied(refusal_message(user, capability))
