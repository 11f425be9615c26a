"""Every answer under ``/api/`` is the API's JSON, including the errors Django answers itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf

from opsplatform.api.exceptions import MESSAGES, body


class ApiErrorsAsJsonMiddleware:
    """An address under ``/api/`` that matches no endpoint is answered by ``handler404`` in
    JSON, but only when DEBUG is off: with DEBUG on, Django answers with its technical HTML page
    instead and never calls the handler. This turns any non-JSON 404 under ``/api/`` into the
    API's ``{"code", "message", "fields"}`` body, whatever DEBUG says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse(body(*MESSAGES[drf.NotFound]), status=404)
        return response
