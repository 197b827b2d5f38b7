-- The rows of organization $1 the audit trail may describe for the subject:
-- their leads, form responses and assignments (contacts $2), and their GDPR
-- requests (address $3, marker $4, one of the contacts, or request $5).
SELECT
    ARRAY(SELECT id FROM leads WHERE organization_id = $1 AND contact_id = ANY($2) ORDER BY id),
    ARRAY(SELECT r.id FROM form_responses r
          WHERE r.organization_id = $1
            AND (r.contact_id = ANY($2)
                 OR r.lead_id IN (SELECT id FROM leads WHERE organization_id = $1 AND contact_id = ANY($2)))
          ORDER BY r.id),
    ARRAY(SELECT id FROM campaign_contact_assignments
          WHERE organization_id = $1 AND contact_id = ANY($2) ORDER BY id),
    ARRAY(SELECT id FROM gdpr_requests
          WHERE organization_id = $1
            AND (lower(subject_email) = $3 OR subject_email = $4::text OR contact_id = ANY($2) OR id = $5)
          ORDER BY id)
