"""Settings shared by every environment. Values that vary come from components.environment."""

from opsplatform.settings.components import environment
from opsplatform.settings.components.celery import *  # noqa: F403
from opsplatform.settings.components.logging import LOGGING  # noqa: F401
from opsplatform.settings.components.tenancy import *  # noqa: F403
from opsplatform.static_files import static_file_headers

BASE_DIR = environment.BASE_DIR
PACKAGE_DIR = environment.PACKAGE_DIR
DEBUG = environment.DEBUG
DEMO_MODE = environment.DEMO_MODE
SECRET_KEY = environment.SECRET_KEY
BASE_DOMAIN = environment.BASE_DOMAIN
REDIS_URL = environment.REDIS_URL
# Reverse proxies in front of the web process whose X-Forwarded-For entries are trusted.
TRUSTED_PROXY_HOPS = environment.TRUSTED_PROXY_HOPS
READYZ_TOKEN = environment.READYZ_TOKEN
METRICS_TOKEN = environment.METRICS_TOKEN
SCHEMAS_PER_CONNECTION = environment.SCHEMAS_PER_CONNECTION
SNAPSHOT_CENTRES_PER_TASK = environment.SNAPSHOT_CENTRES_PER_TASK
env = environment.env

DATABASES = {"default": env.db_url_config(environment.DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if environment.DATABASE_POOL_MODE == "transaction":
    # PgBouncer in transaction pooling mode: the search path per transaction (SET LOCAL, every
    # view one transaction), no server-side cursors, no prepared statements
    # (opsplatform/transaction_pooling/base.py). Migrations go to PostgreSQL directly.
    DATABASES["default"]["ENGINE"] = "opsplatform.transaction_pooling"
    DATABASES["default"]["ATOMIC_REQUESTS"] = True
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

# Every centre is `<slug>.<BASE_DOMAIN>`, the portal is BASE_DOMAIN itself. Unknown hosts that pass
# this check are answered by the tenant middleware with a clear 404 page.
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *environment.EXTRA_ALLOWED_HOSTS]

MIDDLEWARE = [
    # The request id first: every log line and audit entry of the request carries it.
    "opsplatform.request_id.RequestIdMiddleware",
    # /livez, before host routing: on any host, without touching the database (opsplatform.health).
    "opsplatform.health.LivenessMiddleware",
    # Requests and latency by URL name for Prometheus (not /livez, not static files).
    "opsplatform.metrics.MetricsMiddleware",
    "opsplatform.middleware.CentreTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy below on every response, in every environment.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # An /api/ error that is not the API's JSON (Django's DEBUG 404 page) is answered in JSON.
    "opsplatform.api.middleware.ApiErrorsAsJsonMiddleware",
    # Polish unless the user picked English with the switch (a cookie); never the browser's.
    # The API is always Polish.
    "opsplatform.language.ChosenLanguageMiddleware",
    # A body over the limits below answers 413 (API JSON or a Polish page) before any view runs.
    "opsplatform.request_limits.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL character in a query parameter or form field: 400 naming it (PostgreSQL refuses it).
    "opsplatform.request_input.RejectNulMiddleware",
    # A page asked for with a method it does not take: 405 with a Polish page, not an empty body.
    "opsplatform.request_input.MethodNotAllowedPageMiddleware",
    "tenants.accounts.middleware.AccountKindMiddleware",
    "casework.ui.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opsplatform.context_processors.site",
                "opsplatform.ui.navigation.context",
            ],
        },
    },
]

