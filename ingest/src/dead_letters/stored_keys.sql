-- Which of these events ($1 ids, $2 times) are stored already: a dry run's duplicates.
SELECT e.event_id, e.occurred_at
  FROM events AS e
  JOIN unnest($1::uuid[], $2::timestamptz[]) AS k(event_id, occurred_at)
    ON e.event_id = k.event_id AND e.occurred_at = k.occurred_at
