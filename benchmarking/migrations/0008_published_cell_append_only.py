"""The ledger of published cells is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE
of ``benchmarking_publishedcell``.

Nothing in the product changes or removes a row: a release adds rows (``INSERT ... ON CONFLICT
DO NOTHING`` for a cell already recorded with the same outcome), a correction of the data is a
new row, the suppression memory is every row ever written. There is no retention of the ledger
(it holds aggregates and markers, no personal data). A centre's backup and restore
(``tenants.backup``) covers the centre's schema only and never touches this table. Whoever must
repair the table by hand (a database superuser) does so in a transaction with ``SET LOCAL
session_replication_role = replica``, where ordinary triggers do not fire; the runbook
(``deploy/runbooks/disclosure.md``) says why that is not done to releases. The tests that
commit an export through the worker remove its rows that way.

On Citus the table is a coordinator (local) table (``tenants.citus``): ordinary triggers work
there as on plain PostgreSQL, and a repair's ``SET LOCAL session_replication_role`` holds on
the coordinator. Were the table ever distributed, Citus would ask for
``citus.enable_unsafe_triggers`` (set for the database by ``citus_setup``); the statements are
written so that running them again is harmless.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION benchmarking_publishedcell_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger of published cells is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS benchmarking_publishedcell_no_update_delete ON benchmarking_publishedcell;
CREATE TRIGGER benchmarking_publishedcell_no_update_delete
    BEFORE UPDATE OR DELETE ON benchmarking_publishedcell
    FOR EACH ROW EXECUTE FUNCTION benchmarking_publishedcell_refuse_change();
DROP TRIGGER IF EXISTS benchmarking_publishedcell_no_truncate ON benchmarking_publishedcell;
CREATE TRIGGER benchmarking_publishedcell_no_truncate
    BEFORE TRUNCATE ON benchmarking_publishedcell
    FOR EACH STATEMENT EXECUTE FUNCTION benchmarking_publishedcell_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS benchmarking_publishedcell_no_truncate ON benchmarking_publishedcell;
DROP TRIGGER IF EXISTS benchmarking_publishedcell_no_update_delete ON benchmarking_publishedcell;
DROP FUNCTION IF EXISTS benchmarking_publishedcell_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0007_table_snapshot_source_mark")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
