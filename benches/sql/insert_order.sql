-- What the order of inserted rows costs PostgreSQL, with the ingest's table layout.
--
--   psql -X -q -f benches/sql/insert_order.sql "$DATABASE_URL"
--
-- 1,000,000 rows over 7 day partitions with events' indexes (primary key (event_id,
-- occurred_at), index (organization_id, campaign_id)), inserted twice per order into
-- fresh tables, alternating: in time order (as the raw COPY baseline sends them, and as
-- a live stream arrives), and Kafka partition after Kafka partition (as a consumer
-- draining a backlog of 128 partitions reads them, each partition spanning the 7 days).
-- Ids are UUIDv7-like (time first), as producers send them. Leaves nothing behind.
\timing off
SET client_min_messages = warning;
DROP TABLE IF EXISTS io_rows, io_time, io_kafka;
CREATE TABLE io_rows AS
SELECT g AS seq,
       abs(hashint4(g % 150000)) % 128 AS kafka_partition,
       (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7'
        || substr(md5(g::text), 1, 19))::uuid AS event_id,
       1 + g % 3 AS organization_id, 1 + g % 12 AS campaign_id, g % 150000 AS contact_id,
       'OPEN'::text AS event_type, ts AS occurred_at, '203.0.113.7'::inet AS ip_address,
       '{"url": "https://example.com/offer", "user_agent": "Mozilla/5.0"}'::jsonb AS event_data
FROM (SELECT g, timestamptz '2026-11-16' + g * interval '604800 milliseconds' / 1000 AS ts
      FROM generate_series(0, 999999) g) x;
-- The two orders, materialised so that no sort is timed.
CREATE TABLE io_time AS SELECT * FROM io_rows ORDER BY seq;
CREATE TABLE io_kafka AS SELECT * FROM io_rows ORDER BY kafka_partition, seq;

CREATE OR REPLACE FUNCTION pg_temp.fresh(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %I', t);
  EXECUTE format('CREATE TABLE %I (event_id uuid, organization_id bigint, campaign_id bigint,
    contact_id bigint, event_type text, occurred_at timestamptz, ip_address inet, event_data jsonb,
    PRIMARY KEY (event_id, occurred_at)) PARTITION BY RANGE (occurred_at)', t);
  FOR d IN 0..7 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', t || '_' || d, t,
      timestamptz '2026-11-16' + d * interval '1 day', timestamptz '2026-11-16' + (d + 1) * interval '1 day');
  END LOOP;
  EXECUTE format('CREATE INDEX ON %I (organization_id, campaign_id)', t);
END $$;

\echo time order, then Kafka partition order
SELECT pg_temp.fresh('io_a'); SELECT pg_temp.fresh('io_b'); CHECKPOINT;
\timing on
INSERT INTO io_a SELECT event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data FROM io_time;
INSERT INTO io_b SELECT event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data FROM io_kafka;
\timing off
\echo Kafka partition order, then time order
SELECT pg_temp.fresh('io_a'); SELECT pg_temp.fresh('io_b'); CHECKPOINT;
\timing on
INSERT INTO io_b SELECT event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data FROM io_kafka;
INSERT INTO io_a SELECT event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data FROM io_time;
\timing off
\echo primary key sizes: time order, Kafka partition order
SELECT pg_size_pretty(sum(pg_relation_size(i.indexrelid))) AS primary_keys, c.relname
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_inherits h ON h.inhrelid = i.indrelid
JOIN pg_class c ON c.oid = h.inhparent
WHERE i.indisprimary AND c.relname IN ('io_a', 'io_b') GROUP BY c.relname ORDER BY c.relname;
DROP TABLE io_a, io_b, io_rows, io_time, io_kafka;
