-- Matching letters per reason: still to replay, and replayed.
SELECT reason,
       count(*) FILTER (WHERE replayed_at IS NULL),
       count(*) FILTER (WHERE replayed_at IS NOT NULL)
  FROM matching
 GROUP BY reason
 ORDER BY reason
