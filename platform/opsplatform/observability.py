"""Sentry error reporting, switched on by ``SENTRY_DSN`` (settings/base.py calls ``init_sentry``
only then; without it sentry-sdk is not even imported and nothing leaves the machine).

Events carry the request id (tag ``request_id``, opsplatform.request_id) and the centre schema, and
no personal data: ``send_default_pii`` stays off (no user names, addresses, cookies or bodies)."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def init_sentry(dsn: str) -> None:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: install the production extra "
            "(requirements/production.lock)."
        ) from exc
    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
