-- The unique (topic, partition, offset) key keeps a replayed record from landing twice.
INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, payload, reason, detail, organization_id)
SELECT $1, p, o, payload, reason, detail, org
  FROM unnest($2::int[], $3::bigint[], $4::bytea[], $5::text[], $6::text[], $7::bigint[])
       AS d(p, o, payload, reason, detail, org)
ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING
