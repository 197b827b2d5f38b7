SELECT next_offset FROM ingest_offsets WHERE topic = $1 AND kafka_partition = $2
