-- Records the start of a run of job $1 for slot $2 (NULL when run by hand).
INSERT INTO job_runs (job, scheduled_for, started_at, arguments)
VALUES ($1, $2, clock_timestamp(), $3)
RETURNING id
