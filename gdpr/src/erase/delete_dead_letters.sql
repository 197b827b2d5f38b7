DELETE FROM dead_letters WHERE id = ANY($1)
