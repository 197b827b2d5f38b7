-- Per-connection staging table for batches that contain a repeat of a stored event:
-- COPY cannot skip conflicts, INSERT ... ON CONFLICT can. Temporary: no WAL.
CREATE TEMP TABLE IF NOT EXISTS tally_stage (LIKE events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
