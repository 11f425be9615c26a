"""Checks of what every request carries, made once for every page and API endpoint.

A NUL character (``%00``) in a query parameter or a form field cannot be stored or even searched
for in PostgreSQL (it refuses such a text), so it would surface as a server error wherever the
value reaches a query. It never belongs to anything a user types: the request is refused with 400
naming the parameter, in the API's error body under ``/api/`` and as a page elsewhere.

A page asked for with a method it does not take (a form's address opened from the address bar or
a bookmark: ``require_POST``) answers 405 with an empty body in Django; the clerk gets a page
saying what happened instead (the API's 405 already has its JSON body)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string

API_PREFIX = "/api/"
NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _names_with_nul(values: QueryDict) -> list[str]:
    return [
        name.replace(NUL, "\\0")
        for name, items in values.lists()
        if NUL in name or any(NUL in item for item in items)
    ]


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        names = _names_with_nul(request.GET)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            names += _names_with_nul(request.POST)
        if names:
            return self._refuse(request, names)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, names: list[str]) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            message = "Wartość zawiera niedozwolony znak NUL (%00)."
            return JsonResponse(
                {
                    "code": "invalid",
                    "message": "Dane zawierają błędy – popraw zaznaczone pola.",
                    "fields": {name: [message] for name in names},
                },
                status=400,
            )
        body = render_to_string("400.html", {"names": names}, request=request)
        return HttpResponse(body, status=400)


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.content
            and not request.path.startswith(API_PREFIX)
        ):
            allowed = response.get("Allow", "")
            response = HttpResponse(render_to_string("405.html", request=request), status=405)
            if allowed:
                response["Allow"] = allowed
        return response
