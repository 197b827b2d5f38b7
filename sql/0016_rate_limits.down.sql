-- 0016 rate limits, undone.

DROP FUNCTION tally_take_token(bigint, text, text, integer, integer);
DROP FUNCTION tally_refilled(double precision, timestamptz, timestamptz, integer, integer);
DROP TABLE rate_limit_buckets;
DROP TABLE rate_limit_settings;
