-- 0005 events, undone in reverse order. Dropping events drops every
-- partition with it.

DROP TABLE email_send_simulations;
DROP TABLE event_aggregations;
DROP FUNCTION tally_premake_partitions(integer, date);
DROP FUNCTION tally_create_day_partition(date);
DROP FUNCTION tally_ensure_day_partition(date);
DROP TABLE events;
DROP TYPE event_type;
