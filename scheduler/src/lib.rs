//! The scheduled jobs' runtime: cron schedules in UTC, at most one run of a job at a time
//! across every replica (a Postgres advisory lock), at most one successful run per
//! schedule slot, every run recorded in job_runs, and missed slots caught up at start.
//! A job is a plain async function of a pool, a clock reading and its arguments.
//!
//! # Layout
//!
//! - `job`: the [`Job`] trait and its context; `schedule`: cron schedules and slots.
//! - `runner`: one run under the job's lock, recorded in job_runs; catch-up at start.
//! - `shell`: the long-running scheduler around them, serving `/metrics` and `/healthz`;
//!   `error`: [`SchedulerError`].
//! - `metrics`: every `tally_scheduler_*` metric; `state`: the job gauges' reading of
//!   job_runs, across every replica.

mod error;
mod job;
mod metrics;
mod runner;
mod schedule;
mod shell;
mod state;

pub use error::SchedulerError;
pub use job::{Job, JobContext, JobError, JobFuture};
pub use metrics::{Metrics, metrics};
pub use runner::{RunOutcome, catch_up, run_job};
pub use schedule::Schedule;
pub use shell::{ShellConfig, run};
pub use state::refresh;
