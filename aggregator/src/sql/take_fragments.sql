-- Takes (deletes and returns) the oldest waiting sketch fragments, at most $1.
-- SKIP LOCKED: fragments another run has taken are its to merge.
DELETE FROM event_sketch_fragments
WHERE id IN (SELECT id FROM event_sketch_fragments ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id, day, sketches
