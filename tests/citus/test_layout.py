"""On Citus: every centre's schema is distributed by schema and sits on a worker, the template is
not; the dictionaries centre tables point at are reference tables, everything else public stays
on the coordinator; the audit trail stays append-only and guarded where the shards are."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from casework.models import AuditEntry, CaseAssignment
from tenants import citus
from tenants.models import Centre
from tests.citus.conftest import outside


def test_each_centre_is_a_distributed_schema_on_a_worker_and_the_template_is_not() -> None:
    centres = set(Centre.objects.values_list("schema_name", flat=True))
    placed = {schema: (host, port) for schema, host, port in citus.placement()}
    assert centres <= set(placed), placed
    assert "_template" not in placed
    workers = set(citus_workers())
    assert {placed[schema] for schema in centres} <= workers
    assert len({placed[schema] for schema in centres}) == 2  # both workers hold centres
    for schema in centres:
        # Every table of the centre is one shard, all on the same worker.
        shards = citus.schema_shards(schema)
        assert len({(host, port) for _, host, port in shards}) == 1, schema


def citus_workers() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nodename, nodeport FROM pg_dist_node WHERE shouldhaveshards")
        return [(str(host), int(port)) for host, port in cursor.fetchall()]


def test_dictionaries_are_reference_tables_and_the_rest_of_public_stays_local() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT logicalrelid::text, partmethod, repmodel FROM pg_dist_partition "
            "WHERE logicalrelid::text NOT LIKE '%%.%%'"
        )
        public = {name: (method, model) for name, method, model in cursor.fetchall()}
    assert {name: public.get(name) for name in citus.REFERENCE_TABLES} == dict.fromkeys(
        citus.REFERENCE_TABLES, ("n", "t")
    )
    # The registry, the portal's accounts and benchmarking: ordinary tables of the coordinator.
    for table in ("tenants_centre", "tenants_domain", "benchmarking_snapshot", "accounts_user"):
        assert table not in public


def test_the_audit_trail_refuses_change_on_the_worker() -> None:
    with schema_context("piaseczno"):
        for statement in (
            "UPDATE casework_auditentry SET action = 'x' WHERE seq = 1",
            "DELETE FROM casework_auditentry WHERE seq = 1",
            "TRUNCATE casework_auditentry",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                connection.cursor().execute(statement)
        assert AuditEntry.objects.filter(seq=1).exclude(action="x").exists()


def test_a_raw_change_without_an_entry_is_refused_at_commit_on_the_worker() -> None:
    """The guard is deferred to COMMIT, which Citus runs on the worker: the commit fails and the
    row is as it was. (SET CONSTRAINTS is not forwarded to workers, so only a real commit shows
    this on Citus.)"""
    outside(_raw_change_refused)


def _raw_change_refused() -> None:
    with schema_context("piaseczno"):
        target = CaseAssignment.objects.filter(ended_on__isnull=True).order_by("-pk").first()
        assert target is not None
        # A transaction writing to one worker commits there in one phase; the worker refuses the
        # COMMIT (its message goes to the log as a warning) and Citus reports the shard.
        refused = "without an audit entry|could not commit transaction for shard"
        with pytest.raises(DatabaseError, match=refused), transaction.atomic():
            connection.cursor().execute(
                "UPDATE casework_caseassignment SET ended_on = started_on WHERE id = %s",
                [target.pk],
            )
        target.refresh_from_db()
        assert target.ended_on is None


def test_every_centres_chain_holds() -> None:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().count("dziennik zdarzeń spójny") == Centre.objects.count()


def test_citus_setup_is_idempotent_and_prints_each_centres_worker() -> None:
    out = StringIO()
    call_command("citus_setup", "--placement", stdout=out)
    lines = out.getvalue().splitlines()
    assert not [line for line in lines if "is now a reference table" in line]  # already done
    for slug in Centre.objects.values_list("schema_name", flat=True):
        assert any(line.startswith(f"{slug}: worker 127.0.0.1:") for line in lines), lines


@pytest.mark.parametrize(
    "tables",
    [
        '"piaseczno".privacy_erasurerecord',
        '"piaseczno".privacy_retentionrun, "piaseczno".privacy_erasurerecord',
        "public.benchmarking_privacyledgerentry",
        "public.benchmarking_publishedcell",
    ],
)
def test_the_erasure_register_and_the_privacy_ledger_refuse_truncate(tables: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(f"TRUNCATE {tables}")
