-- 0008 ingest: what each ingest batch maintains besides the events themselves.
-- Both tables are keyed by the Kafka partition ("shard") that wrote the row:
-- a partition has one owner at a time, so concurrent writers never update, and
-- never wait on, each other's rows. Pipeline tables: no grants to tally_app.

-- Live counts of stored events, for dashboards of days not aggregated yet.
-- The sum over shards is the count; duplicates and dead letters are excluded.
CREATE TABLE event_counters (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    event_type      event_type NOT NULL,
    day             date NOT NULL,
    shard           integer NOT NULL CONSTRAINT event_counters_shard_nonnegative CHECK (shard >= 0),
    event_count     bigint NOT NULL CONSTRAINT event_counters_count_nonnegative CHECK (event_count >= 0),
    -- Set by the upsert itself, so no touch trigger runs per counted row.
    last_counted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, campaign_id, event_type, day, shard)
);

COMMENT ON TABLE event_counters IS
    'Live event counts per organization, campaign, type, UTC day and ingest shard (sum the shards)';

CREATE INDEX event_counters_day_idx ON event_counters (day);

-- The (day, campaign) sets an ingest batch touched since the aggregator last
-- took them: the aggregator deletes what it recomputes, in its own
-- transaction, so an entry inserted concurrently is never lost.
CREATE TABLE event_invalidations (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    day             date NOT NULL,
    shard           integer NOT NULL CONSTRAINT event_invalidations_shard_nonnegative CHECK (shard >= 0),
    first_touched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, campaign_id, day, shard)
);

COMMENT ON TABLE event_invalidations IS
    'Campaign days touched by ingest since the aggregator last recomputed them';
