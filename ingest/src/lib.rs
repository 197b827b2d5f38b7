//! Kafka to Postgres ingest: decode and validate events, batch them, binary COPY into
//! day partitions exactly once, and route bad records to dead letters.
