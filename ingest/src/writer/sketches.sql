-- The batch's unique-contact sketches, one fragment per day it touched.
INSERT INTO event_sketch_fragments (day, sketches)
SELECT * FROM unnest($1::date[], $2::bytea[])
