-- The UTC days with campaign days waiting to be recomputed, oldest first.
SELECT DISTINCT day FROM event_invalidations ORDER BY day
