-- In-place anonymization of the events that occurred in [$1, $2) (one
-- partition: the bounds prune the others). Rows with nothing to remove are not
-- rewritten, so a re-pass for late events writes only the late rows.
UPDATE events
SET ip_address = NULL,
    event_data = event_data - $3::text[]
WHERE occurred_at >= $1 AND occurred_at < $2
  AND (ip_address IS NOT NULL OR event_data ?| $3::text[])
