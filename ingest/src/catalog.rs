//! Known organizations and campaigns: an in-memory cache over `organizations` and
//! `campaigns`, so every event is checked before it is stored and an event of an
//! unknown organization or campaign goes to `dead_letters` instead of becoming an
//! orphan row (`events` has no foreign keys, see `docs/schema.md`).
//!
//! Readers take an immutable [`Snapshot`] (an `Arc` clone under a briefly held lock);
//! a refresh loads a new snapshot and swaps it in. One refresh runs at a time: a caller
//! that waited behind another refresh that started after its own call returns without
//! querying again.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use deadpool_postgres::{Pool, PoolError};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_postgres::IsolationLevel;
use tracing::{debug, warn};

use crate::decode::Reason;

/// Shortest period [`Catalog::spawn_refresher`] accepts; a shorter one is raised to it.
const MIN_REFRESH_PERIOD: Duration = Duration::from_millis(10);

/// The organizations and campaigns that existed when a snapshot was loaded; immutable.
#[derive(Debug)]
pub struct Snapshot {
    organizations: HashSet<i64>,
    campaigns: HashSet<(i64, i64)>,
    /// When the query that loaded it started: anything created before is in it.
    loaded_at: Instant,
}

impl Snapshot {
    /// A snapshot of the given organization ids and `(organization_id, campaign_id)`
    /// pairs, loaded now; for tests that need no database.
    #[cfg(any(test, feature = "testsuite"))]
    pub fn new(
        organizations: impl IntoIterator<Item = i64>,
        campaigns: impl IntoIterator<Item = (i64, i64)>,
    ) -> Snapshot {
        Snapshot {
            organizations: organizations.into_iter().collect(),
            campaigns: campaigns.into_iter().collect(),
            loaded_at: Instant::now(),
        }
    }

    /// Whether an event of this organization and campaign may be stored: the
    /// organization must exist, and the campaign must exist within it (a campaign of
    /// another organization is an unknown campaign).
    pub fn check(&self, organization_id: i64, campaign_id: i64) -> Result<(), Reason> {
        if !self.organizations.contains(&organization_id) {
            Err(Reason::UnknownOrganization)
        } else if !self.campaigns.contains(&(organization_id, campaign_id)) {
            Err(Reason::UnknownCampaign)
        } else {
            Ok(())
        }
    }

    /// How many organizations it holds.
    pub fn organizations(&self) -> usize {
        self.organizations.len()
    }

    /// How many campaigns it holds.
    pub fn campaigns(&self) -> usize {
        self.campaigns.len()
    }

    /// How long ago the query that loaded it started.
    pub fn age(&self) -> Duration {
        self.loaded_at.elapsed()
    }
}

/// Why the catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No connection could be had from the pool.
    #[error(
        "cannot get a Postgres connection to load the organizations and campaigns: {}; \
         check that the database is reachable",
        describe_pool_error(.0)
    )]
    Connect(#[source] PoolError),
    /// A query failed.
    #[error(
        "loading the organizations and campaigns failed while {step}: {}",
        schema::describe_pg_error(.source)
    )]
    Query {
        /// What was being done.
        step: &'static str,
        /// The server's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The connection's role sees only part of the tables.
    #[error(
        "role {role} is subject to row-level security on organizations or campaigns, so it \
         would see only some of them and events of the others would be dead-lettered; run \
         ingest as the owner of the tables (the role that runs the migrations)"
    )]
    RowSecurity {
        /// The connection's `current_user`.
        role: String,
    },
}

/// The server's full message when the pool failed on Postgres itself.
fn describe_pool_error(error: &PoolError) -> String {
    match error {
        PoolError::Backend(e) => schema::describe_pg_error(e),
        other => other.to_string(),
    }
}

impl CatalogError {
    fn connect(error: PoolError) -> CatalogError {
        CatalogError::Connect(error)
    }

    fn query(step: &'static str) -> impl FnOnce(tokio_postgres::Error) -> CatalogError {
        move |source| CatalogError::Query { step, source }
    }
}

