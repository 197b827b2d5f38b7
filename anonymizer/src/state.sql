-- A day's anonymization state, read inside its transaction: whether partition
-- $3 still exists (the archive may have dropped it meanwhile), its watermark
-- (if any), whether the watermark's keys cover the policy's keys ($2), and the
-- latest time ingest counted an event of day $1.
SELECT to_regclass($3::text) IS NOT NULL AS present,
       w.anonymized_through,
       w.counted_before,
       coalesce(w.pii_keys @> $2::text[], false) AS keys_covered,
       (SELECT max(c.last_counted_at) FROM event_counters c WHERE c.day = $1::date) AS last_counted_at
FROM (SELECT $1::date AS day) d
LEFT JOIN anonymized_partitions w ON w.day = d.day
