-- Moves a partition's position from where this writer believes it is to the end of
-- the batch. Zero rows means another consumer moved it first: this writer no longer
-- owns the partition (or its previous commit did land), and the batch must not commit.
UPDATE ingest_offsets
   SET next_offset = $3
 WHERE topic = $1 AND kafka_partition = $2 AND next_offset = $4
