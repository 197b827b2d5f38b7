-- The subject's form responses (as a contact, or through one of their leads):
-- only the answers to choice fields (select, checkbox) are kept, and only when
-- they do not hold the address $3; IP address and user agent emptied. The
-- response itself stays, so campaign figures keep counting it.
WITH subject_leads AS (
    SELECT id FROM leads WHERE organization_id = $1 AND contact_id = ANY($2)
),
stripped AS (
    SELECT r.id,
           coalesce((
               SELECT jsonb_object_agg(d.k, d.v)
               FROM jsonb_each(r.response_data) AS d(k, v)
               WHERE d.k IN (SELECT f.field_key FROM form_fields f
                             WHERE f.organization_id = r.organization_id AND f.form_id = r.form_id
                               AND f.field_type IN ('select', 'checkbox'))
                 AND ($3 = '' OR strpos(lower(d.v::text), $3) = 0)), '{}') AS response_data
    FROM form_responses r
    WHERE r.organization_id = $1
      AND (r.contact_id = ANY($2) OR r.lead_id IN (SELECT id FROM subject_leads))
)
UPDATE form_responses r
SET response_data = s.response_data, ip_address = NULL, user_agent = NULL
FROM stripped s
WHERE r.organization_id = $1 AND r.id = s.id
  AND (r.response_data <> s.response_data OR r.ip_address IS NOT NULL OR r.user_agent IS NOT NULL)
