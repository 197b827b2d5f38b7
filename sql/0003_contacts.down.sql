-- 0003 contacts, undone in reverse order.

DROP TABLE validation_logs;
DROP TABLE validation_rules;
DROP TABLE contacts;
DROP TABLE contact_lists;
DROP TYPE validation_status;
