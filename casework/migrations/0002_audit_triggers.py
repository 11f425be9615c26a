"""The audit trail is append-only and hash-chained, enforced by PostgreSQL itself.

* BEFORE INSERT: under a per-schema advisory lock, the entry gets the next chain position ``seq``
  and ``hash = sha256(canonical text of the entry | previous entry's hash)``. The lock makes
  concurrent writers take turns, so the chain never forks.
* BEFORE UPDATE / DELETE / TRUNCATE: refused.

``casework.audit.audit_verify`` recomputes the chain in Python from the stored values.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION casework_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.casework_auditentry'));
    EXECUTE format(
        'SELECT seq, hash FROM %I.casework_auditentry WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1',
        TG_TABLE_SCHEMA
    ) INTO last_seq, last_hash;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '');
    NEW.hash := encode(sha256(convert_to(concat_ws('|',
        NEW.seq::text,
        to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(NEW.actor_id::text, ''),
        NEW.actor_username,
        NEW.actor_role,
        NEW.action,
        NEW.object_type,
        NEW.object_id,
        NEW.person_id,
        NEW.household_id,
        coalesce(host(NEW.ip), ''),
        NEW.break_glass_reason,
        NEW.prev_hash
    ), 'UTF8')), 'hex');
    RETURN NEW;
END
$$;

CREATE FUNCTION casework_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER casework_auditentry_chain BEFORE INSERT ON casework_auditentry
    FOR EACH ROW EXECUTE FUNCTION casework_audit_chain();
CREATE TRIGGER casework_auditentry_no_update BEFORE UPDATE OR DELETE ON casework_auditentry
    FOR EACH ROW EXECUTE FUNCTION casework_audit_refuse();
CREATE TRIGGER casework_auditentry_no_truncate BEFORE TRUNCATE ON casework_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_refuse();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS casework_auditentry_no_truncate ON casework_auditentry;
DROP TRIGGER IF EXISTS casework_auditentry_no_update ON casework_auditentry;
DROP TRIGGER IF EXISTS casework_auditentry_chain ON casework_auditentry;
DROP FUNCTION IF EXISTS casework_audit_refuse();
DROP FUNCTION IF EXISTS casework_audit_chain();
"""


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
