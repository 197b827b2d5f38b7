-- Releases the job's lock taken by try_lock.sql on this session.
SELECT pg_advisory_unlock(1952541804, hashtext($1))
