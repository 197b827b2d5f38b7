-- 0020 gdpr, undone in reverse order: audit_logs back to the exception 0011
-- made (anonymization only), then the job's tables. gdpr_requests and
-- data_deletions (0006) stay, with what erasures wrote in them.

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

DROP FUNCTION tally_jsonb_redacts(jsonb, jsonb);
DROP FUNCTION tally_gdpr_lock_erased();
DROP FUNCTION tally_gdpr_erased_version();
DROP TABLE gdpr_erased_contacts;
DROP TABLE gdpr_erasure_steps;
DROP TABLE gdpr_subjects;
