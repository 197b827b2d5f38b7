-- The days whose events partition may need a pass, oldest first: partitions
-- whose day began before the line ($1) and that have no watermark, a
-- watermark short of the line or of the day's end, a watermark made without
-- one of the policy's keys ($2), or events counted by ingest after their last
-- pass (late events). Each day is checked again inside its own transaction;
-- this list only spares the run from opening one per partition.
WITH partitions AS (
    SELECT to_date(substr(c.relname, 9), 'YYYYMMDD') AS day
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass
      AND c.relname ~ '^events_p[0-9]{8}$'
)
SELECT p.day
FROM partitions p
LEFT JOIN anonymized_partitions w ON w.day = p.day
WHERE p.day::timestamp AT TIME ZONE 'UTC' < $1
  AND (w.day IS NULL
       OR NOT w.pii_keys @> $2::text[]
       OR w.anonymized_through < least($1, (p.day + 1)::timestamp AT TIME ZONE 'UTC')
       -- Ingest sets last_counted_at on every counter it upserts, so a later
       -- one means events stored after the last pass. Counters are read, not
       -- events: a few thousand rows a day at most.
       OR EXISTS (SELECT 1 FROM event_counters c
                  WHERE c.day = p.day AND c.last_counted_at > w.counted_before))
ORDER BY p.day