/// Known organizations and campaigns, shared by all writers; cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    current: RwLock<Arc<Snapshot>>,
    /// Held for the whole of a refresh, so refreshes run one at a time.
    refreshing: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// A catalog over a snapshot, until it is refreshed.
    fn new(snapshot: Snapshot) -> Catalog {
        Catalog {
            inner: Arc::new(Inner {
                current: RwLock::new(Arc::new(snapshot)),
                refreshing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Loads every organization and campaign from the database.
    pub async fn load(pool: &Pool) -> Result<Catalog, CatalogError> {
        Ok(Catalog::new(load_snapshot(pool).await?))
    }

    /// The current snapshot; hold it for a batch, not for ever.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(
            &self
                .inner
                .current
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Reloads from the database, unless a refresh that started after this call
    /// completed meanwhile; on failure the current snapshot stays.
    #[cfg(feature = "testsuite")]
    pub async fn refresh(&self, pool: &Pool) -> Result<(), CatalogError> {
        self.refresh_if_older_than(pool, Duration::ZERO)
            .await
            .map(|_| ())
    }

    /// Refreshes only if the last refresh is older than `min_age`; returns whether it
    /// did. Writers call it when a batch has misses, so a campaign created a moment ago
    /// is not dead-lettered.
    pub async fn refresh_if_older_than(
        &self,
        pool: &Pool,
        min_age: Duration,
    ) -> Result<bool, CatalogError> {
        let requested = Instant::now();
        let _one_at_a_time = self.inner.refreshing.lock().await;
        let current = self.snapshot();
        // A refresh that started after this call finished while it waited: as fresh.
        if current.loaded_at >= requested || current.age() < min_age {
            return Ok(false);
        }
        let fresh = load_snapshot(pool).await?;
        debug!(
            organizations = fresh.organizations(),
            campaigns = fresh.campaigns(),
            elapsed_ms = fresh.age().as_millis() as u64,
            "catalog refreshed"
        );
        *self
            .inner
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(true)
    }

    /// Refreshes every `every` until `shutdown` resolves; logs failures and keeps the
    /// old snapshot. A tick is skipped when a refresh (on a miss) ran within the last
    /// half period.
    pub fn spawn_refresher(
        &self,
        pool: Pool,
        every: Duration,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> JoinHandle<()> {
        let catalog = self.clone();
        let every = every.max(MIN_REFRESH_PERIOD);
        tokio::spawn(async move {
            let mut shutdown = std::pin::pin!(shutdown);
            let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = &mut shutdown => break,
                    _ = ticks.tick() => {}
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    result = catalog.refresh_if_older_than(&pool, every / 2) => {
                        if let Err(e) = result {
                            warn!(error = %e, "catalog refresh failed; keeping the previous snapshot");
                        }
                    }
                }
            }
            debug!("catalog refresher stopped");
        })
    }
}

async fn load_snapshot(pool: &Pool) -> Result<Snapshot, CatalogError> {
    let loaded_at = Instant::now();
    let mut client = pool.get().await.map_err(CatalogError::connect)?;
    // One snapshot of both tables, so every campaign's organization is in it too.
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(CatalogError::query("starting a read-only transaction"))?;
    let row = tx
        .query_one(
            "SELECT current_user::text, row_security_active('organizations') OR row_security_active('campaigns')",
            &[],
        )
        .await
        .map_err(CatalogError::query("checking row-level security"))?;
    if row.get::<_, bool>(1) {
        return Err(CatalogError::RowSecurity { role: row.get(0) });
    }
    let organizations = tx
        .query("SELECT id FROM organizations", &[])
        .await
        .map_err(CatalogError::query("reading organizations"))?
        .iter()
        .map(|row| row.get::<_, i64>(0))
        .collect();
    let campaigns = tx
        .query("SELECT organization_id, id FROM campaigns", &[])
        .await
        .map_err(CatalogError::query("reading campaigns"))?
        .iter()
        .map(|row| (row.get::<_, i64>(0), row.get::<_, i64>(1)))
        .collect();
    tx.commit()
        .await
        .map_err(CatalogError::query("ending the read-only transaction"))?;
    Ok(Snapshot {
        organizations,
        campaigns,
        loaded_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_tells_unknown_organizations_from_unknown_campaigns() {
        let s = Snapshot::new([1, 2], [(1, 10), (2, 20)]);
        assert_eq!(s.check(1, 10), Ok(()));
        assert_eq!(s.check(2, 20), Ok(()));
        assert_eq!(s.check(3, 10), Err(Reason::UnknownOrganization));
        assert_eq!(s.check(1, 11), Err(Reason::UnknownCampaign));
        // Another organization's campaign is unknown here.
        assert_eq!(s.check(1, 20), Err(Reason::UnknownCampaign));
        assert_eq!((s.organizations(), s.campaigns()), (2, 2));
    }
}
