//! What every handler shares: the connection pool, the metrics and the limits.

use std::sync::Arc;

use schema::Pool;

use crate::config::{Limits, RateLimits};
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
}

impl AppState {
    /// State over `pool` with `limits`, rate limits defaulting to `rate_limits`, and a
    /// fresh set of metrics.
    pub fn new(pool: Pool, limits: Limits, rate_limits: RateLimits) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                pool,
                metrics: Metrics::new(),
                limits,
                throttle: Throttle::new(rate_limits),
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

    /// The replica's rate limiter.
    pub(crate) fn throttle(&self) -> &Throttle {
        &self.inner.throttle
    }

    /// The request limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }
}
