"""Production refuses to start without a secret, and demo mode needs DEBUG."""

import os
import subprocess
import sys

import pytest

SNIPPET = "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)"


# A valid Fernet key (32 bytes, url-safe base64) for the settings that require one.
SECRETS_KEY = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTAwMDAwMDAwMDA="


def run_settings(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    dropped = {"SECRET_KEY", "DEBUG", "DEMO_MODE", "OPS_SECRETS_KEYS"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "-c", SNIPPET],
        env=clean | {"DJANGO_SETTINGS_MODULE": module, "OPS_SECRETS_KEYS": SECRETS_KEY} | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start() -> None:
    result = run_settings("opsplatform.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_with_secret_key_starts_with_debug_off() -> None:
    result = run_settings("opsplatform.settings.production", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("module", ["opsplatform.settings.production", "opsplatform.settings.base"])
def test_demo_mode_is_refused_without_debug(module: str) -> None:
    result = run_settings(module, SECRET_KEY="x" * 50, DEMO_MODE="true")
    assert result.returncode != 0
    assert "DEMO_MODE requires DEBUG" in result.stderr


def test_production_refuses_an_empty_or_short_secret_key() -> None:
    for value in ("", "short"):
        result = run_settings("opsplatform.settings.production", SECRET_KEY=value)
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr


def test_production_needs_valid_secrets_keys() -> None:
    for value in ("", "not-a-fernet-key"):
        result = run_settings(
            "opsplatform.settings.production", SECRET_KEY="x" * 50, OPS_SECRETS_KEYS=value
        )
        assert result.returncode != 0
        assert "OPS_SECRETS_KEYS" in result.stderr
