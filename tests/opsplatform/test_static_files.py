"""Static files without a manual step: with the production storage, collectstatic writes
content-hashed names and a manifest, pages link the hashed names, and the web process itself
(WhiteNoise) serves them with a one-year immutable cache, before any host lookup."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from opsplatform.static_files import with_static_files
from tests.conftest import host

pytestmark = pytest.mark.django_db


MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PRODUCTION_SETTINGS = (
    Path(__file__).resolve().parents[2] / "platform/opsplatform/settings/production.py"
)


def test_production_uses_the_hashed_manifest_storage() -> None:
    # Read, not imported: importing production.py switches DEBUG off in this process' environment.
    text = PRODUCTION_SETTINGS.read_text()
    assert f'"staticfiles": {{"BACKEND": "{MANIFEST}"}}' in text
    assert "MIDDLEWARE = with_static_files(MIDDLEWARE)" in text


def test_collected_files_are_hashed_linked_and_cached_for_a_year(tmp_path: Path) -> None:
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=str(tmp_path),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": MANIFEST},
        },
        MIDDLEWARE=with_static_files(settings.MIDDLEWARE),
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_USE_FINDERS=False,
    ):
        call_command("collectstatic", "--noinput", stdout=io.StringIO())
        assert (tmp_path / "staticfiles.json").exists()
        client = Client()  # a fresh handler: WhiteNoise indexes STATIC_ROOT when it starts
        page = client.get("/konto/logowanie/", headers={"host": host("myslenice")})
        assert page.status_code == 200
        match = re.search(r'href="(/static/ops/base\.[0-9a-f]{12}\.css)"', page.text)
        assert match, "the log-in page does not link the hashed stylesheet"
        with CaptureQueriesContext(connection) as queries:
            served = client.get(match.group(1), headers={"host": host("myslenice")})
        assert served.status_code == 200
        assert len(queries) == 0
        assert "immutable" in served["Cache-Control"]
        assert "max-age=315360000" in served["Cache-Control"]
        assert served["X-Content-Type-Options"] == "nosniff"
        body = b"".join(served.streaming_content)  # type: ignore[attr-defined]  # a FileResponse
        assert body == (tmp_path / match.group(1).removeprefix("/static/")).read_bytes()
        compressed = client.get(
            match.group(1), headers={"host": host("myslenice"), "accept-encoding": "gzip"}
        )
        assert compressed["Content-Encoding"] == "gzip"
