-- Locks the chunk's letters that are still to replay, for the rest of the transaction;
-- a letter another replay marked meanwhile is left out (READ COMMITTED re-checks the
-- condition on the row it waited for).
SELECT id
  FROM dead_letters
 WHERE id = ANY($1) AND replayed_at IS NULL
 ORDER BY id
   FOR UPDATE
