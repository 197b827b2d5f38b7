//! What can stop an aggregation run.

use chrono::NaiveDate;
use schema::describe_pg_error;

/// Why an aggregation or a restatement failed; the run's transaction for the day in
/// hand is rolled back, days already committed stay done.
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// Postgres refused a statement or the connection failed.
    #[error("aggregation failed in Postgres: {}", describe_pg_error(.0))]
    Database(#[from] tokio_postgres::Error),
    /// A restatement was asked for a day whose events are not in the database.
    #[error(
        "cannot restate {0}: the database holds no events partition for that day (archived, or never ingested); restore the day first"
    )]
    DayNotInDatabase(NaiveDate),
}
