"""State that lives outside a centre's schema must not be shared between centres either. The cache
(Redis) is one server for every centre and the portal: each key is prefixed with the current schema
by the tenant key function, so the same key name written at one centre is a different key at
another and at the portal. Log-in lock-out counters live in that cache and are attacked in the
accounts tests. Files: no model stores files on disk (exports and documents live in the database
with their owner, or are built per request), so no file path can be shared; this test fails the day
someone adds a file field, so that its storage path is made per centre on purpose. Background tasks
without a centre, with the portal's schema or with an unknown schema are refused in
``tests/tasks/test_worker.py``.
"""

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django_tenants.utils import get_public_schema_name, schema_context

from tests.conftest import CENTRE_SLUGS

pytestmark = pytest.mark.django_db

KEY = "lockout:kierownik"  # the same user name exists at every centre


@pytest.fixture
def _clean_cache() -> Iterator[None]:
    yield
    for schema in [*CENTRE_SLUGS, get_public_schema_name()]:
        with schema_context(schema):
            cache.delete(KEY)


@pytest.mark.usefixtures("_clean_cache")
def test_the_same_cache_key_is_a_different_key_at_every_centre_and_the_portal() -> None:
    schemas = [*CENTRE_SLUGS, get_public_schema_name()]
    for schema in schemas:
        with schema_context(schema):
            assert cache.get(KEY) is None
            cache.set(KEY, f"value of {schema}", 60)
    for schema in schemas:
        with schema_context(schema):
            assert cache.get(KEY) == f"value of {schema}"


@pytest.mark.usefixtures("_clean_cache")
def test_a_key_written_at_one_centre_is_not_seen_at_another() -> None:
    with schema_context("myslenice"):
        cache.set(KEY, 5, 60)
        cache.incr(KEY)
    for schema in [s for s in CENTRE_SLUGS if s != "myslenice"] + [get_public_schema_name()]:
        with schema_context(schema):
            assert cache.get(KEY) is None, schema
            assert not cache.has_key(KEY)


def test_the_stored_key_names_its_schema() -> None:
    for schema in CENTRE_SLUGS:
        with schema_context(schema):
            stored = cache.make_key(KEY)
        assert stored.split(":")[0] == schema, stored


def test_no_model_keeps_files_on_a_shared_path() -> None:
    file_fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert file_fields == [], (
        "A model stores files on disk; give its storage a per-centre path (schema in upload_to) "
        f"and attack it in this file: {file_fields}"
    )
