"""The audit guard: PostgreSQL refuses to commit a change to an audited table without its entry.

Each audited table (the models built on ``AuditedRecord``) gets

* a deferred constraint trigger, for each inserted, updated or deleted row: at commit, the
  transaction must hold an audit entry for that row (same object type, its ``public_id`` before or
  after the change, action ``create`` / ``update`` / ``delete``). Otherwise the commit fails with
  an integrity error naming the table, the operation and the row. Entries written by the ORM
  (signals, ``AuditedQuerySet``) satisfy it; a raw ``UPDATE`` without an entry does not;
* a BEFORE TRUNCATE trigger refusing TRUNCATE.

Both stand aside while the transaction-local setting ``ops.audit_exempt`` is non-empty (the demo's
synthetic history sets it for its COPY; ``casework.audit.AUDIT_EXEMPT_SETTING``). The exemption is
read when the row is written (the trigger's WHEN clause), so exempt rows queue no check at all. A
restore (``session_replication_role = replica``) fires neither.

To find a transaction's entries the chaining trigger now also stores ``txid_current()`` in
``xact`` (not part of the hash, so the chain and ``audit_verify`` are unchanged).

A new audited model needs its table added here (in a new migration); a test checks that every
audited model's table carries the guard in every centre schema.
"""

from django.db import migrations

AUDITED_TABLES = (
    "casework_person",
    "casework_household",
    "casework_householdmember",
    "casework_incomerecord",
    "casework_intake",
    "casework_case",
    "casework_caseassignment",
    "casework_handover",
    "casework_application",
    "casework_familyinterview",
    "casework_decisionauthorisation",
    "casework_decision",
    "casework_delaynotice",
    "casework_appeal",
    "casework_activityentry",
    "casework_socialcontract",
    "casework_contractreview",
    "casework_individualprogramme",
    "casework_communityproject",
    "casework_projectparticipation",
    "casework_serviceplan",
    "casework_servicedelivery",
)

CHAIN_BEFORE = r"""
CREATE OR REPLACE FUNCTION casework_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""

# The same function, also storing the transaction id (not part of the hash).
CHAIN_WITH_XACT = CHAIN_BEFORE.replace(
    "    NEW.prev_hash := coalesce(last_hash, '');\n",
    "    NEW.prev_hash := coalesce(last_hash, '');\n    NEW.xact := txid_current();\n",
)

FUNCTIONS = r"""
CREATE FUNCTION casework_audit_required() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted text;
    ids text[];
    present boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        wanted := 'create';
        ids := ARRAY[NEW.public_id::text];
    ELSIF TG_OP = 'UPDATE' THEN
        wanted := 'update';
        ids := ARRAY[NEW.public_id::text, OLD.public_id::text];
    ELSE
        wanted := 'delete';
        ids := ARRAY[OLD.public_id::text];
    END IF;
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %I.casework_auditentry WHERE xact = txid_current() '
        'AND object_id = ANY($1) AND object_type = $2 AND action = $3)',
        TG_TABLE_SCHEMA
    ) INTO present USING ids, TG_ARGV[0], wanted;
    IF NOT present THEN
        RAISE EXCEPTION 'audit guard: % on %.% (public_id %) without an audit entry',
            TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, ids[1]
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Write through the ORM (casework.audit records the entry).';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION casework_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('ops.audit_exempt', true), '') = '' THEN
        RAISE EXCEPTION 'audit guard: TRUNCATE of %.% refused (no audit entries)',
            TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
"""


def _guard(table: str) -> str:
    label = table.replace("_", ".", 1)
    return f"""
CREATE CONSTRAINT TRIGGER {table}_audit_required
    AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (coalesce(current_setting('ops.audit_exempt', true), '') = '')
    EXECUTE FUNCTION casework_audit_required('{label}');
CREATE TRIGGER {table}_audit_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_no_truncate();
"""


def _unguard(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_audit_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_audit_required ON {table};
"""


FORWARD = CHAIN_WITH_XACT + FUNCTIONS + "".join(_guard(table) for table in AUDITED_TABLES)
BACKWARD = (
    "".join(_unguard(table) for table in AUDITED_TABLES)
    + """
DROP FUNCTION IF EXISTS casework_audit_no_truncate();
DROP FUNCTION IF EXISTS casework_audit_required();
"""
    + CHAIN_BEFORE
)


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_auditentry_xact")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
