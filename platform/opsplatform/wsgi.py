"""The WSGI application: gunicorn's workers in production, runserver in development and in the
browser tests.

Before the process serves, it imports both URL configurations (so every view module), loads the
default language's catalogue and then moves everything allocated so far out of the garbage
collector's sight (``gc.freeze``). Otherwise the first requests of each process pay for those
imports and for a full collection walking every module's objects: the first dashboard after a
log-in took three to four times its usual CPU time."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.dev")

application = get_wsgi_application()


def _prepare_process() -> None:
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        get_resolver(urlconf).url_patterns  # noqa: B018  (imports the views)
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Zaloguj się")
    gc.collect()
    gc.freeze()


_prepare_process()
