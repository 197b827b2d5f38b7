-- 0019 dead-letter replay, undone.

REVOKE USAGE ON SEQUENCE dead_letters_id_seq FROM tally_app;
REVOKE SELECT ON dead_letters FROM tally_app;
DROP POLICY tenant_isolation ON dead_letters;
ALTER TABLE dead_letters DISABLE ROW LEVEL SECURITY;
DROP INDEX dead_letters_organization_idx;
DROP INDEX dead_letters_pending_idx;
COMMENT ON COLUMN dead_letters.organization_id IS NULL;
ALTER TABLE dead_letters
    DROP CONSTRAINT dead_letters_replay_whole,
    DROP COLUMN last_replay_at,
    DROP COLUMN replay_attempts,
    DROP COLUMN replayed_event_id,
    DROP COLUMN replay_outcome,
    DROP COLUMN replayed_at;
