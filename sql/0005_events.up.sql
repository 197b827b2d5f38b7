-- 0005 events: the ingested campaign events (range-partitioned by UTC day),
-- the functions that make those partitions, the daily aggregates the
-- dashboards read, and the send simulations that generate synthetic events.

CREATE TYPE event_type AS ENUM (
    'SENT', 'OPEN', 'CLICK', 'BOUNCE', 'UNSUBSCRIBE', 'FORM_VIEW', 'FORM_SUBMIT'
);

-- No foreign keys, on purpose: ingest validates organization, campaign and
-- contact against an in-memory cache, and a foreign key would cost an index
-- probe and a row lock on the parent per row of every binary COPY. It would
-- also tie archiving and GDPR deletion of contacts to the events table.
--
-- No DEFAULT partition: a row for a day without a partition is rejected, so
-- ingest routes it to dead_letters instead of parking it where it would block
-- later partition maintenance.
CREATE TABLE events (
    event_id        uuid NOT NULL,
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    contact_id      bigint NOT NULL,
    event_type      event_type NOT NULL,
    occurred_at     timestamptz NOT NULL,
    ip_address      inet NULL,
    event_data      jsonb NOT NULL DEFAULT '{}'
                    CONSTRAINT events_event_data_object CHECK (jsonb_typeof(event_data) = 'object'),
    received_at     timestamptz NOT NULL DEFAULT now(),
    -- Dedup on event_id: a producer's retry carries the same event_id and
    -- occurred_at, so it lands in the same partition and hits this key.
    PRIMARY KEY (event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);

COMMENT ON TABLE events IS 'Append-only campaign events, one partition per UTC day (events_pYYYYMMDD)';

CREATE INDEX events_campaign_type_idx ON events (organization_id, campaign_id, event_type, occurred_at DESC);
CREATE INDEX events_org_time_idx ON events (organization_id, occurred_at DESC);

-- The application reads events through the parent only; ingest (the owner)
-- writes them. Partitions get no grants, so the application role cannot
-- reach a partition directly and bypass the parent's policy.
SELECT tally_enable_tenant_rls('events', 'SELECT');

-- Returns the partition of `day` and whether this call created it. The bounds
-- are spelled as UTC literals built from the date itself, so neither the
-- session TimeZone nor DateStyle can shift or garble them. The partition is
-- created standalone and then attached: ATTACH PARTITION takes only a SHARE
-- UPDATE EXCLUSIVE lock on events, so it does not wait for (or block) batches
-- being copied into other days, where CREATE TABLE ... PARTITION OF would
-- need an ACCESS EXCLUSIVE lock.
CREATE FUNCTION tally_ensure_day_partition(day date, OUT partition_name text, OUT created boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    existing regclass;
    lower_bound text;
    upper_bound text;
BEGIN
    IF day IS NULL OR NOT isfinite(day) THEN
        RAISE EXCEPTION 'cannot make an events partition for day %', coalesce(day::text, 'NULL');
    END IF;
    partition_name := 'events_p' || to_char(day, 'YYYYMMDD');
    created := false;

    existing := to_regclass(partition_name);
    IF existing IS NULL THEN
        lower_bound := to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00';
        upper_bound := to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00';
        BEGIN
            EXECUTE format(
                'CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                ' INCLUDING STORAGE INCLUDING COMPRESSION)', partition_name);
            EXECUTE format(
                'ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                partition_name, lower_bound, upper_bound);
            EXECUTE format(
                'COMMENT ON TABLE %I IS %L', partition_name,
                format('Events that occurred on %s (UTC); partition of events', to_char(day, 'YYYY-MM-DD')));
            created := true;
            RETURN;
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            -- Another session created it first: duplicate_table if it had
            -- committed before we looked, unique_violation on the catalog if
            -- it committed while we waited for it. Either way it now exists.
            existing := to_regclass(partition_name);
        END;
    END IF;

    IF existing IS NULL OR NOT EXISTS (
        SELECT 1 FROM pg_inherits WHERE inhrelid = existing AND inhparent = 'events'::regclass
    ) THEN
        RAISE EXCEPTION 'table % exists but is not a partition of events', partition_name
            USING HINT = 'rename or drop the stray table, then retry';
    END IF;
END
$$;

COMMENT ON FUNCTION tally_ensure_day_partition(date) IS
    'Creates the events partition of a UTC day if missing; returns its name and whether it was created';

CREATE FUNCTION tally_create_day_partition(day date) RETURNS text
    LANGUAGE sql
    AS $$ SELECT partition_name FROM tally_ensure_day_partition(day) $$;

COMMENT ON FUNCTION tally_create_day_partition(date) IS
    'Idempotent: ensures the events partition of a UTC day exists and returns its name (events_pYYYYMMDD)';

CREATE FUNCTION tally_premake_partitions(
    days integer,
    from_day date DEFAULT (now() AT TIME ZONE 'UTC')::date
) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    made integer := 0;
    was_created boolean;
BEGIN
    IF days IS NULL OR days < 0 THEN
        RAISE EXCEPTION 'days must be >= 0, got %', coalesce(days::text, 'NULL');
    END IF;
    IF from_day IS NULL THEN
        RAISE EXCEPTION 'from_day must not be NULL';
    END IF;
    FOR i IN 0 .. days - 1 LOOP
        SELECT created INTO was_created FROM tally_ensure_day_partition(from_day + i);
        IF was_created THEN
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END
$$;

COMMENT ON FUNCTION tally_premake_partitions(integer, date) IS
    'Ensures events partitions for from_day .. from_day + days - 1 (UTC) exist; returns how many it created';

-- Only the owner (ingest, the scheduler) manages partitions.
REVOKE EXECUTE ON FUNCTION tally_ensure_day_partition(date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tally_create_day_partition(date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tally_premake_partitions(integer, date) FROM PUBLIC;

-- Derived from events by the aggregator, which may see campaign ids the CRUD
-- tables no longer hold, hence no foreign keys here either.
CREATE TABLE event_aggregations (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    event_type      event_type NOT NULL,
    day             date NOT NULL,
    event_count     bigint NOT NULL CONSTRAINT event_aggregations_event_count_nonnegative CHECK (event_count >= 0),
    unique_contacts bigint NOT NULL CONSTRAINT event_aggregations_unique_contacts_range
                    CHECK (unique_contacts >= 0 AND unique_contacts <= event_count),
    -- A day is final 24h after it ends; later events are counted separately,
    -- not silently folded into a final row.
    is_final        boolean NOT NULL DEFAULT false,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, campaign_id, event_type, day)
);

COMMENT ON TABLE event_aggregations IS 'Daily event counts per organization, campaign and event type (UTC days)';

-- Written by the aggregator (the owner); the application only reads.
SELECT tally_enable_tenant_rls('event_aggregations', 'SELECT');

CREATE TABLE email_send_simulations (
    organization_id  bigint NOT NULL,
    id               bigint GENERATED BY DEFAULT AS IDENTITY,
    campaign_id      bigint NOT NULL,
    name             text NOT NULL CONSTRAINT email_send_simulations_name_nonblank CHECK (btrim(name) <> ''),
    total_recipients integer NOT NULL CONSTRAINT email_send_simulations_total_recipients_positive CHECK (total_recipients > 0),
    open_rate        numeric NOT NULL CONSTRAINT email_send_simulations_open_rate_range CHECK (open_rate BETWEEN 0 AND 1),
    click_rate       numeric NOT NULL CONSTRAINT email_send_simulations_click_rate_range CHECK (click_rate BETWEEN 0 AND 1),
    bounce_rate      numeric NOT NULL CONSTRAINT email_send_simulations_bounce_rate_range CHECK (bounce_rate BETWEEN 0 AND 1),
    unsubscribe_rate numeric NOT NULL CONSTRAINT email_send_simulations_unsubscribe_rate_range CHECK (unsubscribe_rate BETWEEN 0 AND 1),
    form_view_rate   numeric NOT NULL CONSTRAINT email_send_simulations_form_view_rate_range CHECK (form_view_rate BETWEEN 0 AND 1),
    form_submit_rate numeric NOT NULL CONSTRAINT email_send_simulations_form_submit_rate_range CHECK (form_submit_rate BETWEEN 0 AND 1),
    -- Same seed, same events: a simulation can be replayed exactly.
    seed             bigint NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CONSTRAINT email_send_simulations_status_known
                     CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    started_at       timestamptz NULL,
    finished_at      timestamptz NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT email_send_simulations_finished_has_time
        CHECK (status NOT IN ('completed', 'failed') OR finished_at IS NOT NULL),
    CONSTRAINT email_send_simulations_finished_after_start CHECK (finished_at >= started_at),
    FOREIGN KEY (organization_id, campaign_id) REFERENCES campaigns (organization_id, id)
);

COMMENT ON TABLE email_send_simulations IS 'Simulated campaign sends (rates, seed) that generate synthetic events; soft-deleted';

CREATE INDEX email_send_simulations_campaign_idx ON email_send_simulations (organization_id, campaign_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON email_send_simulations
    FOR EACH ROW EXECUTE FUNCTION tally_touch_updated_at();

SELECT tally_enable_tenant_rls('email_send_simulations');
