-- Makes final the rows of days that ended more than the finality delay ago
-- ($2 seconds) and had no new events since they were computed: their counts
-- are already exact. Days up to $1 are past the line.
UPDATE event_aggregations
SET is_final = true,
    counted_through = ((day + 1)::timestamp AT TIME ZONE 'UTC') + make_interval(secs => $2),
    computed_at = $3
WHERE NOT is_final
  AND day <= $1
