-- 0009 aggregation: what the nightly aggregator reads and writes.

-- The aggregator recomputes one (day, campaign) at a time, so events need an
-- index that finds a campaign's rows inside a day partition. Measured on 2M
-- time-ordered rows (binary COPY, PostgreSQL 15): primary key alone 6.5 s,
-- plus (organization_id, campaign_id) 12.2 s, plus the former
-- (organization_id, campaign_id, event_type, occurred_at DESC) and
-- (organization_id, occurred_at DESC) 15.0 s; out of time order the 4-column
-- index cost 60% more than the 2-column one. Dashboards read aggregates, not
-- events, so the narrow index is the only one ingest pays for.
DROP INDEX events_campaign_type_idx;
DROP INDEX events_org_time_idx;
CREATE INDEX events_campaign_idx ON events (organization_id, campaign_id);

-- When the row became final: the first aggregation run after its day ended
-- more than 24 hours ago, or a restatement. It counts every event stored by
-- then; events stored later are late. NULL while the day is not final.
ALTER TABLE event_aggregations
    ADD COLUMN counted_through timestamptz NULL,
    ADD CONSTRAINT event_aggregations_final_has_bound
        CHECK (is_final = (counted_through IS NOT NULL));

COMMENT ON COLUMN event_aggregations.counted_through IS
    'When the row became final: events stored by then are counted, later ones are late (event_late_counts)';

-- Events received after their day's row became final. The final row is never
-- rewritten by them; dashboards show them beside it, and a restatement
-- (tally run aggregate --restate DAY) folds them in on purpose.
CREATE TABLE event_late_counts (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    event_type      event_type NOT NULL,
    day             date NOT NULL,
    late_events     bigint NOT NULL CONSTRAINT event_late_counts_late_events_positive CHECK (late_events > 0),
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, campaign_id, event_type, day)
);

COMMENT ON TABLE event_late_counts IS
    'Events received after their day became final, per organization, campaign, type and UTC day';

SELECT tally_enable_tenant_rls('event_late_counts', 'SELECT');

-- What a run was asked to do (a restated day, for instance), and at most one
-- successful run per schedule slot, whichever replica ran it.
ALTER TABLE job_runs ADD COLUMN arguments jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT job_runs_arguments_object CHECK (jsonb_typeof(arguments) = 'object');

CREATE UNIQUE INDEX job_runs_slot_succeeded_once ON job_runs (job, scheduled_for)
    WHERE status = 'succeeded' AND scheduled_for IS NOT NULL;
