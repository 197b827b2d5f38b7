-- 0015 API keys, undone. The permission vocabulary stays: roles may grant it.

DROP FUNCTION tally_authenticate(bytea);
DROP TABLE api_keys;
