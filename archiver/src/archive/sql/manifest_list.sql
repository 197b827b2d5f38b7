SELECT day, object_key, row_count, byte_count, checksum, archived_at, dropped_at, restored_at,
       verified_snapshot::text
FROM archived_partitions
WHERE day BETWEEN coalesce($1, '-infinity'::date) AND coalesce($2, 'infinity'::date)
ORDER BY day
