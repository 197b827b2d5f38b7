//! What `serve` needs to know: where to listen, which database, and the request limits.

use std::net::SocketAddr;
use std::time::Duration;

/// How large and how long a request may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes; larger is answered 413.
    pub max_body_bytes: usize,
    /// Longest a request may take; longer is answered 503 (`/problems/timeout`), and the
    /// database cancels the request's statement at the same time (`statement_timeout`).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free one; see `Server::local_addr`).
    pub addr: SocketAddr,
    /// The database, migrated to this build's schema.
    pub database: tokio_postgres::Config,
    /// Most connections the pool opens.
    pub pool_size: usize,
    /// Request limits.
    pub limits: Limits,
}

impl ServeConfig {
    /// Listen on `addr` over `database` with the default pool size and limits.
    pub fn new(addr: SocketAddr, database: tokio_postgres::Config) -> ServeConfig {
        ServeConfig {
            addr,
            database,
            pool_size: 16,
            limits: Limits::default(),
        }
    }
}
