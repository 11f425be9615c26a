"""Base class and helpers shared by every casework API view."""

from __future__ import annotations

from typing import Any, ClassVar, final

from django.db.models import Model
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.audit import Actor, reset_actor, set_actor
from casework.permissions import Capability, require_capability
from casework.visibility import audit_list_reads, require_url_access
from opsplatform.api.authentication import account
from opsplatform.client_address import client_ip
from tenants.accounts.models import User


class Pagination(PageNumberPagination):
    """Pages of 25 (``page_size`` up to 200). A ``page`` or ``page_size`` that is not a positive
    whole number is a 400 naming it (DRF would answer 404 for the page and silently ignore the
    size); a page past the last one stays a 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = serializers.IntegerField(min_value=1)
        return query_param(request, self.page_query_param, number, default=1)

    def get_page_size(self, request: Request) -> int:
        number = serializers.IntegerField(min_value=1, allow_null=True)
        size = query_param(request, self.page_size_query_param, number)
        return min(size, self.max_page_size) if size is not None else self.page_size


class CaseworkApiView(APIView):
    """Authenticated casework endpoint. After authentication, the user becomes the actor to whom
    the audit trail attributes every write and read made while the request is handled, and every
    record the URL names is checked against the user's scope (``casework.visibility``: 403 with
    ``household_out_of_scope`` outside it). A view that must run outside the scope (the
    break-glass request itself) sets ``scope_exempt``."""

    _actor_token: Any = None
    scope_exempt = False
    # For the OpenAPI schema: lists (``many=True`` answers) are documented as pages of
    # ``paginate`` with its ``page`` and ``page_size`` parameters; an unpaged list sets None.
    pagination_class: type[PageNumberPagination] | None = Pagination

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.user and request.user.is_authenticated:
            self._actor_token = set_actor(
                Actor.for_user(request.user, ip=client_ip(request._request))
            )
            if not self.scope_exempt:
                require_url_access(request.user, kwargs)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if self._actor_token is not None:
            reset_actor(self._actor_token)
            self._actor_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class PageResponse(Response):
    """A page of results that also carries the listed instances (for the read audit)."""

    page_objects: list[Any]


def paginate(
    view: CaseworkApiView, request: Request, queryset: Any, serializer: Any
) -> PageResponse:
    paginator = Pagination()
    page: list[Any] = list(paginator.paginate_queryset(queryset, request, view=view) or [])
    response = paginator.get_paginated_response(serializer(page, many=True).data)
    paged = PageResponse(response.data)
    paged.page_objects = page
    return paged


def query_param(
    request: Request, name: str, field: serializers.Field[Any, Any, Any, Any], default: Any = None
) -> Any:
    """A query parameter checked by a DRF field (an empty one counts as ``default``); an invalid
    one is a 400 whose ``fields`` names the parameter."""
    try:
        return field.run_validation(request.query_params.get(name) or default)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None


def validated(
    serializer_class: type[serializers.Serializer[Any]], data: Any, *, partial: bool = False
) -> dict[str, Any]:
    """The request data checked for shape and types (business rules are the services')."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CaseworkListApi(CaseworkApiView):
    """A paginated list (GET): the one way a casework API list answers. A subclass supplies the
    rows the user may see (:meth:`rows`, whose visibility filter, e.g. ``households_q``, is its
    job) and the ``serializer``; :meth:`get` checks ``read_capability``, pages the rows and then
    records the read of every listed record (``audit_list_reads``: with the break-glass reason
    where that is how a household is open to the user). ``get`` is final, so a list cannot answer
    without its audit; what a subclass may change is which records are recorded
    (:meth:`audited_records`) and the answer's envelope (:meth:`respond`). Lists of no
    household's data (staff, projects, the deadline rows) set ``audited = False``."""

    serializer: ClassVar[type[serializers.BaseSerializer[Any]]]
    read_capability: ClassVar[Capability] = Capability.READ
    # tests/casework/test_api_lists.py names the lists that set it False.
    audited: ClassVar[bool] = True

    @final
    def get(self, request: Request, **url: Any) -> Response:
        user = account(request)
        require_capability(user, self.read_capability)
        page = paginate(self, request, self.rows(request, user, **url), self.serializer)
        if self.audited:
            audit_list_reads(user, self.audited_records(page.page_objects))
        return self.respond(page)

    def rows(self, request: Request, user: User, **url: Any) -> Any:
        """The queryset to page: what ``user`` may see, filtered by the request's parameters."""
        raise NotImplementedError

    def audited_records(self, page: list[Any]) -> list[Model]:
        """The records whose read the page records: by default every listed one."""
        return page

    def respond(self, page: PageResponse) -> Response:
        return page
