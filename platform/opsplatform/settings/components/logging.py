"""Structured logs: one JSON object per line, carrying the tenant schema and the request id
(opsplatform.request_id), never case content."""

from opsplatform.settings.components.environment import LOG_FORMAT, LOG_LEVEL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "tenant_context": {"()": "django_tenants.log.TenantContextFilter"},
        "request_id": {"()": "opsplatform.request_id.RequestIdLogFilter"},
    },
    "formatters": {
        "json": {"()": "opsplatform.logs.JsonFormatter"},
        "text": {
            "format": (
                "%(asctime)s %(levelname)s [%(schema_name)s] [%(request_id)s] %(name)s: %(message)s"
            )
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context", "request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
