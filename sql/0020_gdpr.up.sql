-- 0020 gdpr: what the GDPR job needs to carry out export and erasure requests
-- (docs/gdpr.md): who a request is about, how far an erasure has got, which
-- contacts are erased (ingest strips their later events), and the one narrow
-- exception to audit_logs being append-only that an erasure needs. Pipeline
-- tables: only the owner, which runs the job, touches them; no grants to
-- tally_app (gdpr_requests and data_deletions are what the application sees).

-- The subject of a request, as the job resolved it when it started: the same
-- contacts are worked on by every step and every rerun, even once their
-- addresses are replaced. A user request (a platform user rather than a
-- contact) gets its row when it is filed, since gdpr_requests cannot say so.
CREATE TABLE gdpr_subjects (
    organization_id bigint NOT NULL,
    gdpr_request_id bigint NOT NULL,
    kind            text NOT NULL CONSTRAINT gdpr_subjects_kind_known CHECK (kind IN ('contact', 'user')),
    contact_ids     bigint[] NULL,
    user_id         bigint NULL,
    -- HMAC-SHA256 of the organization and the normalized address under
    -- TALLY_GDPR_KEY: what an erased address is recognised by afterwards.
    email_hash      text NULL CONSTRAINT gdpr_subjects_email_hash_hex CHECK (email_hash ~ '^[0-9a-f]{64}$'),
    resolved_at     timestamptz NULL,
    PRIMARY KEY (organization_id, gdpr_request_id),
    FOREIGN KEY (organization_id, gdpr_request_id) REFERENCES gdpr_requests (organization_id, id)
);

COMMENT ON TABLE gdpr_subjects IS
    'GDPR job: who each request is about (a contact address or a platform user), resolved once';

CREATE INDEX gdpr_subjects_email_hash_idx ON gdpr_subjects (organization_id, email_hash)
    WHERE email_hash IS NOT NULL;

-- Progress of an erasure: one row per finished unit (a step, or one partition
-- or archive object of a step), written in the unit's own transaction with its
-- changes and its receipt in data_deletions, so a rerun skips exactly what is
-- done and never writes a receipt twice.
CREATE TABLE gdpr_erasure_steps (
    organization_id bigint NOT NULL,
    gdpr_request_id bigint NOT NULL,
    step            text NOT NULL CONSTRAINT gdpr_erasure_steps_step_nonblank CHECK (btrim(step) <> ''),
    -- '' for a step done whole; the partition or archive object otherwise.
    target          text NOT NULL DEFAULT '',
    rows_changed    bigint NOT NULL CONSTRAINT gdpr_erasure_steps_rows_nonnegative CHECK (rows_changed >= 0),
    -- What a later unit needs to know: the replaced archive object to delete.
    detail          text NULL,
    done_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, gdpr_request_id, step, target),
    FOREIGN KEY (organization_id, gdpr_request_id) REFERENCES gdpr_requests (organization_id, id)
);

COMMENT ON TABLE gdpr_erasure_steps IS
    'GDPR job: the finished units of each erasure, so a rerun resumes after the last one';

-- Every erased contact, for ingest: an event that arrives later for one of
-- them is stored without its IP address and without these keys. Rows are only
-- added, one erasure at a time (see tally_gdpr_erased_version), so seq grows
-- in commit order and its maximum tells a reader whether it missed one.
CREATE TABLE gdpr_erased_contacts (
    organization_id bigint NOT NULL,
    contact_id      bigint NOT NULL,
    gdpr_request_id bigint NOT NULL,
    pii_keys        text[] NOT NULL,
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    erased_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, contact_id),
    CONSTRAINT gdpr_erased_contacts_seq_key UNIQUE (seq),
    FOREIGN KEY (organization_id, gdpr_request_id) REFERENCES gdpr_requests (organization_id, id)
);

COMMENT ON TABLE gdpr_erased_contacts IS
    'Erased contacts: ingest strips the IP address and these PII keys from their later events';

