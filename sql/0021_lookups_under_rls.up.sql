-- 0021 lookups under row-level security: lower() is not leakproof, so under the
-- tenant policies Postgres may not use it in an index condition and a landing
-- page's lookup of its submitter by address scanned every contact of the list
-- (106 ms for 200,000). The lookup runs as the owner instead, filtered by the
-- transaction's own organization (tally_current_org()), on the unique index.
-- PL/pgSQL keeps the plans of these per-request functions across calls, where a
-- SQL function with SET options plans its body on every call.
CREATE FUNCTION tally_contact_by_email(list bigint, address text) RETURNS SETOF contacts
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT * FROM contacts c
     WHERE c.organization_id = tally_current_org() AND c.contact_list_id = list
       AND lower(c.email) = lower(address) AND c.deleted_at IS NULL;
END
$$;

COMMENT ON FUNCTION tally_contact_by_email(bigint, text) IS
    'The live contact of the current organization with this address in a list, any case, by the unique index';

REVOKE EXECUTE ON FUNCTION tally_contact_by_email(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tally_contact_by_email(bigint, text) TO tally_app;

CREATE OR REPLACE FUNCTION tally_authenticate(presented bytea)
    RETURNS TABLE (organization_id bigint, key_id bigint, role_id bigint, permissions text[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT k.organization_id, k.id, k.role_id,
           ARRAY(SELECT p.key FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id
                  WHERE rp.organization_id = k.organization_id AND rp.role_id = k.role_id
                  ORDER BY p.key)
      FROM api_keys k
      JOIN organizations o ON o.id = k.organization_id AND o.deleted_at IS NULL
     WHERE k.key_hash = presented AND k.revoked_at IS NULL;
END
$$;

-- The rate limit's check, as 0016 wrote it, in PL/pgSQL for the same reason.
CREATE OR REPLACE FUNCTION tally_take_token(org bigint, bucket text, action text,
                                            default_refill_ms integer, default_burst integer)
    RETURNS TABLE (allowed boolean, retry_after_ms bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    refill integer;
    most integer;
BEGIN
    SELECT coalesce(s.refill_ms, default_refill_ms), coalesce(s.burst, default_burst)
      INTO refill, most
      FROM (SELECT 1) AS one
      LEFT JOIN rate_limit_settings s
        ON s.organization_id = org AND s.action = tally_take_token.action;
    RETURN QUERY
    INSERT INTO rate_limit_buckets AS b (organization_id, bucket, tokens, refilled_at, last_allowed)
    VALUES (org, tally_take_token.bucket, most - 1, clock_timestamp(), true)
    ON CONFLICT (organization_id, bucket) DO UPDATE SET
        tokens = CASE
            WHEN tally_refilled(b.tokens, b.refilled_at, clock_timestamp(), refill, most) >= 1
            THEN tally_refilled(b.tokens, b.refilled_at, clock_timestamp(), refill, most) - 1
            ELSE tally_refilled(b.tokens, b.refilled_at, clock_timestamp(), refill, most)
        END,
        refilled_at = clock_timestamp(),
        last_allowed = tally_refilled(b.tokens, b.refilled_at, clock_timestamp(), refill, most) >= 1
    RETURNING b.last_allowed,
              CASE WHEN b.last_allowed THEN 0::bigint
                   ELSE ceil((1 - b.tokens) * refill)::bigint END;
END
$$;
