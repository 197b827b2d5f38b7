-- Writes the counted rows of day $1. $2 is set when the day is final: the
-- moment the rows become final (NULL for a day not final yet). A final row is
-- never overwritten: later events are late (late.sql).
INSERT INTO event_aggregations AS a
    (organization_id, campaign_id, event_type, day, event_count, unique_contacts,
     is_final, counted_through, computed_at)
SELECT organization_id, campaign_id, event_type, $1, event_count, unique_contacts,
       $2::timestamptz IS NOT NULL, $2, $3
FROM tally_day_counts
ON CONFLICT (organization_id, campaign_id, event_type, day) DO UPDATE
SET event_count = EXCLUDED.event_count,
    unique_contacts = EXCLUDED.unique_contacts,
    is_final = EXCLUDED.is_final,
    counted_through = EXCLUDED.counted_through,
    computed_at = EXCLUDED.computed_at
WHERE NOT a.is_final
