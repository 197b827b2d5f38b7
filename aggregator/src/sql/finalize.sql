-- Makes final, as of $2, the rows of days up to $1 (those that ended more than
-- the finality delay ago) that had no new events since they were computed:
-- their counts are exact already.
UPDATE event_aggregations
SET is_final = true,
    counted_through = $2
WHERE NOT is_final
  AND day <= $1
