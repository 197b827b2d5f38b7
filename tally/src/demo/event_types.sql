-- Stored events per type, in the enum's funnel order.
SELECT event_type::text AS event_type, count(*) AS events
FROM events
GROUP BY event_type
ORDER BY event_type
