-- A partition seen for the first time starts at offset 0 (if Kafka no longer has it,
-- the consumer resets to the earliest offset it has, and the writer reports the skipped
-- range); otherwise the stored position wins. Returns the position to seek to.
INSERT INTO ingest_offsets AS o (topic, kafka_partition, next_offset)
SELECT $1, p, 0 FROM unnest($2::int[]) AS n(p)
ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = o.next_offset
RETURNING kafka_partition, next_offset
