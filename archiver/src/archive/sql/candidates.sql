-- Every table named like a day partition of events in events' schema, with whether it
-- is attached to events (from pg_inherits, not guessed from the name) and whether a
-- DETACH ... CONCURRENTLY of it was interrupted. The caller parses the day from the
-- name and keeps attached partitions before the line, and detached tables whose day
-- the manifest says is being archived.
SELECT c.relname::text AS name,
       i.inhrelid IS NOT NULL AS attached,
       coalesce(i.inhdetachpending, false) AS detach_pending,
       -- The planner's estimate, for progress reports only (-1 when never analyzed).
       c.reltuples::bigint AS estimated_rows
FROM pg_class c
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'events'::regclass
WHERE c.relkind = 'r'
  AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)
  AND c.relname ~ '^events_p[0-9]{8}$'
ORDER BY c.relname
