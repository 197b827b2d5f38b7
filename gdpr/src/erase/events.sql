-- The subject's events of one day [$3, $4) (the bounds prune the other
-- partitions): the IP address emptied, and the PII keys $5 removed from
-- event_data with every other top-level member whose key or value holds the
-- address $6 (lower-cased; '' matches nothing). Rows with nothing left to remove
-- are not rewritten, so a rerun changes nothing.
UPDATE events e
SET ip_address = NULL,
    event_data = e.event_data - $5::text[] - ARRAY(
        SELECT d.k FROM jsonb_each(e.event_data) AS d(k, v)
        WHERE $6 <> '' AND (strpos(lower(d.k), $6) > 0 OR strpos(lower(d.v::text), $6) > 0))
WHERE e.organization_id = $1 AND e.contact_id = ANY($2)
  AND e.occurred_at >= $3 AND e.occurred_at < $4
  AND (e.ip_address IS NOT NULL
       OR e.event_data ?| $5::text[]
       OR ($6 <> '' AND strpos(lower(e.event_data::text), $6) > 0))
