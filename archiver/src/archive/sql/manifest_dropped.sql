UPDATE archived_partitions
SET dropped_at = now(), restored_at = NULL, verified_snapshot = NULL
WHERE day = $1
