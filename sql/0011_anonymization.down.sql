-- 0011 anonymization, undone in reverse order: audit_logs back to strictly
-- append-only (the function as 0006 made it), then the watermarks.

CREATE OR REPLACE FUNCTION tally_refuse_audit_log_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'record a new audit entry instead of changing an old one';
END
$$;

COMMENT ON FUNCTION tally_refuse_audit_log_change() IS 'Trigger body that makes audit_logs append-only';

DROP TABLE anonymized_tables;
DROP TABLE anonymized_partitions;
