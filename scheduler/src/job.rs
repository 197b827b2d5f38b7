//! What a scheduled job is to the scheduler.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;

use crate::Schedule;

/// A job's failure, recorded in job_runs and logged; the scheduler carries on.
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// The future of one run: the number of rows it affected, or why it failed.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<u64, JobError>> + Send + 'a>>;

/// What a run is given.
#[derive(Clone, Copy)]
pub struct JobContext<'a> {
    /// The database the job works on.
    pub pool: &'a Pool,
    /// The clock reading the run works against (injected in tests).
    pub now: DateTime<Utc>,
    /// What the run was asked for (`{}` for a scheduled run), as recorded in job_runs.
    pub arguments: &'a serde_json::Value,
}

/// A named, scheduled, idempotent unit of work.
pub trait Job: Send + Sync {
    /// The name job_runs and `tally run` know it by.
    fn name(&self) -> &str;
    /// When it runs.
    fn schedule(&self) -> &Schedule;
    /// Runs it once.
    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a>;
}
