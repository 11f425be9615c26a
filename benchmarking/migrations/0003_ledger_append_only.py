"""The privacy-budget ledger is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION benchmarking_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the privacy budget ledger is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER benchmarking_ledger_no_update_delete
    BEFORE UPDATE OR DELETE ON benchmarking_privacyledgerentry
    FOR EACH ROW EXECUTE FUNCTION benchmarking_ledger_refuse_change();
CREATE TRIGGER benchmarking_ledger_no_truncate
    BEFORE TRUNCATE ON benchmarking_privacyledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION benchmarking_ledger_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS benchmarking_ledger_no_truncate ON benchmarking_privacyledgerentry;
DROP TRIGGER IF EXISTS benchmarking_ledger_no_update_delete ON benchmarking_privacyledgerentry;
DROP FUNCTION IF EXISTS benchmarking_ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0002_tables_exports_ledger")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
