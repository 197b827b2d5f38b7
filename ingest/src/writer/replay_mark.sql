-- Marks letters replayed, in the transaction that wrote (or found) their events: $2 says
-- `stored` or `duplicate`, $3 the event, $4 its organization (now known for certain).
UPDATE dead_letters AS d
   SET replayed_at = now(),
       last_replay_at = now(),
       replay_attempts = d.replay_attempts + 1,
       replay_outcome = r.outcome,
       replayed_event_id = r.event_id,
       organization_id = r.organization_id
  FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::bigint[])
       AS r(id, outcome, event_id, organization_id)
 WHERE d.id = r.id
