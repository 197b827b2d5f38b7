-- Known live contacts of the list ($1 organization, $2 list) that the file changes:
-- the file's address casing, names, phone (a blank field keeps the stored value) and
-- attributes (merged, the file's keys winning), and the new validation ($3: the
-- details when no rule failed). A contact the file does not change is not touched,
-- so it gets no audit row. Each failing rule of an updated contact is logged.
-- Returns the count per validation status of the updated contacts.
WITH incoming AS (
    SELECT c.id, s.key, s.email,
           coalesce(s.first_name, c.first_name) AS first_name,
           coalesce(s.last_name, c.last_name) AS last_name,
           coalesce(s.phone, c.phone) AS phone,
           c.attributes || s.attributes AS attributes,
           coalesce(v.status, 'valid') AS status,
           coalesce(v.details, $3::jsonb) AS details
      FROM import_rows s
      JOIN contacts c
        ON c.organization_id = $1 AND c.contact_list_id = $2 AND c.deleted_at IS NULL
       AND lower(c.email) = s.key
      LEFT JOIN import_verdicts v ON v.key = s.key
),
updated AS (
    UPDATE contacts c
       SET email = i.email, first_name = i.first_name, last_name = i.last_name,
           phone = i.phone, attributes = i.attributes,
           validation_status = i.status, validation_details = i.details
      FROM incoming i
     WHERE c.organization_id = $1 AND c.id = i.id
       AND (c.email::text, c.first_name, c.last_name, c.phone, c.attributes,
            c.validation_status, c.validation_details)
           IS DISTINCT FROM
           (i.email, i.first_name, i.last_name, i.phone, i.attributes, i.status, i.details)
    RETURNING c.id, i.key, c.validation_status
),
logged AS (
    INSERT INTO validation_logs (organization_id, contact_id, rule_id, result, details)
    SELECT $1, u.id, f.rule_id, f.result, jsonb_build_object('rule', f.name, 'matched', f.matched)
      FROM updated u JOIN import_failures f ON f.key = u.key
)
SELECT validation_status, count(*)::bigint FROM updated GROUP BY validation_status
