-- Day partitions of events that exist, by name (events_pYYYYMMDD).
SELECT c.relname::text
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'events'::regclass
