//! Unique contacts over weeks, months and campaign lifetimes: ingest's sketch fragments
//! are folded into one HyperLogLog sketch per organization, campaign, event type and
//! period. A sketch only grows, so each fragment is read once, merged and deleted, and
//! no event is reread; merging is idempotent, so a fragment merged twice changes nothing.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use schema::{Counted, EventType, Fragment, Sketch, SketchKey};
use tokio_postgres::Client;

use crate::AggregateError;

/// Fragments taken per transaction. Every period row a transaction touches is rewritten
/// once, so larger takes mean fewer rewrites; memory grows with the periods touched, not
/// with this (a fragment of a 10,000-event batch is about 50 KB).
const TAKE: i64 = 1_000;

/// The periods a day counts towards.
const PERIODS: [&str; 3] = ["week", "month", "lifetime"];

/// (organization, campaign, event type, period, period start).
type PeriodKey = (i64, i64, EventType, &'static str, NaiveDate);

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UniqueReport {
    /// Fragments merged and deleted.
    pub fragments: u64,
    /// event_unique_contacts rows written.
    pub rows: u64,
}

/// The first day of `period` that contains `day`.
fn period_start(period: &str, day: NaiveDate) -> NaiveDate {
    match period {
        "week" => day
            .checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
            .unwrap_or(day),
        "month" => day.with_day(1).unwrap_or(day),
        _ => NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(day),
    }
}

/// Folds every waiting sketch fragment into the week, month and lifetime rows of
/// event_unique_contacts.
pub async fn merge_unique_contacts(
    client: &mut Client,
    now: DateTime<Utc>,
) -> Result<UniqueReport, AggregateError> {
    let mut report = UniqueReport::default();
    loop {
        let started = Instant::now();
        let tx = client.transaction().await?;
        let taken = tx
            .query(include_str!("sql/take_fragments.sql"), &[&TAKE])
            .await?;
        if taken.is_empty() {
            break;
        }
        // Per key and day first, then into the periods: each fragment is merged once,
        // not once per period.
        let mut days: HashMap<(SketchKey, NaiveDate), Counted> = HashMap::new();
        for row in &taken {
            let id: i64 = row.get(0);
            let day: NaiveDate = row.get(1);
            let fragment = Fragment::decode(row.get(2))
                .map_err(|source| AggregateError::CorruptSketch { id, source })?;
            for (key, counted) in fragment.sketches {
                days.entry((key, day)).or_default().merge(&counted);
            }
        }
        let mut merged: HashMap<PeriodKey, (Counted, NaiveDate, NaiveDate)> = HashMap::new();
        for (((org, campaign, kind), day), counted) in &days {
            for period in PERIODS {
                let key = (*org, *campaign, *kind, period, period_start(period, *day));
                let (into, first, last) = merged
                    .entry(key)
                    .or_insert_with(|| (Counted::default(), *day, *day));
                into.merge(counted);
                *first = (*first).min(*day);
                *last = (*last).max(*day);
            }
        }
        let mut keys: Vec<PeriodKey> = merged.keys().copied().collect();
        keys.sort_unstable();
        let orgs: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let campaigns: Vec<i64> = keys.iter().map(|k| k.1).collect();
        let kinds: Vec<EventType> = keys.iter().map(|k| k.2).collect();
        let periods: Vec<&str> = keys.iter().map(|k| k.3).collect();
        let starts: Vec<NaiveDate> = keys.iter().map(|k| k.4).collect();
        for row in tx
            .query(
                include_str!("sql/stored_sketches.sql"),
                &[&orgs, &campaigns, &kinds, &periods, &starts],
            )
            .await?
        {
            let period: String = row.get(3);
            let Some(period) = PERIODS.into_iter().find(|p| *p == period) else {
                continue;
            };
            let key = (row.get(0), row.get(1), row.get(2), period, row.get(4));
            let sketch = Sketch::decode(row.get(5)).map_err(|source| {
                AggregateError::CorruptStoredSketch {
                    key: format!("{key:?}"),
                    source,
                }
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
        let mut estimates = Vec::with_capacity(keys.len());
        let mut events = Vec::with_capacity(keys.len());
        let mut firsts = Vec::with_capacity(keys.len());
        let mut lasts = Vec::with_capacity(keys.len());
        let mut blobs = Vec::with_capacity(keys.len());
        for key in &keys {
            let (counted, first, last) = &merged[key];
            estimates.push(i64::try_from(counted.estimate()).unwrap_or(i64::MAX));
            events.push(i64::try_from(counted.events).unwrap_or(i64::MAX));
            firsts.push(*first);
            lasts.push(*last);
            blobs.push(counted.sketch.encode());
        }
        let rows = tx
            .execute(
                include_str!("sql/write_sketches.sql"),
                &[
                    &orgs, &campaigns, &kinds, &periods, &starts, &estimates, &events, &firsts,
                    &lasts, &blobs, &now,
                ],
            )
            .await?;
        tx.commit().await?;
        tracing::info!(
            fragments = taken.len(),
            rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "unique-contact sketches merged"
        );
        report.fragments += taken.len() as u64;
        report.rows += rows;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods_start_on_monday_the_first_and_1970() {
        // 2026-11-22 is a Sunday.
        assert_eq!(period_start("week", d("2026-11-22")), d("2026-11-16"));
        assert_eq!(period_start("week", d("2026-11-16")), d("2026-11-16"));
        assert_eq!(period_start("month", d("2026-11-22")), d("2026-11-01"));
        assert_eq!(period_start("lifetime", d("2026-11-22")), d("1970-01-01"));
    }
}
