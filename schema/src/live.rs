//! The live counters and invalidations an ingest batch writes beside its events: the
//! contract between ingest, which writes them, and the aggregator and the dashboards,
//! which read them. Test fixtures that store events by hand write them through here
//! too, so that they cannot drift from what ingest does.

use std::collections::HashMap;

use chrono::NaiveDate;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use crate::EventType;

/// Adds counts to `event_counters`: `$1..$4` the keys, `$5` the shard, `$6` the counts.
pub const ADD_COUNTS: &str = include_str!("live/counters.sql");

/// Marks campaign days in `event_invalidations`: `$1..$3` the keys, `$4` the shard.
pub const INVALIDATE: &str = include_str!("live/invalidations.sql");

/// A count's key: organization, campaign, event type, UTC day.
pub type CountKey = (i64, i64, EventType, NaiveDate);

/// A batch's counts as the two statements take them: keys in order (the order the
/// aggregator locks invalidations in, so that neither deadlocks) and the campaign days
/// they touch.
#[derive(Debug, Clone, Default)]
pub struct LiveCounts {
    orgs: Vec<i64>,
    campaigns: Vec<i64>,
    types: Vec<EventType>,
    days: Vec<NaiveDate>,
    counts: Vec<i64>,
    touched_orgs: Vec<i64>,
    touched_campaigns: Vec<i64>,
    touched_days: Vec<NaiveDate>,
}

impl LiveCounts {
    /// The counts of `events` (one key per stored event), summed per key.
    pub fn of(events: impl IntoIterator<Item = CountKey>) -> LiveCounts {
        let mut counts: HashMap<CountKey, i64> = HashMap::new();
        for key in events {
            *counts.entry(key).or_default() += 1;
        }
        LiveCounts::from_counts(counts)
    }

    /// Counts already summed per key.
    pub fn from_counts(counts: impl IntoIterator<Item = (CountKey, i64)>) -> LiveCounts {
        let mut keys: Vec<(CountKey, i64)> = counts.into_iter().collect();
        keys.sort_unstable_by_key(|(k, _)| *k);
        let mut touched: Vec<(i64, i64, NaiveDate)> =
            keys.iter().map(|(k, _)| (k.0, k.1, k.3)).collect();
        touched.sort_unstable();
        touched.dedup();
        LiveCounts {
            orgs: keys.iter().map(|(k, _)| k.0).collect(),
            campaigns: keys.iter().map(|(k, _)| k.1).collect(),
            types: keys.iter().map(|(k, _)| k.2).collect(),
            days: keys.iter().map(|(k, _)| k.3).collect(),
            counts: keys.iter().map(|(_, n)| *n).collect(),
            touched_orgs: touched.iter().map(|t| t.0).collect(),
            touched_campaigns: touched.iter().map(|t| t.1).collect(),
            touched_days: touched.iter().map(|t| t.2).collect(),
        }
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The parameters of [`ADD_COUNTS`] for `shard`.
    pub fn count_params<'a>(&'a self, shard: &'a i32) -> [&'a (dyn ToSql + Sync); 6] {
        [
            &self.orgs,
            &self.campaigns,
            &self.types,
            &self.days,
            shard,
            &self.counts,
        ]
    }

    /// The parameters of [`INVALIDATE`] for `shard`.
    pub fn invalidation_params<'a>(&'a self, shard: &'a i32) -> [&'a (dyn ToSql + Sync); 4] {
        [
            &self.touched_orgs,
            &self.touched_campaigns,
            &self.touched_days,
            shard,
        ]
    }

    /// Writes both, in the caller's transaction, as shard `shard`.
    pub async fn write(
        &self,
        client: &impl GenericClient,
        shard: i32,
    ) -> Result<(), tokio_postgres::Error> {
        if self.is_empty() {
            return Ok(());
        }
        client
            .execute(ADD_COUNTS, &self.count_params(&shard))
            .await?;
        client
            .execute(INVALIDATE, &self.invalidation_params(&shard))
            .await?;
        Ok(())
    }
}
