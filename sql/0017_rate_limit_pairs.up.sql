-- 0017 rate limit pairs: a request is limited per caller (an API key, an address)
-- and per organization; both buckets are taken in one statement, the
-- organization's only when the caller's allowed the request, so a caller over
-- its own limit does not spend its organization's tokens.
CREATE FUNCTION tally_take_tokens(org bigint,
                                  caller_bucket text, caller_action text,
                                  caller_refill_ms integer, caller_burst integer,
                                  org_bucket text, org_action text,
                                  org_refill_ms integer, org_burst integer)
    RETURNS TABLE (allowed boolean, retry_after_ms bigint, bucket text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    taken record;
BEGIN
    SELECT * INTO taken FROM tally_take_token(org, caller_bucket, caller_action, caller_refill_ms, caller_burst);
    IF NOT taken.allowed THEN
        RETURN QUERY SELECT false, taken.retry_after_ms, caller_bucket;
        RETURN;
    END IF;
    SELECT * INTO taken FROM tally_take_token(org, org_bucket, org_action, org_refill_ms, org_burst);
    RETURN QUERY SELECT taken.allowed, taken.retry_after_ms, org_bucket;
END
$$;

COMMENT ON FUNCTION tally_take_tokens(bigint, text, text, integer, integer, text, text, integer, integer) IS
    'Rate limit check of a caller and its organization: the refused bucket and the wait, or allowed';

REVOKE EXECUTE ON FUNCTION tally_take_tokens(bigint, text, text, integer, integer, text, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tally_take_tokens(bigint, text, text, integer, integer, text, text, integer, integer) TO tally_app;
