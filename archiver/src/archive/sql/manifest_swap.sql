-- An edited copy of day $1's object (a GDPR erasure) takes the place of object $2:
-- compare-and-set, so an archive run that wrote the day again meanwhile wins. The
-- partition, if the database still holds it, is no longer proven identical to the
-- object: the next archive run compares it in full.
UPDATE archived_partitions
SET object_key = $3,
    row_count = $4,
    byte_count = $5,
    checksum = $6,
    archived_at = now(),
    verified_snapshot = NULL
WHERE day = $1 AND object_key = $2
