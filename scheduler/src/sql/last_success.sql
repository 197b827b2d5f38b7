-- The latest slot job $1 succeeded for.
SELECT max(scheduled_for) FROM job_runs WHERE job = $1 AND status = 'succeeded'
