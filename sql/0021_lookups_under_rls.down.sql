-- 0021 lookups under row-level security, undone: 0015's tally_authenticate.

DROP FUNCTION tally_contact_by_email(bigint, text);

CREATE OR REPLACE FUNCTION tally_authenticate(presented bytea)
    RETURNS TABLE (organization_id bigint, key_id bigint, role_id bigint, permissions text[])
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT k.organization_id, k.id, k.role_id,
           ARRAY(SELECT p.key FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id
                  WHERE rp.organization_id = k.organization_id AND rp.role_id = k.role_id
                  ORDER BY p.key)
      FROM api_keys k
      JOIN organizations o ON o.id = k.organization_id AND o.deleted_at IS NULL
     WHERE k.key_hash = presented AND k.revoked_at IS NULL
$$;
