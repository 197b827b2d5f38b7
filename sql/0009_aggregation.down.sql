-- 0009 aggregation, undone in reverse order.

DROP INDEX job_runs_slot_succeeded_once;
ALTER TABLE job_runs DROP COLUMN arguments;

DROP TABLE event_late_counts;

ALTER TABLE event_aggregations
    DROP CONSTRAINT event_aggregations_final_has_bound,
    DROP COLUMN counted_through;

DROP INDEX events_campaign_idx;
CREATE INDEX events_campaign_type_idx ON events (organization_id, campaign_id, event_type, occurred_at DESC);
CREATE INDEX events_org_time_idx ON events (organization_id, occurred_at DESC);
