"""Access checks for pages. A page refused for a role answers 403 with the reason (the 403 page
shows it); a user who is not logged in is sent to the log-in page."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from opsplatform.errors import NotAllowed, NotFound
from opsplatform.schemas import current_schema
from tenants.accounts.models import User
from tenants.accounts.roles import PORTAL_ROLES, STAFF_ROLES

View = Callable[..., HttpResponse]


def roles_required(roles: Iterable[str], message: str) -> Callable[[View], View]:
    """Logged in, and holding one of ``roles``; else 403 with ``message``."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.role not in allowed:  # type: ignore[union-attr]
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def staff_required(view: View) -> View:
    """A page of a centre's host, for the centre's staff."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if current_schema() == "public" or request.user.role not in STAFF_ROLES:  # type: ignore[union-attr]
            raise PermissionDenied(_("Ta strona jest dostępna tylko dla pracowników ośrodka."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def staff_user(request: HttpRequest) -> User:
    """The signed-in account of a page behind ``staff_required`` (or ``roles_required``)."""
    return cast(User, request.user)


def portal_required(view: View) -> View:
    """A page of the portal host, for coordinators and ministry analysts."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if current_schema() != "public" or request.user.role not in PORTAL_ROLES:  # type: ignore[union-attr]
            raise PermissionDenied(_("Ta strona jest dostępna tylko w portalu."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def is_htmx(request: HttpRequest) -> bool:
    """A request made by htmx (it answers with a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


@contextlib.contextmanager
def domain_errors_as_http() -> Iterator[None]:
    """Domain errors that are not about a form become the HTTP answers they stand for: a
    service's ``NotAllowed`` a 403 with its message, ``NotFound`` a 404."""
    try:
        yield
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error
