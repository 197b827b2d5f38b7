//! What every handler shares: the connection pool, the metrics and the limits.

use std::sync::Arc;

use schema::Pool;

use crate::config::Limits;
use crate::metrics::Metrics;

/// The router's state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    metrics: Metrics,
    limits: Limits,
}

impl AppState {
    /// State over `pool` with `limits` and a fresh set of metrics.
    pub fn new(pool: Pool, limits: Limits) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                pool,
                metrics: Metrics::new(),
                limits,
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

    /// The request limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }
}
