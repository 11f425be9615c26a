"""Backup and restore of one centre: a restore finds every record again, in the same centre or in
another one; a damaged archive or one from another migration state is refused and changes nothing.

The commands run inside the test's transaction (rolled back afterwards), so the demo centres are
left as they were."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from casework.audit import audit_verify
from tenants.backup import schema_fingerprint
from tenants.models import Centre
from tenants.org.models import Team
from tests.tenants.test_provisioning import write_registry

pytestmark = pytest.mark.django_db

SLUG = "daleszyce"


def backup(tmp_path: Path, slug: str = SLUG) -> Path:
    path = tmp_path / f"{slug}.zip"
    out = io.StringIO()
    call_command("centre_backup", slug, "--output", str(path), stdout=out)
    assert f"{slug}: zapisano" in out.getvalue()
    return path


def restore(path: Path, into: str = SLUG, *, replace: bool = True) -> str:
    out = io.StringIO()
    args = [str(path), "--into", into] + (["--replace"] if replace else [])
    call_command("centre_restore", *args, stdout=out)
    return out.getvalue()


def vandalise(schema: str) -> None:
    """Delete every row of the three biggest tables (audit trail included) and rename units."""
    counts = schema_fingerprint(schema)
    biggest = sorted(counts, key=lambda t: counts[t][0], reverse=True)[:3]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in [*biggest, "casework_auditentry"]:
            cursor.execute(f'DELETE FROM "{schema}"."{table}"')  # noqa: S608
        cursor.execute("SET LOCAL session_replication_role = origin")
    with schema_context(schema):
        Team.objects.update(name="zmieniona nazwa")


def rewrite(path: Path, target: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, change.get(item.filename, src.read(item.filename)))
    return target


def test_a_restore_brings_back_every_record(tmp_path: Path) -> None:
    before = schema_fingerprint(SLUG)
    assert sum(rows for rows, _ in before.values()) > 100, "the demo centre should have data"
    assert before["casework_auditentry"][0] > 0
    path = backup(tmp_path)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {
        t: rows for t, (rows, _) in before.items()
    }

    vandalise(SLUG)
    assert schema_fingerprint(SLUG) != before

    out = restore(path)
    assert f"{SLUG}: odtworzono {len(before)} tabel" in out
    assert schema_fingerprint(SLUG) == before
    with schema_context(SLUG):  # the audit chain came back intact, not re-chained
        verified = audit_verify()
        assert verified.ok, verified.problem
        assert verified.checked == before["casework_auditentry"][0]
    # Sequences are past the restored ids: a new row gets a fresh id.
    with schema_context(SLUG):
        biggest = Team.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert Team.objects.create(code="nowy-zespol", name="Nowy", kind="team").id > biggest


def test_a_backup_restores_into_another_centre(tmp_path: Path) -> None:
    call_command(
        "provision_centres", "--registry", str(write_registry(tmp_path)), stdout=io.StringIO()
    )
    path = backup(tmp_path)
    with pytest.raises(CommandError, match="ma już dane"):
        restore(path, into="testowo", replace=False)
    out = restore(path, into="testowo")
    assert f"kopia ośrodka {SLUG}" in out
    assert schema_fingerprint("testowo") == schema_fingerprint(SLUG)
    with schema_context("testowo"):
        assert audit_verify().ok


def test_a_corrupted_archive_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    path = backup(tmp_path)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    table = next(t for t in manifest["tables"] if t["rows"] > 0)
    data = zipfile.ZipFile(path).read(table["file"])
    damaged = rewrite(path, tmp_path / "bad.zip", {table["file"]: data[:-2] + b"X\n"})
    with schema_context(SLUG):
        Team.objects.update(name="po kopii")
    after_change = schema_fingerprint(SLUG)
    with pytest.raises(CommandError, match=f"suma kontrolna tabeli {table['name']}"):
        restore(damaged)
    assert schema_fingerprint(SLUG) == after_change

    truncated = tmp_path / "cut.zip"
    truncated.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CommandError, match="Nie da się odczytać archiwum"):
        restore(truncated)
    assert schema_fingerprint(SLUG) == after_change


def test_an_archive_of_another_migration_state_is_refused(tmp_path: Path) -> None:
    path = backup(tmp_path)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    manifest["migrations"].append(["casework", "9999_from_the_future"])
    other = rewrite(path, tmp_path / "future.zip", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(CommandError, match=r"casework\.9999_from_the_future"):
        restore(other)


def test_an_unknown_centre_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Nie ma ośrodka „nieznany”"):
        call_command("centre_backup", "nieznany", "--output", str(tmp_path / "x.zip"))


def test_an_archive_holds_no_sessions_tokens_or_links_and_a_restore_ends_them(
    tmp_path: Path,
) -> None:
    from django.test import Client

    from tenants.accounts.encryption import encrypt
    from tenants.accounts.models import ApiToken, EnrolmentLink, TOTPDevice
    from tenants.accounts.two_factor import enrolment_link_issue
    from tenants.demo import DEMO_PASSWORD

    web = Client(HTTP_HOST=f"{SLUG}.localhost")
    web.post("/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD})
    assert web.get("/").status_code == 200
    key = Client(HTTP_HOST=f"{SLUG}.localhost").post(
        "/api/auth/token/",
        {"username": "kierownik", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    key = key.json()["token"]
    with schema_context(SLUG):
        from tenants.accounts.models import User

        manager = User.objects.get(username="kierownik")
        enrolment_link_issue(user=manager, issued_by="test")
        TOTPDevice.objects.create(
            user=manager, secret_encrypted=encrypt("JBSWY3DPEHPK3PXP"), confirmed=False
        )
    path = backup(tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = {t["name"] for t in json.loads(archive.read("manifest.json"))["tables"]}
        content = b"".join(archive.read(name) for name in archive.namelist())
    assert not names & {"django_session", "accounts_apitoken", "accounts_enrolmentlink"}
    assert "accounts_totpdevice" in names  # kept: the secret is encrypted
    assert str(web.session.session_key).encode() not in content
    assert key.encode() not in content
    assert b"JBSWY3DPEHPK3PXP" not in content

    restore(path)
    assert web.get("/").status_code == 302  # the session ended: log in again
    api = Client(HTTP_HOST=f"{SLUG}.localhost", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/households/").status_code == 401
    with schema_context(SLUG):
        assert not ApiToken.objects.exists() and not EnrolmentLink.objects.exists()


def test_backup_and_restore_read_the_catalog_once_not_per_table(tmp_path: Path) -> None:
    """information_schema's views scan every schema's tables and columns (no index serves them):
    20 s for one centre's backup at 500 centres, when it was read once per table. The catalog
    is read by the schema's oid, once per backup and twice per restore, whatever the tables."""
    with CaptureQueriesContext(connection) as backed_up:
        path = backup(tmp_path)
    with CaptureQueriesContext(connection) as restored:
        restore(path)
    for statements in (backed_up, restored):
        sent = [query["sql"] for query in statements.captured_queries]
        assert not [sql for sql in sent if "information_schema" in sql]
        assert len([sql for sql in sent if "pg_attribute" in sql]) <= 3
    tables = len(json.loads(zipfile.ZipFile(path).read("manifest.json"))["tables"])
    assert tables > 30
    # count(*) per table (the COPY goes through psycopg's own cursor), and a few more.
    assert len(backed_up.captured_queries) <= tables + 10


