COPY events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data)
FROM STDIN (FORMAT binary)
