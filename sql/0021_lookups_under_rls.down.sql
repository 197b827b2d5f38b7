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

CREATE OR REPLACE FUNCTION tally_take_token(org bigint, bucket text, action text,
                                            default_refill_ms integer, default_burst integer)
    RETURNS TABLE (allowed boolean, retry_after_ms bigint)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    WITH limits AS (
        SELECT coalesce(s.refill_ms, default_refill_ms) AS refill_ms,
               coalesce(s.burst, default_burst) AS burst
          FROM (SELECT 1) AS one
          LEFT JOIN rate_limit_settings s ON s.organization_id = org AND s.action = tally_take_token.action
    )
    INSERT INTO rate_limit_buckets AS b (organization_id, bucket, tokens, refilled_at, last_allowed)
    SELECT org, bucket, l.burst - 1, clock_timestamp(), true FROM limits l
    ON CONFLICT (organization_id, bucket) DO UPDATE SET
        tokens = CASE
            WHEN tally_refilled(b.tokens, b.refilled_at, clock_timestamp(),
                                (SELECT refill_ms FROM limits), (SELECT burst FROM limits)) >= 1
            THEN tally_refilled(b.tokens, b.refilled_at, clock_timestamp(),
                                (SELECT refill_ms FROM limits), (SELECT burst FROM limits)) - 1
            ELSE tally_refilled(b.tokens, b.refilled_at, clock_timestamp(),
                                (SELECT refill_ms FROM limits), (SELECT burst FROM limits))
        END,
        refilled_at = clock_timestamp(),
        last_allowed = tally_refilled(b.tokens, b.refilled_at, clock_timestamp(),
                                      (SELECT refill_ms FROM limits), (SELECT burst FROM limits)) >= 1
    RETURNING b.last_allowed,
              CASE WHEN b.last_allowed THEN 0
                   ELSE ceil((1 - b.tokens) * (SELECT refill_ms FROM limits))::bigint END
$$;
