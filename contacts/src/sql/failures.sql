-- Every failing (staged address, rule) pair, then each failing address's verdict:
-- invalid if an invalid rule matched, else risky. $1..$5 are the rules' terms as
-- parallel arrays (rule id, rule name, result, 'domain' | 'local_part', term);
-- $6 is {name: version} of every applied rule.
WITH terms AS (
    SELECT *
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
           AS t(rule_id, name, result, part, term)
),
-- Two equi-joins (hashed) rather than one join with OR (a nested loop).
failed AS (
    INSERT INTO import_failures (key, rule_id, name, result, matched)
    SELECT s.key, t.rule_id, t.name, t.result::validation_status, t.term
      FROM import_rows s JOIN terms t ON t.part = 'domain' AND t.term = s.domain
    UNION ALL
    SELECT s.key, t.rule_id, t.name, t.result::validation_status, t.term
      FROM import_rows s JOIN terms t ON t.part = 'local_part' AND t.term = s.local_part
    RETURNING key, name, result
)
INSERT INTO import_verdicts (key, status, details)
SELECT key,
       CASE WHEN bool_or(result = 'invalid') THEN 'invalid' ELSE 'risky' END::validation_status,
       jsonb_build_object('rules', $6::jsonb, 'failed', jsonb_agg(DISTINCT name ORDER BY name))
  FROM failed
 GROUP BY key
