"""Bad input at scale: schemathesis generates valid and invalid requests for every operation of both
OpenAPI schemas (a centre's host and the portal's), loaded from the application itself, and sends
them in-process through Django's WSGI handler to the real PostgreSQL test database, authenticated
as a centre manager and as the ministry analyst. No answer may be a server error, every answer must
be one the schema documents (status, content type, body), and every 4xx must carry the documented
error body ``{"code": str, "message": str, "fields": {field: [str]}}``.

Each request runs in a savepoint that is rolled back, so writes (and a token log-out) never leak
into the next example or test. Generation is derandomized (the same requests on every run) and
bounded: FUZZ_EXAMPLES examples per operation and generation mode (default 6)."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.accounts.tokens import api_token_issue
from tests.conftest import host

pytestmark = [
    pytest.mark.django_db,
    # Longer than the per-schema budget below, so the budget, not the timeout, ends a slow run.
    pytest.mark.timeout(480),
    # Generated user names end up in the log-in lock-out's cache keys; Redis takes any key.
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]

CENTRE = "myslenice"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# A wall-clock bound per schema: past it the remaining operations are reported as not fuzzed
# (a failure), so a slow-down shows instead of silently stretching `make test`.
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "300"))
# Failed log-ins are counted per client address in the cache (not rolled back): the fuzzer's
# come from an address of its own (TEST-NET-1), so they never lock out the other tests' clients.
CLIENT = {"REMOTE_ADDR": "192.0.2.7"}


def error_body_shape(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx answer is JSON ``{"code": str, "message": str, "fields": {str: [str]}}``."""
    if not 400 <= response.status_code < 500:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}, not JSON"
    )
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"code", "message", "fields"}, body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    fields = body["fields"]
    assert isinstance(fields, dict), body
    for name, messages in fields.items():
        assert isinstance(name, str), body
        assert isinstance(messages, list), body
        assert all(isinstance(message, str) for message in messages), body


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_body_shape,
]


@contextmanager
def in_process_requests() -> Iterator[None]:
    """Keep the test's database connection (and its transaction) through a WSGI request, as
    Django's test client does (which reconnects the handlers after each of its own requests):
    a real server closes old connections around each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_for(slug: str | None, username: str) -> str:
    schema = slug or "public"
    with schema_context(schema):
        user = get_user_model().objects.get(username=username)
        return api_token_issue(user=user, name="fuzz", second_factor=True).key


def load_schema(slug: str | None) -> Any:
    response = Client(HTTP_HOST=host(slug)).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    return schemathesis.openapi.from_dict(response.json())


def collection_ids(slug: str | None, token: str, paths: set[str]) -> dict[str, list[str]]:
    """Identifiers of existing records for each collection (``/api/cases/``) whose items the
    schema addresses (``/api/cases/{case_id}/...``): some examples then reach real records."""
    client = Client(HTTP_HOST=host(slug), HTTP_AUTHORIZATION=f"Token {token}")
    found: dict[str, list[str]] = {}
    for path in sorted(paths):
        response = client.get(path)
        if response.status_code != 200:
            continue
        data = response.json()
        rows = data.get("results", []) if isinstance(data, dict) else data
        ids = [
            str(row.get("id") or row.get("public_id") or row.get("slug"))
            for row in rows[:5]
            if isinstance(row, dict) and (row.get("id") or row.get("public_id") or row.get("slug"))
        ]
        if ids:
            found[path] = ids
    return found


def item_parameter(path: str) -> tuple[str, str] | None:
    """``/api/cases/{case_id}/close/`` → (``/api/cases/``, ``case_id``)."""
    head, brace, rest = path.partition("{")
    if not brace:
        return None
    return head, rest.split("}", 1)[0]


def fuzz(slug: str | None, username: str) -> list[str]:
    token = token_for(slug, username)
    schema = load_schema(slug)
    operations = [result.ok() for result in schema.get_all_operations()]
    known = collection_ids(
        slug,
        token,
        {item[0] for op in operations if (item := item_parameter(op.path)) is not None},
    )
    app = WSGIHandler()
    base_url = f"http://{host(slug)}"
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    started = time.monotonic()
    for operation in operations:
        if time.monotonic() - started > BUDGET_SECONDS:
            failures.append(f"{operation.label}: not fuzzed, time budget exhausted")
            continue
        item = item_parameter(operation.path)
        real_ids = known.get(item[0], []) if item else []
        raw = operation.definition.raw
        # Invalid input needs something to make invalid: parameters or a body.
        modes = [GenerationMode.POSITIVE]
        if raw.get("parameters") or raw.get("requestBody"):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)
            if real_ids and item is not None:
                strategy = st.tuples(strategy, st.sampled_from([None, *real_ids])).map(
                    partial(with_path_parameter, item[1])
                )

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            )
            @given(case=strategy)
            def run(case: schemathesis.Case) -> None:
                with transaction.atomic(), in_process_requests():
                    response = case.call(
                        app=app, base_url=base_url, headers=headers, environ_overrides=CLIENT
                    )
                    transaction.set_rollback(True)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                # Nothing to make invalid: no parameters and no body.
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    return failures


def with_path_parameter(name: str, drawn: tuple[schemathesis.Case, str | None]) -> Any:
    """The case with an existing record's identifier in the path, when one was drawn."""
    case, value = drawn
    if value is not None and case.path_parameters is not None and name in case.path_parameters:
        case.path_parameters[name] = value
    return case


def test_centre_api_survives_bad_input() -> None:
    failures = fuzz(CENTRE, "kierownik")
    assert not failures, "\n\n".join(failures)


def test_portal_api_survives_bad_input() -> None:
    failures = fuzz(None, "analityk")
    assert not failures, "\n\n".join(failures)
