-- 0004 campaigns, undone in reverse order.

DROP TABLE campaign_contact_assignments;
DROP TABLE campaigns;
DROP TABLE form_fields;
DROP TABLE forms;
DROP TABLE email_templates;
DROP TYPE assignment_status;
DROP TYPE campaign_status;
