//! What can stop an anonymization run.

use chrono::NaiveDate;
use schema::describe_pg_error;

/// Why an anonymization run stopped. Each partition and audit_logs are anonymized in a
/// transaction of their own: the one in hand is rolled back, those committed before stay
/// done, and a rerun continues where this one stopped.
#[derive(Debug, thiserror::Error)]
pub enum AnonymizeError {
    /// The policy cannot be applied as given.
    #[error("invalid anonymization policy: {0}")]
    Policy(String),
    /// Row-level security applies to the connected role, which would see (and so
    /// anonymize) no tenant's rows while reporting success.
    #[error(
        "row-level security applies to {table} for this role, so anonymization would silently \
         skip every tenant's rows: run the job as the owner of the tables (the role that runs \
         the migrations) or as a superuser"
    )]
    RowSecurity {
        /// The table whose rows the role cannot all see.
        table: &'static str,
    },
    /// Finding what to anonymize failed; nothing was changed.
    #[error(
        "finding what to anonymize failed in Postgres and nothing was changed; rerun the job: {}",
        describe_pg_error(.0)
    )]
    Database(#[from] tokio_postgres::Error),
    /// One partition failed; it is unchanged, the partitions before it stay anonymized.
    #[error(
        "anonymizing partition {partition} (events of {day}) failed and was rolled back; the \
         partitions before it stay anonymized and a rerun continues from this one (if a lock \
         timed out, rerun when the conflicting session has finished): {}",
        describe_pg_error(source)
    )]
    Partition {
        /// The partition, `events_pYYYYMMDD`.
        partition: String,
        /// Its UTC day.
        day: NaiveDate,
        /// What Postgres said.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The audit_logs pass failed; the events partitions of this run stay anonymized.
    #[error(
        "anonymizing audit_logs failed and was rolled back; the events partitions are done and a \
         rerun anonymizes audit_logs: {}",
        describe_pg_error(.0)
    )]
    AuditLogs(#[source] tokio_postgres::Error),
}
