"""Web hardening: a strict Content-Security-Policy and X-Frame-Options on every response in every
environment (the suite runs with DEBUG on), and production settings that pass `check --deploy`."""

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponseBase
from django.test import Client

from opsplatform.security import SWAGGER_TEMPLATE, inline_style_hashes
from tests.conftest import CentreClientFactory

ROOT = Path(__file__).resolve().parents[2]
STRICT = {
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
}


def policy(response: HttpResponseBase) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response: HttpResponseBase) -> None:
    assert policy(response) == STRICT
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["daleszyce", None], ids=["centre", "portal"])
def test_login_page_carries_the_strict_policy(
    centre_client: CentreClientFactory, slug: str | None
) -> None:
    response = centre_client(slug).get("/konto/logowanie/")
    assert response.status_code == 200
    assert b"<form" in response.content
    assert_strict(response)


@pytest.mark.django_db
def test_logged_in_dashboard_carries_the_strict_policy(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in("daleszyce", "kierownik")
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_strict(response)
    # The page itself keeps to the policy: no inline script, style or event handler.
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> on the dashboard"
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+\s*=", html), "on*= handler on the dashboard"
    assert " style=" not in html


@pytest.mark.django_db
def test_api_and_error_responses_carry_the_policy_too(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in("daleszyce", "kierownik")
    assert_strict(client.get("/readyz"))
    assert_strict(centre_client("daleszyce").get("/api/cases/"))  # 401/403 JSON
    assert_strict(client.get("/api/schema/"))


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["daleszyce", None], ids=["centre", "portal"])
def test_swagger_docs_get_only_their_inline_style_allowed_by_hash(
    centre_client: CentreClientFactory, slug: str | None
) -> None:
    client: Client = centre_client(slug)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    directives = policy(response)
    header = response.headers["Content-Security-Policy"]
    assert "unsafe" not in header
    assert directives["script-src"] == ["'self'"]
    hashes = inline_style_hashes(SWAGGER_TEMPLATE)
    assert hashes and all(h.startswith("'sha256-") for h in hashes)
    assert directives["style-src"] == ["'self'", *hashes]
    assert {k: v for k, v in directives.items() if k != "style-src"} == {
        k: v for k, v in STRICT.items() if k != "style-src"
    }
    # Swagger UI's start-up script is an external file on this host, not an inline block.
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script_src = re.search(r'<script src="([^"]*script[^"]*)"', html)
    assert script_src, html
    script = client.get(script_src.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    # The hash really is the hash of the <style> block the page contains.
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in directives["style-src"]


def production_env(**extra: str) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' conftest for this process only.
    dropped = {"SECRET_KEY", "DEBUG", "DEMO_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return (
        clean
        | {
            "DJANGO_SETTINGS_MODULE": "opsplatform.settings.production",
            "DEBUG": "false",
            "DATABASE_URL": os.environ.get(
                "DATABASE_URL", "postgres://postgres@127.0.0.1:55432/ops"
            ),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/0"),
            "BASE_DOMAIN": "example.org",
            "OPS_SECRETS_KEYS": "dGVzdC1vbmx5LXNlY3JldHMta2V5LTAwMDAwMDAwMDA=",
        }
        | extra
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    secret = "".join(
        secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#%^*-_=+") for _ in range(50)
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(SECRET_KEY=secret),
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_has_the_policy_middleware_and_secure_cookies() -> None:
    snippet = (
        "import django; from django.conf import settings; django.setup(); "
        "print('csp.middleware.CSPMiddleware' in settings.MIDDLEWARE, "
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'], "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.X_FRAME_OPTIONS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=ROOT,
        env=production_env(SECRET_KEY="k" * 50),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "[\"'self'\"]", "True", "True", "DENY"]


def test_production_refuses_to_load_without_secret_key() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
