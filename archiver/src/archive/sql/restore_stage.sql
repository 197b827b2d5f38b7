CREATE TEMP TABLE archive_restore (
    event_id        uuid NOT NULL,
    organization_id bigint NOT NULL,
    campaign_id     bigint NOT NULL,
    contact_id      bigint NOT NULL,
    event_type      text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    ip_address      text NULL,
    event_data      text NOT NULL,
    received_at     timestamptz NOT NULL
) ON COMMIT DROP