-- The version of gdpr_erased_contacts an ingest batch works with, read at the
-- start of its transaction. The shared lock is held until the batch commits,
-- and an erasure adds its contacts under the exclusive one: an erasure cannot
-- commit while a batch that read an older version is in flight (the erasure's
-- pass over events then finds that batch's rows), and a batch that starts
-- later waits for it and reads the new version. VOLATILE: the SELECT takes its
-- snapshot after the lock is granted.
CREATE FUNCTION tally_gdpr_erased_version() RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    -- ('gdpr', 'eras') in ASCII: a class of its own, apart from schema::AdvisoryLock's.
    PERFORM pg_advisory_xact_lock_shared(1734635634, 1701994867);
    RETURN (SELECT coalesce(max(seq), 0) FROM gdpr_erased_contacts);
END
$$;

COMMENT ON FUNCTION tally_gdpr_erased_version() IS
    'Ingest: the version of gdpr_erased_contacts, under a shared lock an erasure waits for';

-- Taken by an erasure, in the transaction that adds its contacts.
CREATE FUNCTION tally_gdpr_lock_erased() RETURNS void
    LANGUAGE sql VOLATILE
    AS $$ SELECT pg_advisory_xact_lock(1734635634, 1701994867) $$;

COMMENT ON FUNCTION tally_gdpr_lock_erased() IS
    'GDPR erasure: excludes ingest batches while erased contacts are added (tally_gdpr_erased_version)';

REVOKE EXECUTE ON FUNCTION tally_gdpr_erased_version() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tally_gdpr_lock_erased() FROM PUBLIC;

-- Whether `new` is `old` with some values blanked: equal, or the string
-- '[erased]', or an object whose every key is in `old` with a value that is
-- itself such a redaction, or an array of the same length whose elements are.
-- Nothing can be added or rewritten this way, only hidden.
CREATE FUNCTION tally_jsonb_redacts(old jsonb, new jsonb) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF new IS NOT DISTINCT FROM old OR new = '"[erased]"'::jsonb THEN
        RETURN true;
    END IF;
    IF old IS NULL OR new IS NULL OR jsonb_typeof(old) <> jsonb_typeof(new) THEN
        RETURN false;
    END IF;
    IF jsonb_typeof(new) = 'object' THEN
        RETURN NOT EXISTS (
            SELECT 1 FROM jsonb_each(new) n
            WHERE NOT (old ? n.key AND tally_jsonb_redacts(old -> n.key, n.value)));
    END IF;
    IF jsonb_typeof(new) = 'array' THEN
        RETURN jsonb_array_length(new) = jsonb_array_length(old)
           AND NOT EXISTS (
               SELECT 1 FROM generate_series(0, jsonb_array_length(new) - 1) i
               WHERE NOT tally_jsonb_redacts(old -> i, new -> i));
    END IF;
    RETURN false;
END
$$;

COMMENT ON FUNCTION tally_jsonb_redacts(jsonb, jsonb) IS
    'Whether new is old with some values replaced by "[erased]" or object keys removed (GDPR erasure of audit entries)';

-- audit_logs stays append-only, with two exceptions for the removal of
-- personal data, each keyed on a transaction-local setting only the owner's
-- jobs set (tally_app has no UPDATE privilege on audit_logs at all):
-- tally.anonymizing (0011, unchanged) and tally.gdpr_erasing, under which an
-- erasure may clear ip_address and user_agent and redact values in changes
-- (tally_jsonb_redacts). Every other column must stay as it was, compared
-- through to_jsonb so a column added later is protected too.
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
    IF TG_OP = 'UPDATE' AND current_setting('tally.gdpr_erasing', true) = 'on' THEN
        IF to_jsonb(NEW) - ARRAY['ip_address', 'user_agent', 'changes']
               = to_jsonb(OLD) - ARRAY['ip_address', 'user_agent', 'changes']
           AND (NEW.ip_address IS NULL OR NEW.ip_address IS NOT DISTINCT FROM OLD.ip_address)
           AND (NEW.user_agent IS NULL OR NEW.user_agent IS NOT DISTINCT FROM OLD.user_agent)
           AND tally_jsonb_redacts(OLD.changes, NEW.changes)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_logs is append-only: a GDPR erasure may only clear ip_address and user_agent and redact values in changes'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'replace a personal value with "[erased]" or remove its key; change nothing else';
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'record a new audit entry instead of changing an old one';
END
$$;

COMMENT ON FUNCTION tally_refuse_audit_log_change() IS
    'Trigger body that makes audit_logs append-only, except removal of personal data by the anonymization job (tally.anonymizing = on) and by a GDPR erasure (tally.gdpr_erasing = on)';
