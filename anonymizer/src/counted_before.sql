-- The partition's next counted_before: the start of the oldest transaction
-- open in this database, or this transaction's start if none is older. Taken
-- before the pass reads anything, it is a bound on every ingest batch whose
-- events the pass may not see: such a batch commits after the pass's snapshot,
-- so it was open now or starts later, and its counters get last_counted_at =
-- its now(), at or after this. A second earlier covers the instant between a
-- backend taking its start time and publishing it in pg_stat_activity. Sessions
-- of other roles show no xact_start unless this role may read all statistics;
-- only the owner (and superusers) can write events.
SELECT least(now(), min(xact_start)) - interval '1 second'
FROM pg_stat_activity
WHERE datname = current_database()
  AND backend_type = 'client backend'
  AND xact_start IS NOT NULL
