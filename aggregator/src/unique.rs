//! Unique contacts over weeks, months and campaign lifetimes: ingest's sketch fragments
//! are folded into one HyperLogLog sketch per organization, campaign, event type and
//! period. A sketch only grows, so each fragment is read once, merged and deleted, and
//! no event is reread; merging is idempotent, so a fragment merged twice changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use schema::EventType;
use sketch::{Counted, Fragment, Sketch, SketchKey};
use tokio_postgres::{Client, Row, Transaction};
use tracing::instrument;

use crate::AggregateError;

/// Fragments taken per transaction. Every period row a transaction touches is rewritten
/// once, so larger takes mean fewer rewrites; memory grows with the periods touched, not
/// with this (a fragment of a 10,000-event batch is about 50 KB).
const TAKE: i64 = 1_000;

/// A range unique contacts are counted over: the values of
/// `event_unique_contacts.period`, which its CHECK constraint holds to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// Monday to Sunday (ISO weeks).
    Week,
    /// A calendar month.
    Month,
    /// The campaign's whole life, stored as starting 1970-01-01.
    Lifetime,
}

impl Period {
    /// The periods a day counts towards.
    pub const ALL: [Period; 3] = [Period::Week, Period::Month, Period::Lifetime];

    /// The value stored in `event_unique_contacts.period`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Lifetime => "lifetime",
        }
    }

    /// The period a stored value names.
    pub fn parse(text: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The first day of the period that contains `day`.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => day
                .checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
                .unwrap_or(day),
            Period::Month => day.with_day(1).unwrap_or(day),
            Period::Lifetime => DateTime::UNIX_EPOCH.date_naive(),
        }
    }
}

/// (organization, campaign, event type, period, period start).
type PeriodKey = (i64, i64, EventType, Period, NaiveDate);

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UniqueReport {
    /// Fragments merged and deleted.
    pub fragments: u64,
    /// event_unique_contacts rows written.
    pub rows: u64,
}

/// Folds every waiting sketch fragment into the week, month and lifetime rows of
/// event_unique_contacts.
pub async fn merge_unique_contacts(
    client: &mut Client,
    now: DateTime<Utc>,
) -> Result<UniqueReport, AggregateError> {
    let mut report = UniqueReport::default();
    while let Some(take) = merge_take(client, now).await? {
        report.fragments += take.fragments;
        report.rows += take.rows;
    }
    Ok(report)
}

/// A period's merged sketch with the first and last day it has seen.
type Merging = (Counted, NaiveDate, NaiveDate);

/// Merges one take of fragments in one transaction, so a failed take leaves its
/// fragments waiting; None once no fragment waits.
#[instrument(skip_all)]
async fn merge_take(
    client: &mut Client,
    now: DateTime<Utc>,
) -> Result<Option<UniqueReport>, AggregateError> {
    let tx = client.transaction().await?;
    let taken = tx
        .query(include_str!("sql/take_fragments.sql"), &[&TAKE])
        .await?;
    if taken.is_empty() {
        return Ok(None);
    }
    let mut merged = into_periods(&by_day(&taken)?);
    let mut keys: Vec<PeriodKey> = merged.keys().copied().collect();
    keys.sort_unstable();
    let columns = KeyColumns::of(&keys);
    add_stored(&tx, &columns, &mut merged).await?;
    let rows = write(&tx, &keys, &columns, &merged, now).await?;
    tx.commit().await?;
    tracing::info!(
        fragments = taken.len(),
        rows,
        "unique-contact sketches merged"
    );
    Ok(Some(UniqueReport {
        fragments: taken.len() as u64,
        rows,
    }))
}

/// Per key and day first, then into the periods: each fragment is merged once, not
/// once per period.
fn by_day(taken: &[Row]) -> Result<HashMap<(SketchKey, NaiveDate), Counted>, AggregateError> {
    let mut days: HashMap<(SketchKey, NaiveDate), Counted> = HashMap::new();
    for row in taken {
        let id: i64 = row.get(0);
        let day: NaiveDate = row.get(1);
        let fragment = Fragment::decode(row.get(2))
            .map_err(|source| AggregateError::CorruptSketch { id, source })?;
        for (key, counted) in fragment.sketches {
            days.entry((key, day)).or_default().merge(&counted);
        }
    }
    Ok(days)
}

