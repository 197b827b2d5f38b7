-- The funnels of the campaigns with the most sends, from the dashboard view.
SELECT coalesce(campaign_name, 'campaign ' || campaign_id) AS campaign,
       sent, delivered, opened, clicked, form_views, form_submits, unsubscribed,
       open_rate::float8 AS open_rate,
       click_rate::float8 AS click_rate,
       form_submit_rate::float8 AS form_submit_rate
FROM campaign_funnel
ORDER BY sent DESC, organization_id, campaign_id
LIMIT $1
