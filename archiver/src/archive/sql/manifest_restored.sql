-- The archived rows of day $1 are in its partition again. A day whose partition was
-- never dropped (dropped by hand) stays "not dropped"; either way the partition is
-- unverified until the next archive run reads it.
UPDATE archived_partitions
SET restored_at = CASE WHEN dropped_at IS NULL THEN NULL ELSE now() END,
    verified_snapshot = NULL
WHERE day = $1