/// Spreads each day's sketches over the week, month and lifetime that day counts towards.
fn into_periods(days: &HashMap<(SketchKey, NaiveDate), Counted>) -> HashMap<PeriodKey, Merging> {
    let mut merged: HashMap<PeriodKey, Merging> = HashMap::new();
    for (((org, campaign, kind), day), counted) in days {
        for period in Period::ALL {
            let key = (*org, *campaign, *kind, period, period.start(*day));
            let (into, first, last) = merged
                .entry(key)
                .or_insert_with(|| (Counted::default(), *day, *day));
            into.merge(counted);
            *first = (*first).min(*day);
            *last = (*last).max(*day);
        }
    }
    merged
}

/// The period keys as one array per column, the shape the SQL unnests.
struct KeyColumns {
    orgs: Vec<i64>,
    campaigns: Vec<i64>,
    kinds: Vec<EventType>,
    periods: Vec<&'static str>,
    starts: Vec<NaiveDate>,
}

impl KeyColumns {
    /// The columns of `keys`, in their order.
    fn of(keys: &[PeriodKey]) -> Self {
        KeyColumns {
            orgs: keys.iter().map(|k| k.0).collect(),
            campaigns: keys.iter().map(|k| k.1).collect(),
            kinds: keys.iter().map(|k| k.2).collect(),
            periods: keys.iter().map(|k| k.3.as_str()).collect(),
            starts: keys.iter().map(|k| k.4).collect(),
        }
    }
}

/// Merges the stored rows of the touched periods into `merged`: a sketch only grows, so
/// the row written back must hold what earlier takes counted.
async fn add_stored(
    tx: &Transaction<'_>,
    columns: &KeyColumns,
    merged: &mut HashMap<PeriodKey, Merging>,
) -> Result<(), AggregateError> {
    let KeyColumns {
        orgs,
        campaigns,
        kinds,
        periods,
        starts,
    } = columns;
    for row in tx
        .query(
            include_str!("sql/stored_sketches.sql"),
            &[orgs, campaigns, kinds, periods, starts],
        )
        .await?
    {
        let stored: &str = row.get(3);
        let period = Period::parse(stored).ok_or_else(|| AggregateError::UnknownPeriod {
            period: stored.to_owned(),
        })?;
        let key = (row.get(0), row.get(1), row.get(2), period, row.get(4));
        let sketch =
            Sketch::decode(row.get(5)).map_err(|source| AggregateError::CorruptStoredSketch {
                key: format!("{key:?}"),
                source,
            })?;
        let stored = Counted {
            events: u64::try_from(row.get::<_, i64>(8)).unwrap_or(0),
            sketch,
        };
        if let Some((counted, first, last)) = merged.get_mut(&key) {
            counted.merge(&stored);
            *first = (*first).min(row.get(6));
            *last = (*last).max(row.get(7));
        }
    }
    Ok(())
}

/// Writes the merged periods back, one statement for the whole take; returns the rows
/// written.
async fn write(
    tx: &Transaction<'_>,
    keys: &[PeriodKey],
    columns: &KeyColumns,
    merged: &HashMap<PeriodKey, Merging>,
    now: DateTime<Utc>,
) -> Result<u64, AggregateError> {
    let mut estimates = Vec::with_capacity(keys.len());
    let mut events = Vec::with_capacity(keys.len());
    let mut firsts = Vec::with_capacity(keys.len());
    let mut lasts = Vec::with_capacity(keys.len());
    let mut blobs = Vec::with_capacity(keys.len());
    for key in keys {
        let (counted, first, last) = &merged[key];
        estimates.push(i64::try_from(counted.estimate()).unwrap_or(i64::MAX));
        events.push(i64::try_from(counted.events).unwrap_or(i64::MAX));
        firsts.push(*first);
        lasts.push(*last);
        blobs.push(counted.sketch.encode());
    }
    let KeyColumns {
        orgs,
        campaigns,
        kinds,
        periods,
        starts,
    } = columns;
    Ok(tx
        .execute(
            include_str!("sql/write_sketches.sql"),
            &[
                orgs, campaigns, kinds, periods, starts, &estimates, &events, &firsts, &lasts,
                &blobs, &now,
            ],
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        testkit::day(s)
    }

    #[test]
    fn periods_start_on_monday_the_first_and_1970() {
        // 2026-11-22 is a Sunday.
        assert_eq!(Period::Week.start(d("2026-11-22")), d("2026-11-16"));
        assert_eq!(Period::Week.start(d("2026-11-16")), d("2026-11-16"));
        assert_eq!(Period::Month.start(d("2026-11-22")), d("2026-11-01"));
        assert_eq!(Period::Lifetime.start(d("2026-11-22")), d("1970-01-01"));
        for p in Period::ALL {
            assert_eq!(Period::parse(p.as_str()), Some(p));
        }
        assert_eq!(Period::parse("Week"), None);
    }
}
