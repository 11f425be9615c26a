"""One id per request (and per Celery task), in every log line, every audit entry, the response's
``X-Request-ID`` header and Sentry's events: what ties an operator's report to the lines of all
the processes that served it.

nginx sends its own ``$request_id`` as ``X-Request-ID`` (deploy/production/nginx.conf), so its
access log line carries the same id; without nginx a new id is made. A task sent during a request
carries the request's id (a message header) and logs with it on the worker; a task with none (beat)
uses its task id."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "ops_request_id"
# What we accept from the proxy: nginx's $request_id is 32 hex digits; anything else is replaced.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_current: ContextVar[str] = ContextVar("ops_request_id", default="")


def current_request_id() -> str:
    """The id of the request or task being served ("" outside of one)."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_request_id(value: str) -> Token[str]:
    return _current.set(value)


def reset_request_id(token: Token[str]) -> None:
    _current.reset(token)


def accepted(value: object) -> str | None:
    text = str(value or "")
    return text if _ACCEPTED.match(text) else None


class RequestIdMiddleware:
    """First in the chain: every later middleware, view and log line sees the id, and so do the
    lines Django's handler writes after the middleware (``django.request``'s 4xx/5xx line): the
    id is forgotten only when the response has been sent (``request_finished``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        set_request_id(request_id)
        _tag_sentry(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="opsplatform.request_id.forget")
def _forget_request_id(**kwargs: object) -> None:
    _current.set("")


def _tag_sentry(request_id: str) -> None:
    import sys

    sentry = sys.modules.get("sentry_sdk")
    if sentry is not None and sentry.get_client().is_active():
        sentry.get_isolation_scope().set_tag("request_id", request_id)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
