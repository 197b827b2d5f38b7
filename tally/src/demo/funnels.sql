-- The funnels of the campaigns with the most sends, from the dashboard views,
-- with the estimated distinct contacts who opened over the campaign's lifetime.
SELECT coalesce(f.campaign_name, 'campaign ' || f.campaign_id) AS campaign,
       f.sent, f.delivered, f.opened, coalesce(u.unique_contacts, 0) AS openers,
       f.clicked, f.form_views, f.form_submits, f.unsubscribed,
       f.open_rate::float8 AS open_rate,
       f.click_rate::float8 AS click_rate,
       f.form_submit_rate::float8 AS form_submit_rate
FROM campaign_funnel f
LEFT JOIN campaign_unique_contacts u
       ON u.organization_id = f.organization_id AND u.campaign_id = f.campaign_id
      AND u.event_type = 'OPEN' AND u.period = 'lifetime'
ORDER BY f.sent DESC, f.organization_id, f.campaign_id
LIMIT $1
