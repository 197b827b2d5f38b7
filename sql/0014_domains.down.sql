-- 0014 domains, undone in reverse order. Soft-deleted rows would break the
-- old full unique keys, so they must be gone (erased) before this runs.

DROP INDEX validation_rules_active_key;

DROP TRIGGER status_start ON leads;
DROP TRIGGER status_flow ON leads;
DROP FUNCTION tally_lead_status_flow();
DROP TRIGGER status_start ON campaigns;
DROP TRIGGER status_flow ON campaigns;
DROP FUNCTION tally_campaign_status_flow();

DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT DISTINCT tgrelid::regclass FROM pg_trigger WHERE tgname = 'audit_insert' LOOP
        EXECUTE format('DROP TRIGGER audit_insert ON %s', t);
        EXECUTE format('DROP TRIGGER audit_update ON %s', t);
        EXECUTE format('DROP TRIGGER audit_delete ON %s', t);
    END LOOP;
END
$$;
DROP FUNCTION tally_enable_audit(regclass, text, text[]);
DROP FUNCTION tally_audit();
DROP FUNCTION tally_audit_orgs(jsonb);
DROP FUNCTION tally_audit_key(jsonb, text[]);

DROP INDEX leads_campaign_page_idx;
DO $$
DECLARE
    idx regclass;
BEGIN
    FOR idx IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'i'
                  AND c.relname ~ '^(contacts|campaigns|leads)_[a-z]+_page_idx$'
                  AND c.relname NOT IN ('contacts_list_page_idx', 'contacts_created_page_idx',
                                        'leads_campaign_page_idx') LOOP
        EXECUTE format('DROP INDEX %s', idx);
    END LOOP;
END
$$;
DROP INDEX contacts_created_page_idx;
DROP INDEX contacts_list_page_idx;
CREATE INDEX contacts_validation_status_idx ON contacts (organization_id, validation_status);
CREATE INDEX contacts_list_validation_status_idx ON contacts (contact_list_id, validation_status);

DROP INDEX form_fields_key_key;
ALTER TABLE form_fields ADD CONSTRAINT form_fields_key_key UNIQUE (organization_id, form_id, field_key);
DROP INDEX email_templates_name_version_key;
ALTER TABLE email_templates ADD CONSTRAINT email_templates_name_version_key UNIQUE (organization_id, name, version);
DROP INDEX campaigns_landing_page_slug_key;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_landing_page_slug_key UNIQUE (organization_id, landing_page_slug);
DROP INDEX contacts_list_email_key;
CREATE UNIQUE INDEX contacts_list_email_key ON contacts (organization_id, contact_list_id, lower(email));
DROP INDEX organizations_domain_key;
CREATE UNIQUE INDEX organizations_domain_key ON organizations (lower(domain));

ALTER TABLE contacts DROP COLUMN attributes;
ALTER TABLE form_responses DROP COLUMN deleted_at;
ALTER TABLE campaign_contact_assignments DROP COLUMN deleted_at;
ALTER TABLE campaigns DROP COLUMN deleted_at;
ALTER TABLE form_fields DROP COLUMN deleted_at;
ALTER TABLE forms DROP COLUMN deleted_at;
ALTER TABLE email_templates DROP COLUMN deleted_at;
ALTER TABLE contacts DROP COLUMN deleted_at;
ALTER TABLE contact_lists DROP COLUMN deleted_at;
ALTER TABLE organizations DROP COLUMN deleted_at;

-- audit_logs is append-only, and dropping a column rewrites no row.
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_organization_id_fkey
    FOREIGN KEY (organization_id) REFERENCES organizations (id);
DROP INDEX audit_logs_entity_idx;
ALTER TABLE audit_logs DROP COLUMN actor;

DROP POLICY own_users_only ON users;
DROP POLICY no_adoption ON memberships;
DROP FUNCTION tally_user_elsewhere(bigint);
GRANT INSERT ON audit_logs TO tally_app;

DROP FUNCTION tally_current_actor();
