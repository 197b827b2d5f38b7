-- Rows of the day [$1, $2) and how many of them still carry personal data: an
-- IP address or one of the keys $3 in event_data. Pruned to one partition.
SELECT count(*),
       count(*) FILTER (WHERE ip_address IS NOT NULL OR event_data ?| $3::text[])
FROM events
WHERE occurred_at >= $1 AND occurred_at < $2
