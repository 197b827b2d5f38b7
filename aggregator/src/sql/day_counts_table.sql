-- Per-transaction scratch space for one day's counts; emptied at each commit.
-- Made once per connection; the notice that it exists already is not news.
SET LOCAL client_min_messages = warning;
CREATE TEMP TABLE IF NOT EXISTS tally_day_counts (
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    event_type      event_type NOT NULL,
    event_count     bigint NOT NULL,
    unique_contacts bigint NOT NULL
) ON COMMIT DELETE ROWS;
