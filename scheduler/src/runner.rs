//! One run of a job: lock, check the slot, record, run, record the outcome, unlock.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use futures::FutureExt;
use schema::{AdvisoryLock, JobStatus};
use tracing::instrument;

use crate::{Job, JobContext, SchedulerError};

/// How a request to run a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The job ran and succeeded.
    Succeeded {
        /// Its job_runs id.
        run_id: i64,
        /// Rows it affected.
        rows: u64,
    },
    /// The job ran and failed; recorded, logged, and the scheduler carries on.
    Failed {
        /// Its job_runs id.
        run_id: i64,
        /// What went wrong.
        error: String,
    },
    /// Another runner (this replica or another) holds the job's lock: not run.
    Busy,
    /// A run already succeeded for this slot: not run again.
    AlreadyDone,
}

/// Runs `job` once for `slot` (None: by hand, e.g. `tally run`) at clock reading `now`,
/// unless another runner holds the job or the slot already succeeded. A failure or a
/// panic of the job is recorded as a failed run, not returned as an error; errors are
/// only the scheduler's own (no connection, bookkeeping refused).
pub async fn run_job(
    pool: &Pool,
    job: &dyn Job,
    slot: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    arguments: &serde_json::Value,
) -> Result<RunOutcome, SchedulerError> {
    let name = job.name();
    let lock = pool.get().await?;
    // A session lock, held for the run and released by Postgres if the runner's
    // connection dies.
    let locked = schema::advisory::try_lock(&**lock, AdvisoryLock::Job(name)).await?;
    if !locked {
        tracing::info!(job = name, ?slot, "job is running elsewhere; not started");
        crate::metrics().run(name, &RunOutcome::Busy, None);
        return Ok(RunOutcome::Busy);
    }
    let outcome = run_locked(pool, &lock, job, slot, now, arguments).await;
    // Released even when bookkeeping failed; a dead connection releases it anyway.
    let unlocked = schema::advisory::unlock(&**lock, AdvisoryLock::Job(name)).await;
    let outcome = outcome?;
    unlocked?;
    Ok(outcome)
}

async fn run_locked(
    pool: &Pool,
    lock: &tokio_postgres::Client,
    job: &dyn Job,
    slot: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    arguments: &serde_json::Value,
) -> Result<RunOutcome, SchedulerError> {
    let name = job.name();
    if let Some(slot) = slot {
        let done: bool = lock
            .query_one(include_str!("sql/slot_done.sql"), &[&name, &slot])
            .await?
            .get(0);
        if done {
            tracing::debug!(job = name, %slot, "slot already done");
            crate::metrics().run(name, &RunOutcome::AlreadyDone, None);
            return Ok(RunOutcome::AlreadyDone);
        }
    }
    let abandoned = lock
        .execute(include_str!("sql/abandon.sql"), &[&name])
        .await?;
    if abandoned > 0 {
        tracing::warn!(
            job = name,
            runs = abandoned,
            "earlier runs never finished; recorded as failed"
        );
    }
    let run_id: i64 = lock
        .query_one(
            include_str!("sql/start_run.sql"),
            &[&name, &slot, arguments],
        )
        .await?
        .get(0);
    tracing::info!(job = name, run_id, ?slot, %arguments, "job started");
    run_and_record(pool, lock, job, run_id, now, arguments).await
}

/// Runs the job and records its outcome in job_runs: a failure or a panic of the job is
/// an outcome to record, not an error of the scheduler.
#[instrument(skip_all, fields(job = job.name(), run_id))]
async fn run_and_record(
    pool: &Pool,
    lock: &tokio_postgres::Client,
    job: &dyn Job,
    run_id: i64,
    now: DateTime<Utc>,
    arguments: &serde_json::Value,
) -> Result<RunOutcome, SchedulerError> {
    let name = job.name();
    let ctx = JobContext {
        pool,
        now,
        arguments,
    };
    let started = Instant::now();
    let result = AssertUnwindSafe(job.run(ctx)).catch_unwind().await;
    let seconds = started.elapsed().as_secs_f64();
    let (status, rows, error) = match result {
        Ok(Ok(rows)) => (JobStatus::Succeeded, Some(rows), None),
        Ok(Err(e)) => (JobStatus::Failed, None, Some(error_chain(e.as_ref()))),
        Err(panic) => (JobStatus::Failed, None, Some(panic_message(&panic))),
    };
    let rows_i64 = rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX));
    lock.execute(
        include_str!("sql/finish_run.sql"),
        &[&run_id, &status, &rows_i64, &error],
    )
    .await?;
    let outcome = match (rows, error) {
        (Some(rows), _) => {
            tracing::info!(job = name, run_id, rows, "job succeeded");
            RunOutcome::Succeeded { run_id, rows }
        }
        (None, error) => {
            let error = error.unwrap_or_default();
            tracing::error!(job = name, run_id, error = %error, "job failed");
            RunOutcome::Failed { run_id, error }
        }
    };
    crate::metrics().run(name, &outcome, Some(seconds));
    Ok(outcome)
}

/// Runs, at start, every job whose latest slot at `now` has no successful run while
/// an earlier slot does, or that never succeeded at all: the runs missed while no
/// scheduler was up. Returns what each such job did.
pub async fn catch_up(
    pool: &Pool,
    jobs: &[&dyn Job],
    now: DateTime<Utc>,
) -> Result<Vec<(String, RunOutcome)>, SchedulerError> {
    let mut outcomes = Vec::new();
    for job in jobs {
        let Some(slot) = job.schedule().slot_at(now) else {
            continue;
        };
        let last: Option<DateTime<Utc>> = pool
            .get()
            .await?
            .query_one(include_str!("sql/last_success.sql"), &[&job.name()])
            .await?
            .get(0);
        if last.is_some_and(|last| last >= slot) {
            continue;
        }
        tracing::info!(job = job.name(), %slot, last_success = ?last, "catching up a missed run");
        let outcome = run_job(pool, *job, Some(slot), now, &serde_json::json!({})).await?;
        outcomes.push((job.name().to_owned(), outcome));
    }
    Ok(outcomes)
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("panicked: {what}")
}
