-- 0011 anonymization: the watermarks of the weekly GDPR job (how far each
-- events partition and audit_logs are anonymized) and the one narrow
-- exception to audit_logs being append-only that the job needs. Pipeline
-- tables: only the owner, which runs the job, touches them; no grants to
-- tally_app.

-- One row per events partition (events_pYYYYMMDD) the job has anonymized, in
-- whole or up to the line. A partition without a row is not anonymized at all.
-- A row outlives its partition once the archive drops it; a partition made
-- again for that day (a late event) is caught by the late-event check below.
CREATE TABLE anonymized_partitions (
    day                date PRIMARY KEY,
    anonymized_through timestamptz NOT NULL,
    counted_before     timestamptz NOT NULL,
    pii_keys           text[] NOT NULL,
    last_method        text NOT NULL CONSTRAINT anonymized_partitions_last_method_known
                       CHECK (last_method IN ('rebuild', 'update', 'none')),
    anonymized_at      timestamptz NOT NULL,
    CONSTRAINT anonymized_partitions_through_within_day CHECK (
        anonymized_through > day::timestamp AT TIME ZONE 'UTC'
        AND anonymized_through <= (day + 1)::timestamp AT TIME ZONE 'UTC')
);

COMMENT ON TABLE anonymized_partitions IS
    'Anonymization watermark per events partition (GDPR job): how far each UTC day is anonymized';
COMMENT ON COLUMN anonymized_partitions.day IS
    'The UTC day of the partition events_pYYYYMMDD';
COMMENT ON COLUMN anonymized_partitions.anonymized_through IS
    'Events of the day that occurred before this have no ip_address and none of pii_keys in event_data; the day end when the whole day is done';
COMMENT ON COLUMN anonymized_partitions.counted_before IS
    'Every event counted by an ingest transaction that started before this is covered; a later event_counters.last_counted_at for the day means late events to anonymize';
COMMENT ON COLUMN anonymized_partitions.pii_keys IS
    'The event_data keys removed; a run configured with a key not in this list anonymizes the day again';
COMMENT ON COLUMN anonymized_partitions.last_method IS
    'How the last pass rewrote the rows: rebuild (copy and swap), update (in place) or none (nothing to remove)';
COMMENT ON COLUMN anonymized_partitions.anonymized_at IS
    'The clock of the run that made the last pass';

-- audit_logs is one table, so one row; the table is keyed by name so other
-- unpartitioned tables can get a watermark of their own.
CREATE TABLE anonymized_tables (
    table_name         text PRIMARY KEY CONSTRAINT anonymized_tables_table_name_known
                       CHECK (table_name IN ('audit_logs')),
    anonymized_through timestamptz NOT NULL,
    pii_keys           text[] NOT NULL,
    anonymized_at      timestamptz NOT NULL
);

COMMENT ON TABLE anonymized_tables IS
    'Anonymization watermark per unpartitioned table (GDPR job): audit_logs';
COMMENT ON COLUMN anonymized_tables.table_name IS
    'The anonymized table';
COMMENT ON COLUMN anonymized_tables.anonymized_through IS
    'Rows that occurred before this have no ip_address, no user_agent and none of pii_keys in changes';
COMMENT ON COLUMN anonymized_tables.pii_keys IS
    'The keys removed from changes; a run configured with a key not in this list anonymizes every old row again';
COMMENT ON COLUMN anonymized_tables.anonymized_at IS
    'The clock of the run that made the last pass';

-- audit_logs stays append-only for every role, with one exception: an UPDATE
-- in a transaction that set tally.anonymizing to 'on' (the anonymization job
-- does, with SET LOCAL) may clear ip_address and user_agent and remove
-- top-level keys from changes, and nothing else. The check compares every
-- other column through to_jsonb, so a column added later is protected
-- without touching this function. DELETE and TRUNCATE stay refused whatever
-- the setting. The application role has no UPDATE privilege on audit_logs, so
-- only the owner (or a superuser) reaches this trigger with an UPDATE at all.
CREATE OR REPLACE FUNCTION tally_refuse_audit_log_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('tally.anonymizing', true) = 'on' THEN
        IF to_jsonb(NEW) - ARRAY['ip_address', 'user_agent', 'changes']
               = to_jsonb(OLD) - ARRAY['ip_address', 'user_agent', 'changes']
           AND (NEW.ip_address IS NULL OR NEW.ip_address IS NOT DISTINCT FROM OLD.ip_address)
           AND (NEW.user_agent IS NULL OR NEW.user_agent IS NOT DISTINCT FROM OLD.user_agent)
           -- Every key left in changes is in the old changes with the same value.
           AND NOT EXISTS (
               SELECT 1 FROM jsonb_each(NEW.changes) n
               WHERE NOT (OLD.changes ? n.key AND OLD.changes -> n.key = n.value))
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_logs is append-only: anonymization may only clear ip_address and user_agent and remove keys from changes'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'record a new audit entry instead of changing an old one';
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'record a new audit entry instead of changing an old one';
END
$$;

COMMENT ON FUNCTION tally_refuse_audit_log_change() IS
    'Trigger body that makes audit_logs append-only, except removal of personal data by the anonymization job (tally.anonymizing = on)';
