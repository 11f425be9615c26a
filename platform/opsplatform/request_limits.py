"""Request bodies beyond Django's limits answer 413 with a Polish message, on every path.

Django refuses a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``) or a
form with more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields (``TooManyFieldsSent``), but only
when something first reads the body, and the exception then surfaces wherever that is: as a 500
inside an API view, as a bare 400 from the CSRF check of a page. ``RequestLimitsMiddleware``
reads the body up front instead, so the answer is always the same: 413, in the API's error
format (``{"code", "message", "fields"}``) under ``/api/`` and as a Polish page elsewhere.
Nothing has reached a view, so nothing is saved. An address with more query parameters than
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` is answered the same way, with 414 (URI Too Long).

Reading the body early costs nothing extra: ``request.body`` refuses an oversized body from its
Content-Length header before reading it, and a form's fields are parsed once and kept. A
multipart body is parsed as a form rather than read whole, so file uploads (never counted
against the memory limit by Django) stay possible.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

TOO_LARGE_ERRORS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
CODE = "request_too_large"
MESSAGE = (
    "Przesłane dane są za duże albo mają zbyt wiele pól – nic nie zostało zapisane. Skróć tekst "
    "(każde pole ma swój limit długości) i spróbuj ponownie."
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def too_large_response(request: HttpRequest, status: int = 413) -> HttpResponse:
    """The 413 answer (414 for an address with too many query parameters): API error JSON under
    ``/api/``, a Polish page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": CODE, "message": MESSAGE, "fields": {}}, status=status)
    # No request context: the page renders before sessions and authentication have run.
    return HttpResponse(render_to_string("errors/request_too_large.html"), status=status)


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.GET  # noqa: B018 - parsing counts the query's parameters, on any method
        except TooManyFieldsSent:
            return too_large_response(request, status=414)
        if request.method in _BODY_METHODS:
            try:
                if request.method == "POST" and request.content_type in (
                    "multipart/form-data",
                    "application/x-www-form-urlencoded",
                ):
                    request.POST  # noqa: B018 - parsing checks the size and the field count
                elif request.content_type != "multipart/form-data":
                    request.body  # noqa: B018 - checks Content-Length against the limit
            except TOO_LARGE_ERRORS:
                return too_large_response(request)
        return self.get_response(request)
