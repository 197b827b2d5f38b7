-- dead_letters: the records the ingest refused that carry the tenant's organization,
-- read only (the ingest writes them; `tally dead-letters replay` marks them replayed).
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app;
-- a letter whose organization could not be read belongs to no tenant); lists page by
-- id (pass the last id seen as `after`, 0 for the first page).

--: DeadLetter(detail?, replayed_at?, replay_outcome?, replayed_event_id?, last_replay_at?)
--: DeadLetterRecord(detail?, replayed_at?, replay_outcome?, replayed_event_id?, last_replay_at?)

--! list (reason?, since?) : DeadLetter
-- Without payloads (only their sizes): a page of them could be large.
SELECT organization_id, id, topic, kafka_partition, kafka_offset, octet_length(payload) AS payload_bytes,
       reason, detail, received_at, replay_attempts, last_replay_at, replayed_at, replay_outcome,
       replayed_event_id::text AS replayed_event_id
  FROM dead_letters
 WHERE organization_id = tally_current_org() AND id > :after
   AND (:reason::text IS NULL OR reason = :reason)
   AND (:since::timestamptz IS NULL OR received_at >= :since)
 ORDER BY id
 LIMIT :limit;

--! get : DeadLetterRecord
-- With the payload's first :max_payload_bytes bytes and its whole size.
SELECT organization_id, id, topic, kafka_partition, kafka_offset, octet_length(payload) AS payload_bytes,
       substring(payload FROM 1 FOR :max_payload_bytes) AS payload_head,
       reason, detail, received_at, replay_attempts, last_replay_at, replayed_at, replay_outcome,
       replayed_event_id::text AS replayed_event_id
  FROM dead_letters
 WHERE organization_id = tally_current_org() AND id = :id;
