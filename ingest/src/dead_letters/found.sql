-- Which of the ids asked for ($4) match the filters at all.
SELECT id FROM matching
