-- Letters that still fail keep their row, with this replay's reason ($2) and detail ($3);
-- the organization ($4) when this replay could read it, else the one stored.
UPDATE dead_letters AS d
   SET reason = r.reason,
       detail = r.detail,
       organization_id = coalesce(r.organization_id, d.organization_id),
       replay_attempts = d.replay_attempts + 1,
       last_replay_at = now()
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
       AS r(id, reason, detail, organization_id)
 WHERE d.id = r.id
