-- 0012 archive, undone. The Parquet objects stay in object storage: dropping
-- the manifest does not bring their rows back (restore them first).

DROP TABLE archived_partitions;
