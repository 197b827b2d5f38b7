-- Forgets a day's aggregates and late counts before a restatement rewrites
-- them from the events.
WITH late AS (DELETE FROM event_late_counts WHERE day = $1)
DELETE FROM event_aggregations WHERE day = $1
