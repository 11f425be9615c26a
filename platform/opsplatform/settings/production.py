"""Production: DEBUG off, demo mode refused, secrets only from the environment."""

import os

os.environ["DEBUG"] = "false"

from opsplatform.settings.base import *  # noqa: F403
from opsplatform.settings.components.environment import env
from opsplatform.static_files import with_static_files

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and the metrics scraper reach the web process directly over plain HTTP (a token, if any,
# never crosses a network nginx serves: nginx only redirects plain HTTP). /livez is answered
# before the redirect anyway.
SECURE_REDIRECT_EXEMPT = [r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Static files: `collectstatic` (image build, `make smoke`) writes content-hashed copies, gzip and
# a manifest; templates name the hashed files, and WhiteNoise serves them with a one-year
# immutable cache. A missing manifest entry is an error at render time, never a stale file.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MIDDLEWARE = with_static_files(MIDDLEWARE)  # noqa: F405
