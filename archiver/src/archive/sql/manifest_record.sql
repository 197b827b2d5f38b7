-- The object of day $1 was written and read back identical to the partition, which
-- was read in snapshot $6. A re-archived day replaces its row: the
-- partition is in the database again and not dropped yet.
INSERT INTO archived_partitions AS a
    (day, object_key, row_count, byte_count, checksum, archived_at, verified_snapshot)
VALUES ($1, $2, $3, $4, $5, now(), $6::text::pg_snapshot)
ON CONFLICT (day) DO UPDATE
SET object_key = EXCLUDED.object_key,
    row_count = EXCLUDED.row_count,
    byte_count = EXCLUDED.byte_count,
    checksum = EXCLUDED.checksum,
    archived_at = EXCLUDED.archived_at,
    verified_snapshot = EXCLUDED.verified_snapshot,
    dropped_at = NULL,
    restored_at = NULL
