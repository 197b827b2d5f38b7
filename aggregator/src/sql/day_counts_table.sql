-- Per-transaction scratch space for one day's counts; emptied at each commit.
CREATE TEMP TABLE IF NOT EXISTS tally_day_counts (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    event_type      event_type NOT NULL,
    -- Every event of the key stored so far.
    total           bigint NOT NULL,
    -- Those received before the day's bound ($5 of count_pairs.sql), or all.
    counted         bigint NOT NULL,
    unique_contacts bigint NOT NULL
) ON COMMIT DELETE ROWS
