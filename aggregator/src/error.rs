//! What can stop an aggregation run.

use chrono::NaiveDate;
use schema::describe_pg_error;
use sketch::SketchError;

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
    /// A sketch fragment written by ingest could not be read.
    #[error(
        "sketch fragment {id} in event_sketch_fragments is corrupt ({source}); it was left in place: move it aside (DELETE ... WHERE id = {id}) to let the merge go on, which only undercounts its batch's unique contacts"
    )]
    CorruptSketch {
        /// The fragment's id.
        id: i64,
        /// What was wrong with it.
        source: SketchError,
    },
    /// event_unique_contacts holds a period this build does not know.
    #[error(
        "event_unique_contacts holds the period {period:?}, which this build does not know (week, month, lifetime); is an older tally running against a newer database?"
    )]
    UnknownPeriod {
        /// The stored value.
        period: String,
    },
    /// A stored period sketch could not be read.
    #[error(
        "the stored unique-contact sketch of {key} is corrupt ({source}); delete that event_unique_contacts row to let the merge go on (the row starts again from later fragments, without the days it held)"
    )]
    CorruptStoredSketch {
        /// Its (organization, campaign, event type, period, start).
        key: String,
        /// What was wrong with it.
        source: SketchError,
    },
}
