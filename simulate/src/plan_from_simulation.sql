-- The settings of one live simulation. Rates are numeric in the table; the
-- generator works in float8.
SELECT campaign_id,
       total_recipients,
       seed,
       bounce_rate::float8      AS bounce_rate,
       open_rate::float8        AS open_rate,
       click_rate::float8       AS click_rate,
       form_view_rate::float8   AS form_view_rate,
       form_submit_rate::float8 AS form_submit_rate,
       unsubscribe_rate::float8 AS unsubscribe_rate
FROM email_send_simulations
WHERE organization_id = $1
  AND id = $2
  AND deleted_at IS NULL
