"""The erasure register is append-only, enforced by PostgreSQL: UPDATE, DELETE and TRUNCATE of
``privacy_retentionrun`` and ``privacy_erasurerecord`` are refused, as for the audit trail."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION privacy_register_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'erasure register is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER privacy_retentionrun_no_update BEFORE UPDATE OR DELETE ON privacy_retentionrun
    FOR EACH ROW EXECUTE FUNCTION privacy_register_refuse();
CREATE TRIGGER privacy_retentionrun_no_truncate BEFORE TRUNCATE ON privacy_retentionrun
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_register_refuse();
CREATE TRIGGER privacy_erasurerecord_no_update BEFORE UPDATE OR DELETE ON privacy_erasurerecord
    FOR EACH ROW EXECUTE FUNCTION privacy_register_refuse();
CREATE TRIGGER privacy_erasurerecord_no_truncate BEFORE TRUNCATE ON privacy_erasurerecord
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_register_refuse();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS privacy_erasurerecord_no_truncate ON privacy_erasurerecord;
DROP TRIGGER IF EXISTS privacy_erasurerecord_no_update ON privacy_erasurerecord;
DROP TRIGGER IF EXISTS privacy_retentionrun_no_truncate ON privacy_retentionrun;
DROP TRIGGER IF EXISTS privacy_retentionrun_no_update ON privacy_retentionrun;
DROP FUNCTION IF EXISTS privacy_register_refuse();
"""


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
