-- Staged addresses not live in the list ($1 organization, $2 list) become contacts,
-- in file order, with their validation ($3: the details when no rule failed). An
-- address another transaction made live meanwhile is skipped (ON CONFLICT), not
-- duplicated. Each failing rule of an inserted contact is logged. Returns the count
-- per validation status of the inserted contacts.
WITH inserted AS (
    INSERT INTO contacts (organization_id, contact_list_id, email, first_name, last_name,
                          phone, attributes, validation_status, validation_details)
    SELECT $1, $2, s.email, s.first_name, s.last_name, s.phone, s.attributes,
           coalesce(v.status, 'valid'), coalesce(v.details, $3::jsonb)
      FROM import_rows s
      LEFT JOIN import_verdicts v ON v.key = s.key
     WHERE NOT EXISTS (
               SELECT 1 FROM contacts c
                WHERE c.organization_id = $1 AND c.contact_list_id = $2
                  AND c.deleted_at IS NULL AND lower(c.email) = s.key)
     ORDER BY s.line
    ON CONFLICT (organization_id, contact_list_id, lower(email)) WHERE deleted_at IS NULL
    DO NOTHING
    RETURNING id, lower(email) AS key, validation_status
),
logged AS (
    INSERT INTO validation_logs (organization_id, contact_id, rule_id, result, details)
    SELECT $1, i.id, f.rule_id, f.result, jsonb_build_object('rule', f.name, 'matched', f.matched)
      FROM inserted i JOIN import_failures f ON f.key = i.key
)
SELECT validation_status, count(*)::bigint FROM inserted GROUP BY validation_status
