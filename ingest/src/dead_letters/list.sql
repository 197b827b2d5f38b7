-- The newest $6 matching letters, without their payloads (only their sizes); replayed
-- ones too when $5.
SELECT id, topic, kafka_partition, kafka_offset, received_at, organization_id, reason, detail,
       octet_length(payload), replay_attempts, last_replay_at, replayed_at, replay_outcome,
       replayed_event_id
  FROM matching
 WHERE $5 OR replayed_at IS NULL
 ORDER BY id DESC
 LIMIT $6
