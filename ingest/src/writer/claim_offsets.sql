-- A partition seen for the first time starts at the given offset (the topic's low
-- watermark); otherwise the stored position wins. Returns the position to seek to.
INSERT INTO ingest_offsets AS o (topic, kafka_partition, next_offset)
SELECT $1, p, start FROM unnest($2::int[], $3::bigint[]) AS n(p, start)
ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = o.next_offset
RETURNING kafka_partition, next_offset
