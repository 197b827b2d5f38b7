-- 0024 undone: the events' primary key leads with the id again.

ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (event_id, occurred_at);
