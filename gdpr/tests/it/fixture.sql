-- Two organizations. In organization 1, the subject Ada has a contact in two
-- lists (100, 101) with a validation log, an assignment, a lead with notes, a
-- form response with personal answers, events with her IP address and PII keys
-- in four days (two of them to be archived), and a dead letter; Bob (102) is
-- another contact of the same organization and must stay as he is. Organization
-- 2 has a contact with Ada's address (200) that is another controller's and must
-- stay too. The values searched for afterwards are unusual on purpose (adaqz,
-- lovelacqz, londqz, ...) so that finding one can only mean it leaked. Every id
-- and timestamp is fixed, so two databases seeded with it are identical.

INSERT INTO organizations (id, name) VALUES (1, 'Acme'), (2, 'Other');
INSERT INTO contact_lists (organization_id, id, name) VALUES
    (1, 10, 'Newsletter'), (1, 11, 'Webinar'), (2, 20, 'Other list');
INSERT INTO contacts (organization_id, id, contact_list_id, email, first_name, last_name, phone, attributes, validation_details) VALUES
    (1, 100, 10, 'Ada.Lovelace@Example.com', 'Adaqz', 'Lovelacqz', '+44 7700 900123',
     '{"city": "Londqz", "note": "met ada.lovelace@example.com"}', '{"mx": "mail.example.com", "checked": "Ada.Lovelace@Example.com"}'),
    (1, 101, 11, 'ada.lovelace@example.com', 'Adaqz', NULL, NULL, '{}', '{}'),
    (1, 102, 10, 'bob@example.com', 'Bob', 'Builder', '+1 555 0100', '{"city": "Boston"}', '{}'),
    (2, 200, 20, 'ada.lovelace@example.com', 'Adaqz', 'Lovelacqz', NULL, '{}', '{}');
INSERT INTO validation_rules (organization_id, id, name, rule_type) VALUES (1, 1, 'mx', 'mx');
INSERT INTO validation_logs (organization_id, id, contact_id, rule_id, result, details) VALUES
    (1, 1, 100, 1, 'valid', '{"checked": "ada.lovelace@example.com"}'),
    (1, 2, 102, 1, 'valid', '{"checked": "bob@example.com"}');
INSERT INTO forms (organization_id, id, name) VALUES (1, 30, 'Signup');
INSERT INTO form_fields (organization_id, id, form_id, field_key, label, field_type) VALUES
    (1, 31, 30, 'email', 'Email', 'email'),
    (1, 32, 30, 'full_name', 'Name', 'text'),
    (1, 33, 30, 'interest', 'Interest', 'select');
INSERT INTO campaigns (organization_id, id, name, form_id, contact_list_id) VALUES (1, 40, 'Launch', 30, 10);
INSERT INTO campaign_contact_assignments (organization_id, id, campaign_id, contact_id) VALUES
    (1, 41, 40, 100), (1, 42, 40, 102);
INSERT INTO leads (organization_id, id, contact_id, campaign_id, form_id, notes) VALUES
    (1, 50, 100, 40, 30, 'Called Adaqz Lovelacqz about pricing'),
    (1, 51, 102, 40, 30, 'Bob wants a demo');
INSERT INTO form_responses (organization_id, id, form_id, campaign_id, contact_id, lead_id, response_data, ip_address, user_agent) VALUES
    (1, 60, 30, 40, 100, 50, '{"email": "ada.lovelace@example.com", "full_name": "Adaqz Lovelacqz", "interest": "pricing"}',
     '198.51.100.77', 'AdaqzBrowser/1.0'),
    (1, 61, 30, 40, 102, 51, '{"email": "bob@example.com", "full_name": "Bob Builder", "interest": "demo"}',
     '198.51.100.88', 'BobBrowser/2.0');

-- Events: per day, 30 of Ada's (alternating her two contacts), 20 of Bob's and
-- 10 of organization 2's contact, all with an IP address and PII keys.
SELECT tally_create_day_partition(d) FROM unnest(ARRAY['2024-11-18', '2024-11-20', '2026-08-01', '2026-11-20']::date[]) AS d;
INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data, received_at)
SELECT md5(d::text || '/' || g)::uuid,
       CASE WHEN g > 50 THEN 2 ELSE 1 END,
       40,
       CASE WHEN g <= 30 THEN 100 + g % 2 WHEN g <= 50 THEN 102 ELSE 200 END,
       (enum_range(NULL::event_type))[1 + g % 7],
       d::timestamp AT TIME ZONE 'UTC' + g * interval '61.5 second',
       CASE WHEN g <= 30 THEN '203.0.113.77' WHEN g <= 50 THEN '203.0.113.88' ELSE '203.0.113.99' END::inet,
       CASE WHEN g <= 30 THEN jsonb_build_object(
                'url', 'https://acme.test/offer?n=' || g, 'email', 'ada.lovelace@example.com',
                'name', 'Adaqz Lovelacqz', 'user_agent', 'AdaqzBrowser/1.0',
                'referrer', 'mailto:Ada.Lovelace@Example.com', 'n', g)
            WHEN g <= 50 THEN jsonb_build_object(
                'url', 'https://acme.test/offer?n=' || g, 'email', 'bob@example.com', 'n', g)
            ELSE jsonb_build_object('email', 'ada.lovelace@example.com', 'n', g) END,
       d::timestamp AT TIME ZONE 'UTC' + g * interval '61.5 second' + interval '2 second'
FROM unnest(ARRAY['2024-11-18', '2024-11-20', '2026-08-01', '2026-11-20']::date[]) AS d,
     generate_series(1, 60) AS g;

INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, payload, reason, detail, organization_id) VALUES
    ('campaign-events', 0, 1,
     convert_to('{"event_id": "x", "organization_id": 1, "contact_id": 100, "ip_address": "203.0.113.77", "event_type": "BOGUS"}', 'UTF8'),
     'invalid_event_type', 'BOGUS', 1),
    ('campaign-events', 0, 2,
     convert_to('{"event_id": "y", "organization_id": 1, "contact_id": 102, "event_type": "BOGUS"}', 'UTF8'),
     'invalid_event_type', 'BOGUS', 1);
