-- 0019 dead-letter replay: `tally dead-letters replay` decodes stored records
-- again and writes those that now pass (a campaign created since, a limit
-- raised); a replayed letter is marked in the same transaction as its event,
-- so a second replay finds nothing left to do. Tenants read their own letters
-- through the API.

ALTER TABLE dead_letters
    -- When a replay wrote the letter's event, or found it already stored; NULL
    -- while the letter still fails. Never replayed again once set.
    ADD COLUMN replayed_at       timestamptz NULL,
    -- What that replay did: `stored` the event, or found it a `duplicate` of an
    -- event already stored.
    ADD COLUMN replay_outcome    text NULL
        CONSTRAINT dead_letters_replay_outcome_known CHECK (replay_outcome IN ('stored', 'duplicate')),
    -- The event the letter turned out to be.
    ADD COLUMN replayed_event_id uuid NULL,
    -- Replays that decoded the letter again, and the last of them: a letter that
    -- still fails carries that replay's reason and detail.
    ADD COLUMN replay_attempts   integer NOT NULL DEFAULT 0
        CONSTRAINT dead_letters_replay_attempts_nonnegative CHECK (replay_attempts >= 0),
    ADD COLUMN last_replay_at    timestamptz NULL,
    ADD CONSTRAINT dead_letters_replay_whole CHECK (
        (replayed_at IS NULL) = (replay_outcome IS NULL)
        AND (replayed_at IS NULL) = (replayed_event_id IS NULL)
        AND (replayed_at IS NULL OR last_replay_at = replayed_at));

COMMENT ON COLUMN dead_letters.organization_id IS
    'The record''s organization when it could be read; its tenants see the letter (NULL: operators only)';

-- The replay's work list: letters not replayed yet, by id.
CREATE INDEX dead_letters_pending_idx ON dead_letters (id) WHERE replayed_at IS NULL;
-- A tenant's letters, by id (the API's pages).
CREATE INDEX dead_letters_organization_idx ON dead_letters (organization_id, id);

-- Producers need to see what of theirs was refused and why: the application
-- role reads its organization's letters; a letter whose organization could not
-- be read (NULL) matches no tenant. Only the ingest and the replay, as the
-- owner, write them.
SELECT tally_enable_tenant_rls('dead_letters', 'SELECT');