def test_every_centre_is_backed_up_into_a_directory_and_a_second_run_goes_on(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    call_command("centre_backup", "--all", str(tmp_path), stdout=out)
    archives = sorted(path.stem for path in tmp_path.glob("*.zip"))
    assert archives == sorted(Centre.objects.values_list("slug", flat=True))
    for slug in ("myslenice", "debica"):
        manifest = json.loads(zipfile.ZipFile(tmp_path / f"{slug}.zip").read("manifest.json"))
        assert manifest["source"]["slug"] == slug
    # A run killed midway leaves finished archives only; the next run writes the rest.
    (tmp_path / "debica.zip").unlink()
    kept = (tmp_path / "myslenice.zip").stat().st_mtime_ns
    out = io.StringIO()
    call_command("centre_backup", "--all", str(tmp_path), stdout=out)
    assert "1 do zapisania" in out.getvalue()
    assert (tmp_path / "debica.zip").exists()
    assert (tmp_path / "myslenice.zip").stat().st_mtime_ns == kept


@pytest.mark.parametrize(
    "args", [[], ["daleszyce"], ["daleszyce", "--all", "x"], ["--output", "x.zip", "--all", "x"]]
)
def test_backup_asks_for_a_centre_and_a_file_or_for_all(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("centre_backup", *args)
