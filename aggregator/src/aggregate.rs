//! The aggregation run and the restatement of one day.
//!
//! Ingest records in event_invalidations every (day, campaign) a batch touched. A run
//! takes those days one at a time, oldest first, and in one transaction per day claims
//! the entries, recounts the claimed campaigns from the day's partition and writes their
//! rows. Both are plain functions of a connection and the current time, so the
//! scheduler, `tally run` and the tests (with a fixed clock) share one code path.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use schema::{end_of_day, start_of_day};
use tokio_postgres::{Client, Transaction};
use tracing::instrument;

use crate::{AggregateError, merge_unique_contacts};

/// When a day's aggregates stop following new events: `delay` after the day ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finality {
    /// How long after its end (midnight UTC) a day becomes final.
    pub delay: TimeDelta,
}

impl Default for Finality {
    fn default() -> Self {
        Finality {
            delay: TimeDelta::hours(24),
        }
    }
}

impl Finality {
    /// The moment `day` becomes final: the first aggregation run from then on writes
    /// its final rows.
    pub fn bound(self, day: NaiveDate) -> DateTime<Utc> {
        end_of_day(day) + self.delay
    }

    /// Whether `day` is final at `now`.
    pub fn is_final(self, day: NaiveDate, now: DateTime<Utc>) -> bool {
        now >= self.bound(day)
    }

