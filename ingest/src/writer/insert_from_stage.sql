-- Stores what is new and reports it; a repeat of a stored event is skipped.
INSERT INTO events
SELECT * FROM tally_stage
ON CONFLICT (event_id, occurred_at) DO NOTHING
RETURNING event_id, occurred_at
