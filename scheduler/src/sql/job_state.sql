-- Per job named in $1, across every replica: when its latest successful run
-- finished and the latest slot a run succeeded for, whether its latest finished
-- run failed, and how many runs are in progress. Each part walks one job's rows
-- of job_runs_job_started_idx; a job has a few runs a day.
SELECT j.job,
       s.finished_at,
       s.scheduled_for,
       coalesce((SELECT r.status = 'failed'
                 FROM job_runs r
                 WHERE r.job = j.job AND r.status <> 'running'
                 ORDER BY r.started_at DESC
                 LIMIT 1), false) AS last_run_failed,
       (SELECT count(*) FROM job_runs r WHERE r.job = j.job AND r.status = 'running') AS running
FROM unnest($1::text[]) AS j(job)
LEFT JOIN LATERAL (
    SELECT max(r.finished_at) AS finished_at, max(r.scheduled_for) AS scheduled_for
    FROM job_runs r
    WHERE r.job = j.job AND r.status = 'succeeded'
) s ON true
