-- 0017 rate limit pairs, undone.

DROP FUNCTION tally_take_tokens(bigint, text, text, integer, integer, text, text, integer, integer);
