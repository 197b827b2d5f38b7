-- 0016 rate limits: token buckets kept in Postgres, so every API replica shares
-- them (crates.io's publish limiter is the model): one statement per check.

-- Per organization and action, how fast tokens come back and how many can pile
-- up; an action without a row uses the caller's defaults.
CREATE TABLE rate_limit_settings (
    organization_id bigint NOT NULL REFERENCES organizations (id),
    action          text NOT NULL CONSTRAINT rate_limit_settings_action_format CHECK (action ~ '^[a-z][a-z0-9_.]*$'),
    refill_ms       integer NOT NULL CONSTRAINT rate_limit_settings_refill_positive CHECK (refill_ms > 0),
    burst           integer NOT NULL CONSTRAINT rate_limit_settings_burst_positive CHECK (burst > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, action)
);

COMMENT ON TABLE rate_limit_settings IS
    'Rate limit of an action per organization: one token every refill_ms, at most burst saved up';

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON rate_limit_settings
    FOR EACH ROW EXECUTE FUNCTION tally_touch_updated_at();

-- Operators set limits; the application may read its own.
SELECT tally_enable_tenant_rls('rate_limit_settings', 'SELECT');

-- The buckets: what each (organization, bucket) has left. Written only through
-- tally_take_token.
CREATE TABLE rate_limit_buckets (
    organization_id bigint NOT NULL,
    bucket          text NOT NULL CONSTRAINT rate_limit_buckets_bucket_nonblank CHECK (btrim(bucket) <> ''),
    tokens          double precision NOT NULL,
    refilled_at     timestamptz NOT NULL,
    last_allowed    boolean NOT NULL,
    PRIMARY KEY (organization_id, bucket)
);

COMMENT ON TABLE rate_limit_buckets IS
    'Token buckets of the API''s rate limits (pipeline state: only tally_take_token writes it)';

-- Tokens after refilling from `refilled_at` to `at`, capped at the burst.
CREATE FUNCTION tally_refilled(tokens double precision, refilled_at timestamptz, at timestamptz,
                               refill_ms integer, burst integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT least(burst::double precision,
                 tokens + greatest(0, extract(epoch FROM at - refilled_at) * 1000) / refill_ms)
$$;

-- Takes one token from the bucket, if there is one, in one statement: whether the
-- request may go on, and if not, how long until a token is back. The
-- organization's rate_limit_settings row for `action` overrides the defaults.
CREATE FUNCTION tally_take_token(org bigint, bucket text, action text,
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

COMMENT ON FUNCTION tally_take_token(bigint, text, text, integer, integer) IS
    'Rate limit check: takes a token from an (organization, bucket) if one is left; else how many ms until one is';

REVOKE EXECUTE ON FUNCTION tally_take_token(bigint, text, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tally_take_token(bigint, text, text, integer, integer) TO tally_app;
