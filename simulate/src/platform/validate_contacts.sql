-- The seed's validation verdicts, in one statement (one audit pass), inside the
-- organization's tenant transaction: row-level security limits it to the tenant's
-- contacts. No domain query sets validation_status (the contacts import does, in
-- bulk); the verdicts follow the import's rules (blocked domain: invalid;
-- disposable domain or role account: risky; otherwise valid) and its details shape,
-- {"rules": {name: version}, "failed": [name]}.
-- $1: contact ids; $2: their statuses; $3: their validation_details.
UPDATE contacts AS c
   SET validation_status = v.status::validation_status,
       validation_details = v.details
  FROM unnest($1::bigint[], $2::text[], $3::jsonb[]) AS v (id, status, details)
 WHERE c.organization_id = tally_current_org() AND c.id = v.id AND c.deleted_at IS NULL
