//! The scheduled jobs' runtime: cron schedules in UTC, at most one run of a job at a time
//! across every replica (a Postgres advisory lock), at most one successful run per
//! schedule slot, every run recorded in job_runs, and missed slots caught up at start.
//! A job is a plain async function of a pool, a clock reading and its arguments.
//!
//! # Layout
//!
//! - `job`: the [`Job`] trait and its context; `schedule`: cron schedules and slots.
//! - `runner`: one run under the job's lock, recorded in job_runs; catch-up at start.
//! - `shell`: the long-running scheduler around them; `error`: [`SchedulerError`].

mod error;
mod job;
mod runner;
mod schedule;
mod shell;

pub use error::SchedulerError;
pub use job::{Job, JobContext, JobError, JobFuture};
pub use runner::{RunOutcome, catch_up, run_job};
pub use schedule::Schedule;
pub use shell::run;
