"""Project package of the OPS platform: settings, URL routing, WSGI/ASGI and the Celery app.

It lives inside the plain folder ``platform/`` (which has no ``__init__.py`` on purpose, so that it
never shadows the standard library's ``platform`` module).
"""

from opsplatform.celery import app as celery_app

__all__ = ["celery_app"]
