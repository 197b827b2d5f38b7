//! What stops the scheduler itself (a job's own failure only fails its run).

/// Why the scheduler could not run or record a job.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// A schedule is not a valid 6-field cron expression.
    #[error(
        "invalid schedule {expression:?} for job {job}: {reason}; use 6 fields, seconds first, in UTC (e.g. \"0 0 2 * * *\" for 02:00 daily)"
    )]
    InvalidSchedule {
        /// The job the schedule belongs to.
        job: String,
        /// The expression as given.
        expression: String,
        /// What the parser said.
        reason: String,
    },
    /// No connection could be had from the pool.
    #[error("no database connection for the scheduler: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// Postgres refused a bookkeeping statement (job_runs, advisory lock).
    #[error("scheduler bookkeeping failed in Postgres: {}", schema::describe_pg_error(.0))]
    Database(#[from] tokio_postgres::Error),
    /// The cron engine failed.
    #[error("cron scheduler: {0}")]
    Cron(String),
    /// The address for `/metrics` and `/healthz` could not be bound.
    #[error(
        "cannot serve /metrics and /healthz on {addr}: {source}; choose a free address (tally: TALLY_METRICS_ADDR or --metrics-addr) or `off`"
    )]
    Metrics {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why it could not be bound.
        source: std::io::Error,
    },
}
