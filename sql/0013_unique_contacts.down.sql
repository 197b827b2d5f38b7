-- 0013 unique contacts over ranges, undone in reverse order.

DROP VIEW campaign_unique_contacts;
DROP TABLE event_unique_contacts;
DROP TABLE event_sketch_fragments;