    /// The latest day that is final at `now`.
    pub fn last_final_day(self, now: DateTime<Utc>) -> NaiveDate {
        let line = (now - self.delay).date_naive();
        line.checked_sub_days(Days::new(1)).unwrap_or(line)
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AggregateReport {
    /// Days recomputed (one transaction each).
    pub days: u64,
    /// (day, campaign) pairs recomputed.
    pub campaign_days: u64,
    /// event_aggregations rows written or made final.
    pub rows: u64,
    /// (campaign, type, day) keys whose late-event count was set.
    pub late_keys: u64,
    /// Week, month and lifetime unique-contact rows written.
    pub unique_rows: u64,
}

impl AggregateReport {
    /// Rows the run changed, as job_runs records them.
    pub fn rows_affected(&self) -> u64 {
        self.rows + self.late_keys + self.unique_rows
    }
}

/// Recomputes every campaign day invalidated since the last run, makes final the rows of
/// days that crossed the finality line, and merges ingest's unique-contact sketches into
/// their weeks, months and campaign lifetimes. Idempotent: a second run with no new
/// events touches no day.
pub async fn aggregate(
    client: &mut Client,
    now: DateTime<Utc>,
    finality: Finality,
) -> Result<AggregateReport, AggregateError> {
    let mut report = AggregateReport::default();
    let days: Vec<NaiveDate> = client
        .query(include_str!("sql/pending_days.sql"), &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for day in days {
        let done = aggregate_day(client, day, now, finality).await?;
        report.days += done.days;
        report.campaign_days += done.campaign_days;
        report.rows += done.rows;
        report.late_keys += done.late_keys;
    }
    let finalized = client
        .execute(
            include_str!("sql/finalize.sql"),
            &[&finality.last_final_day(now), &now],
        )
        .await?;
    if finalized > 0 {
        tracing::info!(rows = finalized, "aggregates made final");
    }
    report.rows += finalized;
    report.unique_rows = merge_unique_contacts(client, now).await?.rows;
    Ok(report)
}

/// Recomputes the claimed campaigns of one invalidated day in one transaction, so the
/// claim is given back if anything fails.
#[instrument(skip_all, fields(%day))]
async fn aggregate_day(
    client: &mut Client,
    day: NaiveDate,
    now: DateTime<Utc>,
    finality: Finality,
) -> Result<AggregateReport, AggregateError> {
    let tx = client.transaction().await?;
    scratch(&tx).await?;
    let pairs = tx.query(include_str!("sql/claim.sql"), &[&day]).await?;
    let orgs: Vec<i64> = pairs.iter().map(|r| r.get(0)).collect();
    let campaigns: Vec<i64> = pairs.iter().map(|r| r.get(1)).collect();
    // A final day's rows are final from this run on: what is stored now is in
    // them, whatever arrives later is late.
    let bound = finality.is_final(day, now).then_some(now);
    let (scan_orgs, scan_campaigns) =
        to_recount(&tx, day, &orgs, &campaigns, bound.is_some()).await?;
    if !scan_orgs.is_empty() {
        let (from, to) = (start_of_day(day), end_of_day(day));
        tx.execute(
            include_str!("sql/count_pairs.sql"),
            &[&from, &to, &scan_orgs, &scan_campaigns],
        )
        .await?;
    }
    if bound.is_none() {
        tx.execute(
            include_str!("sql/delete_open.sql"),
            &[&day, &orgs, &campaigns],
        )
        .await?;
    }
    let rows = tx
        .execute(include_str!("sql/write_rows.sql"), &[&day, &bound, &now])
        .await?;
    let late = match bound {
        Some(_) => {
            tx.execute(
                include_str!("sql/late.sql"),
                &[&day, &now, &orgs, &campaigns],
            )
            .await?
        }
        None => 0,
    };
    tx.commit().await?;
    tracing::info!(
        %day,
        campaigns = orgs.len(),
        recounted = scan_orgs.len(),
        rows,
        late,
        is_final = bound.is_some(),
        "day aggregated"
    );
    Ok(AggregateReport {
        days: 1,
        campaign_days: orgs.len() as u64,
        rows,
        late_keys: late,
        unique_rows: 0,
    })
}

/// The claimed campaigns to recount from the day's events: campaigns whose rows of a
/// final day are final already only need their late events counted; the others (not
/// aggregated before the day became final, or a day not final yet) are recounted.
async fn to_recount(
    tx: &Transaction<'_>,
    day: NaiveDate,
    orgs: &[i64],
    campaigns: &[i64],
    is_final: bool,
) -> Result<(Vec<i64>, Vec<i64>), AggregateError> {
    let settled: HashSet<(i64, i64)> = if is_final {
        tx.query(
            include_str!("sql/settled_pairs.sql"),
            &[&day, &orgs, &campaigns],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    } else {
        HashSet::new()
    };
    Ok(orgs
        .iter()
        .zip(campaigns)
        .filter(|(o, c)| !settled.contains(&(**o, **c)))
        .map(|(o, c)| (*o, *c))
        .unzip())
}

/// Recomputes every aggregate of `day` from its events, late events included, on
/// purpose: a final day stays final, counted through `now`, and its late counts are
/// cleared. Refused for a day whose partition is not in the database.
pub async fn restate(
    client: &mut Client,
    day: NaiveDate,
    now: DateTime<Utc>,
    finality: Finality,
) -> Result<AggregateReport, AggregateError> {
    if !schema::partition_exists(&*client, day).await? {
        return Err(AggregateError::DayNotInDatabase(day));
    }
    let tx = client.transaction().await?;
    scratch(&tx).await?;
    let pairs = tx.query(include_str!("sql/claim.sql"), &[&day]).await?;
    tx.execute(include_str!("sql/restate_clear.sql"), &[&day])
        .await?;
    tx.execute(
        include_str!("sql/count_day.sql"),
        &[&start_of_day(day), &end_of_day(day)],
    )
    .await?;
    let bound = finality.is_final(day, now).then_some(now);
    let rows = tx
        .execute(include_str!("sql/write_rows.sql"), &[&day, &bound, &now])
        .await?;
    tx.commit().await?;
    tracing::info!(%day, rows, claimed = pairs.len(), is_final = bound.is_some(), "day restated");
    Ok(AggregateReport {
        days: 1,
        campaign_days: pairs.len() as u64,
        rows,
        late_keys: 0,
        unique_rows: 0,
    })
}

async fn scratch(tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    tx.batch_execute(include_str!("sql/day_counts_table.sql"))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::at;

    #[test]
    fn a_day_is_final_24_hours_after_it_ends() {
        let f = Finality::default();
        let day = testkit::day("2026-11-20");
        assert_eq!(f.bound(day), at("2026-11-22T00:00:00Z"));
        assert!(!f.is_final(day, at("2026-11-21T23:59:59Z")));
        assert!(!f.is_final(day, at("2026-11-21T02:00:00Z")));
        assert!(f.is_final(day, at("2026-11-22T00:00:00Z")));
        assert_eq!(f.last_final_day(at("2026-11-22T02:00:00Z")), day);
        assert_eq!(
            f.last_final_day(at("2026-11-21T23:59:59Z")),
            testkit::day("2026-11-19")
        );
    }
}
