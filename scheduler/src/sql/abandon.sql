-- Runs of job $1 still marked running although nobody holds its lock (the
-- caller does): their process stopped before it could record the outcome.
UPDATE job_runs
SET status = 'failed',
    finished_at = greatest(clock_timestamp(), started_at),
    error = 'abandoned: the process running it stopped before it finished'
WHERE job = $1 AND status = 'running'
