//! What every handler shares: the connection pool, the metrics and the limits.

use std::sync::Arc;

use schema::Pool;

use crate::config::{Limits, RateLimits};
use crate::events::Events;
use crate::metrics::Metrics;
use crate::throttle::Throttle;

/// The router's state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    metrics: Metrics,
    limits: Limits,
    throttle: Throttle,
    events: Events,
    event_limits: ingest::Limits,
    erasure_key: Option<gdpr::ErasureKey>,
    store: Option<archiver::ArchiveStore>,
    known_campaigns: crate::intake::KnownCampaigns,
    key_cache: Arc<crate::key_cache::KeyCache>,
}

impl AppState {
    /// State over `pool` with `limits`, rate limits defaulting to `rate_limits`, events
    /// produced by `events`, and a fresh set of metrics.
    pub(crate) fn new(
        pool: Pool,
        limits: Limits,
        rate_limits: RateLimits,
        events: Events,
        event_limits: ingest::Limits,
        erasure_key: Option<gdpr::ErasureKey>,
        store: Option<archiver::ArchiveStore>,
    ) -> AppState {
        let metrics = Metrics::new();
        let key_cache = Arc::new(crate::key_cache::KeyCache::new(
            metrics.key_changes_listening(),
        ));
        AppState {
            inner: Arc::new(Inner {
                pool,
                metrics,
                limits,
                throttle: Throttle::new(rate_limits),
                events,
                event_limits,
                erasure_key,
                store,
                known_campaigns: Default::default(),
                key_cache,
            }),
        }
    }

    /// The connection pool.
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// The server's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The producer of landing pages' events.
    pub(crate) fn events(&self) -> &Events {
        &self.inner.events
    }

    /// What an event sent over HTTP must respect.
    pub(crate) fn event_limits(&self) -> &ingest::Limits {
        &self.inner.event_limits
    }

    /// The key erased addresses are hashed under, if configured.
    pub(crate) fn erasure_key(&self) -> Option<&gdpr::ErasureKey> {
        self.inner.erasure_key.as_ref()
    }

    /// The archive's object store, if configured.
    pub(crate) fn store(&self) -> Option<&archiver::ArchiveStore> {
        self.inner.store.as_ref()
    }

    /// Campaigns the event intake found live recently.
    pub(crate) fn known_campaigns(&self) -> &crate::intake::KnownCampaigns {
        &self.inner.known_campaigns
    }

    /// The keys this replica authenticated lately.
    pub(crate) fn key_cache(&self) -> &Arc<crate::key_cache::KeyCache> {
        &self.inner.key_cache
    }

    /// The replica's rate limiter.
    pub(crate) fn throttle(&self) -> &Throttle {
        &self.inner.throttle
    }

    /// The request limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }
}
