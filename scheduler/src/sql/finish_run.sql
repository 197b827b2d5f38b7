-- Records the outcome of run $1.
UPDATE job_runs
SET status = $2,
    finished_at = greatest(clock_timestamp(), started_at),
    rows_affected = $3,
    error = $4
WHERE id = $1
