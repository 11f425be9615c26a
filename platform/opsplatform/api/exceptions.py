"""One exception handler for every API: errors are ``{"code", "message", "fields"}`` JSON with the
right status and a Polish message, whatever raised them."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response

from opsplatform import request_limits
from opsplatform.errors import DomainError

logger = logging.getLogger(__name__)

MESSAGES: dict[type[drf.APIException], tuple[str, str]] = {
    drf.NotAuthenticated: ("not_authenticated", "Zaloguj się, aby kontynuować."),
    drf.AuthenticationFailed: ("authentication_failed", "Nieprawidłowe dane logowania lub token."),
    drf.PermissionDenied: ("permission_denied", "Nie masz uprawnień do tej operacji."),
    drf.NotFound: ("not_found", "Nie znaleziono."),
    drf.MethodNotAllowed: ("method_not_allowed", "Ta operacja nie jest dostępna pod tym adresem."),
    drf.NotAcceptable: ("not_acceptable", "Nieobsługiwany format odpowiedzi."),
    drf.UnsupportedMediaType: ("unsupported_media_type", "Nieobsługiwany format danych."),
    drf.ParseError: ("malformed", "Nie udało się odczytać przesłanych danych (błędny JSON?)."),
    drf.Throttled: ("throttled", "Zbyt wiele prób. Spróbuj ponownie za chwilę."),
}


# DRF texts that are not marked for translation, so no catalogue can make them Polish.
UNTRANSLATABLE = {
    "No data provided": "Nie przesłano danych – wyślij obiekt JSON z polami operacji.",
}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field" or "parent.child": [messages]}``."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" else f"{prefix}{key}"
            for inner, messages in _flatten(value, f"{name}.").items():
                fields.setdefault(inner if isinstance(value, dict) else name, []).extend(messages)
    elif isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict | list):
                for inner, messages in _flatten(item, prefix).items():
                    fields.setdefault(inner, []).extend(messages)
            else:
                fields.setdefault(prefix.rstrip(".") or "non_field_errors", []).append(
                    UNTRANSLATABLE.get(str(item), str(item))
                )
    else:
        fields.setdefault(prefix.rstrip(".") or "non_field_errors", []).append(
            UNTRANSLATABLE.get(str(detail), str(detail))
        )
    return fields


def body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            body("invalid", "Dane zawierają błędy – popraw zaznaczone pola.", fields), status=400
        )
    if isinstance(exc, request_limits.TOO_LARGE_ERRORS):
        # A body DRF parses itself (not read by RequestLimitsMiddleware): the same 413.
        return Response(body(request_limits.CODE, request_limits.MESSAGE), status=413)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.ValidationError):
        return Response(
            body("invalid", "Dane zawierają błędy – popraw zaznaczone pola.", _flatten(exc.detail)),
            status=400,
        )
    if isinstance(exc, drf.AuthenticationFailed) and exc.get_codes() != "authentication_failed":
        # A refused token says why (expired, two-factor now required…), in Polish already.
        response = Response(body(str(exc.get_codes()), str(exc.detail)), status=exc.status_code)
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            response["WWW-Authenticate"] = auth_header
        return response
    if isinstance(exc, drf.APIException):
        code, message = next(
            (value for kind, value in MESSAGES.items() if isinstance(exc, kind)),
            (str(exc.default_code), str(exc.detail)),
        )
        response = Response(body(code, message), status=exc.status_code)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, drf.Throttled) and wait:
            response["Retry-After"] = str(int(wait))
        return response
    view = context.get("view")
    logger.exception("unhandled API error", extra={"view": type(view).__name__})
    return Response(
        body(
            "server_error", "Wystąpił błąd serwera. Nic z zapisanych danych nie zostało utracone."
        ),
        status=500,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The ``handler404`` of both URL configurations: an address under ``/api/`` that matches no
    endpoint (or a malformed identifier in it) answers in the API's error format; pages keep
    the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(body(*MESSAGES[drf.NotFound]), status=404)
    return defaults.page_not_found(request, exception)
