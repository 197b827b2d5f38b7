-- 0012 archive: the manifest of the monthly archive job. Every events day
-- partition past the archive line is written to object storage as one Parquet
-- object, read back and verified, recorded here, and only then detached and
-- dropped. Pipeline table: only the owner, which runs the job, touches it; no
-- grants to tally_app.

-- One row per archived UTC day. The row is written after the object has been
-- read back and found to hold exactly the partition's rows, and before the
-- partition is detached; it outlives the partition. A partition that exists
-- again for an archived day (restored, or made anew for a late event) is
-- checked against this row before anything is dropped (docs/archive.md).
CREATE TABLE archived_partitions (
    day               date PRIMARY KEY,
    object_key        text NOT NULL CONSTRAINT archived_partitions_object_key_nonblank CHECK (btrim(object_key) <> ''),
    row_count         bigint NOT NULL CONSTRAINT archived_partitions_row_count_nonnegative CHECK (row_count >= 0),
    byte_count        bigint NOT NULL CONSTRAINT archived_partitions_byte_count_positive CHECK (byte_count > 0),
    checksum          text NOT NULL CONSTRAINT archived_partitions_checksum_hex CHECK (checksum ~ '^[0-9a-f]{32}$'),
    archived_at       timestamptz NOT NULL DEFAULT now(),
    -- While the partition is in the database and was found identical to the
    -- object: the snapshot it was read in. A row version that snapshot does
    -- not see was written since, which the drop checks cheaply.
    verified_snapshot pg_snapshot NULL,
    dropped_at        timestamptz NULL,
    restored_at       timestamptz NULL,
    CONSTRAINT archived_partitions_restored_after_drop
        CHECK (restored_at IS NULL OR dropped_at IS NOT NULL)
);

COMMENT ON TABLE archived_partitions IS
    'Archive manifest: one Parquet object per archived UTC day of events, verified before its partition was dropped';
COMMENT ON COLUMN archived_partitions.day IS
    'The UTC day of the partition events_pYYYYMMDD';
COMMENT ON COLUMN archived_partitions.object_key IS
    'Key of the Parquet object, relative to the archive URL: events/year=YYYY/month=MM/day=DD/events_pYYYYMMDD.parquet';
COMMENT ON COLUMN archived_partitions.row_count IS
    'Rows in the object, equal to the rows of the partition when it was verified';
COMMENT ON COLUMN archived_partitions.byte_count IS
    'Size of the object in bytes';
COMMENT ON COLUMN archived_partitions.checksum IS
    'Order-independent content checksum of the rows (docs/archive.md): sum mod 2^128 of the XXH3-128 hash of each row''s canonical encoding, as 32 hex digits';
COMMENT ON COLUMN archived_partitions.archived_at IS
    'When the object was last written and verified';
COMMENT ON COLUMN archived_partitions.verified_snapshot IS
    'While the partition is in the database and was found identical to the object: the snapshot it was read in; NULL otherwise';
COMMENT ON COLUMN archived_partitions.dropped_at IS
    'When the partition was last dropped; NULL while it has not been dropped since it was archived';
COMMENT ON COLUMN archived_partitions.restored_at IS
    'When the day was last restored into the database; NULL unless restored since the last drop';
