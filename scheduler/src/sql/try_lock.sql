-- One runner per job across every replica: a session lock, held for the run
-- and released by Postgres if the runner's connection dies. 1952541804 is
-- 'tall' in ASCII, the key space of tally's jobs.
SELECT pg_try_advisory_lock(1952541804, hashtext($1))
