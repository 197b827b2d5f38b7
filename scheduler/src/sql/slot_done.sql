-- Whether a run of job $1 already succeeded for slot $2.
SELECT EXISTS (
    SELECT 1 FROM job_runs WHERE job = $1 AND scheduled_for = $2 AND status = 'succeeded'
)