WSGI_APPLICATION = "opsplatform.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tenants.accounts.backends.SchemaAwareBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cookies are host-only: no SESSION_COOKIE_DOMAIN / CSRF_COOKIE_DOMAIN, so a session made at
# myslenice.<BASE_DOMAIN> is never sent to debica.<BASE_DOMAIN> or to the portal.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle expiry: every request saves the session and moves its expiry SESSION_COOKIE_AGE ahead, so
# a session ends after OPS_SESSION_IDLE_MINUTES without a request; the accounts middleware ends it
# SESSION_MAX_AGE_SECONDS after the log-in whatever the activity.
SESSION_COOKIE_AGE = environment.SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# How long a process remembers which centre a host name belongs to (opsplatform/middleware.py).
TENANT_DOMAIN_CACHE_SECONDS = 30.0
SESSION_MAX_AGE_SECONDS = environment.SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-factor log-in (TOTP) for every staff role; may be off only in demo mode (environment.py).
TWO_FACTOR_REQUIRED = environment.TWO_FACTOR == "required"
TWO_FACTOR_ISSUER = "OPS"
# Fernet keys of secrets at rest (TOTP secrets): the first encrypts, all decrypt.
SECRETS_KEYS = environment.SECRETS_KEYS
# API tokens end after API_TOKEN_IDLE_SECONDS without use and API_TOKEN_MAX_AGE_SECONDS after
# they were issued; their last use is written at most once per API_TOKEN_TOUCH_SECONDS.
API_TOKEN_IDLE_SECONDS = environment.API_TOKEN_IDLE_DAYS * 24 * 60 * 60
API_TOKEN_MAX_AGE_SECONDS = environment.API_TOKEN_MAX_DAYS * 24 * 60 * 60
API_TOKEN_TOUCH_SECONDS = 60
# An enrolment link (set up the authenticator app) is good once, for this long.
ENROLMENT_LINK_SECONDS = environment.ENROLMENT_LINK_HOURS * 60 * 60
RECOVERY_CODE_COUNT = 10
# Failed log-ins (password or code) per user name and per client address, counted in the cache
# (per schema): past the limit within the window, the name or address is locked for LOCKOUT_SECONDS.
LOGIN_FAILURE_LIMIT = 5
LOGIN_IP_FAILURE_LIMIT = 30
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
LOGIN_LOCKOUT_SECONDS = 15 * 60
PASSWORD_RESET_TIMEOUT = 60 * 60
# Reset e-mails: one per address per interval, and so many requests per client address per hour.
PASSWORD_RESET_EMAIL_INTERVAL_SECONDS = 10 * 60
PASSWORD_RESET_REQUESTS_PER_ADDRESS = 10

_email = env.email_url_config(environment.EMAIL_URL)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = environment.DEFAULT_FROM_EMAIL
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy on every response, in every environment (django-csp): the pages
# load only this host's own scripts, styles, images and fonts, and use no inline script or style.
# The one exception, the Swagger docs' inline <style>, is allowed by hash on those views alone
# (opsplatform/security.py). Django's DEBUG error pages (404/500, DEBUG only) are left unpoliced.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Prefix every key with the current schema so centres never share a cache entry.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
}

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", "Polski"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "ops_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = environment.STATIC_ROOT
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Plain storage here (development and tests need no collectstatic; runserver serves the sources
# with DEBUG on); production.py switches to content-hashed names with a manifest, written by
# collectstatic in the image build, and serves them from the web process (WhiteNoise).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies: the longest text field takes 10,000 characters (opsplatform.text_rules) and
# nothing is uploaded, so Django's defaults (2.5 MB, 1,000 fields) leave ample room; they are
# stated here because RequestLimitsMiddleware answers anything beyond them with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "opsplatform.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "opsplatform.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OPS platform – API ośrodka",
    "DESCRIPTION": (
        "Casework API of one centre, served on the centre's own host. Authenticate with "
        "`POST /api/auth/token/` and send `Authorization: Token <token>`. Errors are JSON "
        '`{"code", "message", "fields"}` with a Polish message.'
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from validator.swagger.io: it would send the schema's URL to a third party and
    # break the img-src 'self' policy.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers ({"code", "message", "fields"}).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "opsplatform.api.schema_hooks.document_errors",
    ],
    # Several models have a `status`, `kind` or `outcome`: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "casework.models.proceedings.ApplicationStatus",
        "ContractStatusEnum": "casework.models.socialwork.ContractStatus",
        "ProgrammeStatusEnum": "casework.models.socialwork.ProgrammeStatus",
        "ProgrammeKindEnum": "casework.models.socialwork.ProgrammeKind",
        "ProjectKindEnum": "casework.models.socialwork.ProjectKind",
        "InterviewKindEnum": "casework.models.proceedings.InterviewKind",
        "DecisionOutcomeEnum": "casework.models.proceedings.DecisionOutcome",
        "IntakeOutcomeEnum": "casework.models.intake.IntakeOutcome",
        "CaseStatusEnum": "casework.models.cases.CaseStatus",
        "UnitKindEnum": "tenants.org.models.UnitKind",
    },
}


# Demo data builders run by `provision_centres --demo` for each centre, by dotted path, so that
# tenants never imports the apps that add their own synthetic data (casework, later).
DEMO_DATA_BUILDERS: list[str] = [
    "casework.demo.build",
    "casework.demo_today.build",
    "casework.privacy.demo.build",
]
# The port `make run` serves on, for the URLs printed to the console.
RUN_PORT = env.int("PORT", default=8000)

# Errors to Sentry when SENTRY_DSN is set (sentry-sdk, the production extra); nothing otherwise.
if environment.SENTRY_DSN:
    from opsplatform.observability import init_sentry

    init_sentry(environment.SENTRY_DSN)
