//! The thin shared schema crate every service uses: the database contract in one place.
//!
//! # Layout
//!
//! - `ids`, `enums`: typed ids and the enums that mirror the Postgres enums.
//! - `event`: the [`Event`], its columns and its binary COPY row.
//! - `partition`: the day partitions of `events` ([`DayPartition`]): names, bounds,
//!   making and listing them.
//! - `locks`: every advisory lock ([`AdvisoryLock`], taken through [`advisory`]).
//! - `dead_letter`: why a record is dead-lettered ([`DeadLetterReason`]).
//! - `live`: the live counters and invalidations an ingest batch writes ([`live_counts`]).
//! - `pool`: the connection pool; `tenant`: tenant scoping of a transaction;
//!   `migrate`: the migration runner over `sql/`; `pg_error`: server errors for people.

mod dead_letter;
mod enums;
mod event;
mod ids;
mod live;
mod locks;
mod migrate;
mod partition;
mod pg_error;
mod pool;
mod tenant;

pub use dead_letter::{DeadLetterReason, UnknownReason};
pub use enums::{
    AssignmentStatus, CampaignStatus, EventType, GdprRequestStatus, GdprRequestType, JobStatus,
    LeadStatus, PgEnum, ValidationStatus,
};
pub use event::{EVENT_COLUMNS, Event, STORED_EVENT_COLUMNS};
pub use ids::{CampaignId, ContactId, OrganizationId};
/// The live counters and invalidations every ingest batch writes.
pub mod live_counts {
    pub use crate::live::{ADD_COUNTS, CountKey, INVALIDATE, LiveCounts};
}
pub use locks::AdvisoryLock;
/// Taking and releasing [`AdvisoryLock`]s.
pub mod advisory {
    pub use crate::locks::{lock, try_lock, unlock, xact_lock};
}
/// The pool [`pool`] makes, and the error of taking a connection from it.
pub use deadpool_postgres::{Pool, PoolError};
pub use migrate::{MIGRATIONS, MigrateError, Migration, MigrationState, Migrator};
pub use partition::{
    DayPartition, NotAPartition, PARTITION_PREFIX, PartitionListError, day_partitions, end_of_day,
    ensure_day_partition, partition_exists, premake_partitions, start_of_day, utc_day,
};
pub use pg_error::describe_pg_error;
pub use pool::{PoolBuildError, PooledClient, pool};
pub use tenant::{APP_ROLE, ORGANIZATION_SETTING, begin_tenant};
