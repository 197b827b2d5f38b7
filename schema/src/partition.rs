//! The day partitions of `events`, one per UTC day: their names, their bounds, and the
//! calls that make and list them. Every crate names, parses and bounds a partition
//! through this module; the database builds the same name in
//! `tally_ensure_day_partition` (sql/0005_events.up.sql), and a test holds the two
//! equal.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use tokio_postgres::GenericClient;

/// What every day partition's name starts with; the rest is the day as `YYYYMMDD`.
pub const PARTITION_PREFIX: &str = "events_p";

/// The partition of `events` that holds one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayPartition(NaiveDate);

impl DayPartition {
    /// The partition of `day`.
    pub const fn of(day: NaiveDate) -> DayPartition {
        DayPartition(day)
    }

    /// The day it holds.
    pub const fn day(self) -> NaiveDate {
        self.0
    }

    /// Its table name, `events_pYYYYMMDD` (a plain identifier: no quoting needed).
    pub fn name(self) -> String {
        self.to_string()
    }

    /// The partition a table name denotes, or an error naming the table when it is
    /// not a day partition's name.
    pub fn parse(name: &str) -> Result<DayPartition, NotAPartition> {
        name.strip_prefix(PARTITION_PREFIX)
            .filter(|digits| digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| NaiveDate::parse_from_str(digits, "%Y%m%d").ok())
            .map(DayPartition)
            .ok_or_else(|| NotAPartition(name.to_owned()))
    }

    /// The instants it holds: from the start of its day, inclusive, to the start of
    /// the next, exclusive.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (start_of_day(self.0), end_of_day(self.0))
    }
}

impl fmt::Display for DayPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PARTITION_PREFIX}{}", self.0.format("%Y%m%d"))
    }
}

/// A table name that is not `events_pYYYYMMDD` with a valid date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not the name of a day partition of events (events_pYYYYMMDD)")]
pub struct NotAPartition(pub String);

/// Midnight UTC at the start of `day`.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Midnight UTC at the end of `day`: the start of the next day, excluded from `day`.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.succ_opt()
        .map_or(DateTime::<Utc>::MAX_UTC, start_of_day)
}

/// The UTC day of an instant: the day whose partition holds an event of that time.
pub fn utc_day(at: DateTime<Utc>) -> NaiveDate {
    // `date_naive` would add the zero offset first: a date computation per call.
    at.naive_utc().date()
}

/// Creates the partition of `day` if it does not exist (outside any long transaction:
/// attaching takes a brief lock on `events`); returns whether it was created.
pub async fn ensure_day_partition(
    client: &impl GenericClient,
    day: NaiveDate,
) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT created FROM tally_ensure_day_partition($1)",
            &[&day],
        )
        .await?;
    Ok(row.get(0))
}

/// Creates the partitions of `from` and the `days - 1` days after it that do not
/// exist; returns how many it created. `from` is explicit so that "today" has one
/// source, the caller's clock.
pub async fn premake_partitions(
    client: &impl GenericClient,
    from: NaiveDate,
    days: u16,
) -> Result<u32, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT tally_premake_partitions($1, $2)",
            &[&i32::from(days), &from],
        )
        .await?;
    Ok(u32::try_from(row.get::<_, i32>(0)).unwrap_or(0))
}

/// Every day partition of `events` that exists, in day order. A child of `events`
/// whose name is not a day partition's is an error naming it: nothing but tally makes
/// partitions, and one that does not fit would be invisible to every job.
pub async fn day_partitions(
    client: &impl GenericClient,
) -> Result<Vec<DayPartition>, PartitionListError> {
    let rows = client
        .query(include_str!("partition/children.sql"), &[])
        .await?;
    let mut days = rows
        .iter()
        .map(|r| DayPartition::parse(r.get(0)))
        .collect::<Result<Vec<_>, _>>()?;
    days.sort_unstable();
    Ok(days)
}

/// Whether the partition of `day` exists (it is gone once the day is archived).
pub async fn partition_exists(
    client: &impl GenericClient,
    day: NaiveDate,
) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT to_regclass($1::text) IS NOT NULL",
            &[&DayPartition::of(day).name()],
        )
        .await?;
    Ok(row.get(0))
}

/// Why the day partitions could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum PartitionListError {
    /// Postgres failed.
    #[error("listing the partitions of events: {}", crate::describe_pg_error(.0))]
    Database(#[from] tokio_postgres::Error),
    /// A partition of `events` that tally did not name.
    #[error("{0}; rename or detach it")]
    Stray(#[from] NotAPartition),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn names_and_parses_back() {
        let p = DayPartition::of(d("2026-12-04"));
        assert_eq!(p.name(), "events_p20261204");
        assert_eq!(p.to_string(), p.name());
        assert_eq!(DayPartition::parse("events_p20261204"), Ok(p));
    }

    #[test]
    fn refuses_names_that_are_not_a_day_partition() {
        for name in [
            "events",
            "events_p",
            "events_p2026120",
            "events_p202612045",
            "events_p20261332",
            "events_p2026-1-04",
            "events_p+0261204",
            "events_p20261204_anon",
            "other_p20261204",
        ] {
            let err = DayPartition::parse(name).expect_err(name);
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn bounds_are_midnight_to_midnight_utc() {
        let (from, to) = DayPartition::of(d("2026-12-31")).bounds();
        assert_eq!(from.to_rfc3339(), "2026-12-31T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert_eq!(utc_day(to), d("2027-01-01"));
        assert_eq!(end_of_day(NaiveDate::MAX), DateTime::<Utc>::MAX_UTC);
    }
}
