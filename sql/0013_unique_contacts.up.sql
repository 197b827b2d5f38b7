-- 0013 unique contacts over ranges. A week's, a month's or a campaign's
-- unique contacts cannot be summed from daily exact counts, so they are
-- estimated with HyperLogLog sketches (schema::Sketch, 0.81% standard error),
-- which merge: ingest stores one fragment of sketches per batch and day, and
-- the aggregator folds the fragments into week, month and lifetime sketches.
-- docs/decisions.md has the measurements behind this choice.

-- Per batch and day: the sketches of the batch's stored events, per
-- organization, campaign and event type, in one blob (schema::Fragment).
-- Written in the batch's transaction, so a fragment exists exactly when its
-- events do; taken and deleted by the aggregator. Merging is idempotent, so
-- even a fragment merged twice would change nothing.
CREATE TABLE event_sketch_fragments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day        date NOT NULL,
    sketches   bytea NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);

-- Short-lived rows: compressing them would cost ingest time for no lasting gain.
ALTER TABLE event_sketch_fragments ALTER COLUMN sketches SET STORAGE EXTERNAL;

COMMENT ON TABLE event_sketch_fragments IS
    'Unique-contact sketches of ingest batches, per day, waiting to be merged by the aggregator';

-- One row per organization, campaign, event type and period. A row's sketch
-- only ever grows (merging is a per-register maximum), so each fragment is
-- folded in once and nothing is recounted from events.
CREATE TABLE event_unique_contacts (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    event_type      event_type NOT NULL,
    period          text NOT NULL CONSTRAINT event_unique_contacts_period_known
                    CHECK (period IN ('week', 'month', 'lifetime')),
    -- Monday of the ISO week, the first of the month, or 1970-01-01 for the
    -- campaign's lifetime (which has no start of its own).
    period_start    date NOT NULL,
    -- Estimated distinct contacts with an event of this type in the period,
    -- never more than `events`.
    unique_contacts bigint NOT NULL CONSTRAINT event_unique_contacts_nonnegative CHECK (unique_contacts >= 0),
    -- Events merged into the sketch.
    events          bigint NOT NULL CONSTRAINT event_unique_contacts_bounded CHECK (events >= unique_contacts),
    -- The earliest and latest days whose events are in the sketch.
    first_day       date NOT NULL,
    last_day        date NOT NULL,
    sketch          bytea NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, campaign_id, event_type, period, period_start),
    CONSTRAINT event_unique_contacts_days_ordered CHECK (first_day <= last_day),
    CONSTRAINT event_unique_contacts_start_aligned CHECK (
        CASE period
            WHEN 'week' THEN period_start = date_trunc('week', period_start)::date
            WHEN 'month' THEN period_start = date_trunc('month', period_start)::date
            ELSE period_start = date '1970-01-01'
        END)
);

COMMENT ON TABLE event_unique_contacts IS
    'Estimated unique contacts per organization, campaign, event type and week, month or lifetime (HyperLogLog)';

SELECT tally_enable_tenant_rls('event_unique_contacts', 'SELECT');

-- What Grafana reads: the estimates without the sketches.
CREATE VIEW campaign_unique_contacts WITH (security_invoker = true) AS
SELECT organization_id,
       campaign_id,
       event_type,
       period,
       CASE WHEN period = 'lifetime' THEN NULL ELSE period_start END AS period_start,
       CASE period
           WHEN 'week' THEN period_start + 7
           WHEN 'month' THEN (period_start + interval '1 month')::date
       END AS period_end,
       unique_contacts,
       first_day,
       last_day,
       computed_at
FROM event_unique_contacts;

COMMENT ON VIEW campaign_unique_contacts IS
    'Estimated unique contacts (0.81% standard error) per campaign, event type and week [start, end), month or lifetime (NULL bounds)';

GRANT SELECT ON campaign_unique_contacts TO tally_app;
