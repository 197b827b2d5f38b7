-- The partition of day $1, read in snapshot $2, holds exactly the archived rows: a
-- row version that snapshot does not see was written since.
UPDATE archived_partitions SET verified_snapshot = $2::text::pg_snapshot WHERE day = $1
