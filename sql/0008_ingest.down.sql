-- 0008 ingest, undone in reverse order.

DROP TABLE event_invalidations;
DROP TABLE event_counters;
