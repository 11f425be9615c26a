"""django-tenants: which apps live in the public schema and which in every centre's schema."""

from opsplatform.settings.components.environment import BASE_DOMAIN, env

# Public schema: the centre registry, domains, portal accounts and (later) benchmark snapshots.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "tenants.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "casework.reference",
    "benchmarking",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

# Every centre's schema: its own staff accounts, sessions and staff positions, and (later) casework.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenants.accounts",
    "tenants.org",
    "casework",
    "casework.privacy",
]

INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Centre"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "opsplatform.urls_public"
ROOT_URLCONF = "opsplatform.urls_tenant"

# New centres are cloned from this schema, kept migrated by `provision_centres`, instead of
# replaying every migration (see tenants/provisioning.py).
TENANT_BASE_SCHEMA = "_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Spare schemas replayed from the template ahead of need, so that a new centre is a rename
# (tenants/spares.py); refilled by the worker. 0 turns them off (always so on Citus).
TENANT_SPARE_SCHEMAS = env.int("TENANT_SPARE_SCHEMAS", default=3)

# `migrate_schemas` migrates only the centre schemas that lack a migration, found in a few
# statements, each with a lock timeout and retried later when busy (tenants/migration_executor.py);
# `--executor=standard` or `multiprocessing` picks django-tenants' own.
GET_EXECUTOR_FUNCTION = "tenants.migration_executor.get_executor"
MIGRATION_LOCK_TIMEOUT = env.str("MIGRATION_LOCK_TIMEOUT", default="5s")
MIGRATION_LOCK_ROUNDS = env.int("MIGRATION_LOCK_ROUNDS", default=5)

# `migrate_schemas --executor=multiprocessing` across many centres.
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MIGRATION_PROCESSES", default=4)

# One `SET search_path` per request (after each switch of schema), not one per cursor. Safe with
# django-tenants 4: a rollback (or a rollback to a savepoint) forgets the setting it reverted, and
# every switch of tenant or schema forgets it too, so a query never runs on a stale path.
TENANT_LIMIT_SET_CALLS = True

DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

PORTAL_HOST = BASE_DOMAIN
