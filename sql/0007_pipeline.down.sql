-- 0007 pipeline, undone in reverse order.

DROP TABLE job_runs;
DROP TABLE dead_letters;
DROP TABLE ingest_offsets;
DROP TYPE job_status;
