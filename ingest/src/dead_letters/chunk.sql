-- The next letters to replay after id $5: at most $6 of them, and no more than $7 bytes
-- of payload (but always the first, however large), so that memory stays bounded
-- whatever the letters hold. Not locked: the transaction that writes them locks them
-- and skips any another replay has marked meanwhile.
SELECT id, kafka_partition, kafka_offset, payload
  FROM (-- Sizes summed over the chunk only, not over every letter still to replay.
        SELECT *, sum(octet_length(payload)) OVER (ORDER BY id) - octet_length(payload) AS before
          FROM (SELECT id, kafka_partition, kafka_offset, payload
                  FROM matching
                 WHERE replayed_at IS NULL AND id > $5
                 ORDER BY id
                 LIMIT $6) AS next) AS sized
 WHERE before = 0 OR before < $7
 ORDER BY id
