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
    /// Most records one `POST /v1/events` may hold; more is answered 413.
    pub max_events_per_request: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_events_per_request: 1000,
        }
    }
}

/// A token bucket's default: one token every `refill`, at most `burst` saved up. An
/// organization's `rate_limit_settings` row for the action overrides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Time for one token to come back.
    pub refill: Duration,
    /// Most tokens saved up: the largest burst allowed after a quiet spell.
    pub burst: u32,
}

impl Bucket {
    /// `per_second` tokens a second, `burst` at most.
    pub const fn per_second(per_second: u64, burst: u32) -> Bucket {
        Bucket {
            refill: Duration::from_millis(1000 / per_second),
            burst,
        }
    }

    /// One token every `seconds`, `burst` at most.
    pub const fn every(seconds: u64, burst: u32) -> Bucket {
        Bucket {
            refill: Duration::from_secs(seconds),
            burst,
        }
    }
}

/// The rate limits' defaults, per caller (an API key, or a landing page visitor's
/// address) and per organization; the settings' action names are in brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Writes of one key (`write.key`).
    pub write_key: Bucket,
    /// Writes of all an organization's keys (`write.organization`).
    pub write_organization: Bucket,
    /// Contact imports of one key (`import.key`).
    pub import_key: Bucket,
    /// Contact imports of all an organization's keys (`import.organization`).
    pub import_organization: Bucket,
    /// Landing-page submissions from one address (`landing.address`).
    pub landing_address: Bucket,
    /// Landing-page submissions to one organization (`landing.organization`).
    pub landing_organization: Bucket,
    /// Event intake requests of one key (`events.key`).
    pub events_key: Bucket,
    /// Event intake requests of all an organization's keys (`events.organization`).
    pub events_organization: Bucket,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            write_key: Bucket::per_second(20, 200),
            write_organization: Bucket::per_second(100, 1000),
            import_key: Bucket::every(6, 5),
            import_organization: Bucket::every(2, 10),
            landing_address: Bucket::every(2, 20),
            landing_organization: Bucket::per_second(200, 2000),
            events_key: Bucket::per_second(50, 200),
            events_organization: Bucket::per_second(200, 1000),
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
    /// Rate limits' defaults.
    pub rate_limits: RateLimits,
    /// Where landing pages' and the intake's events go; `None` produces none (and the
    /// intake answers 503).
    pub events: Option<crate::events::EventsConfig>,
    /// What an event sent to `POST /v1/events` must respect: the ingest's limits.
    pub event_limits: ingest::Limits,
    /// The key erased addresses are hashed under (`TALLY_GDPR_KEY`): contact imports
    /// refuse the addresses the organization erased; `None` recognises none.
    pub erasure_key: Option<gdpr::ErasureKey>,
    /// The archive's object store, where the GDPR job writes exports; `None` answers
    /// their downloads 503.
    pub store: Option<archiver::ArchiveStore>,
}

impl ServeConfig {
    /// Listen on `addr` over `database` with the default pool size and limits.
    pub fn new(addr: SocketAddr, database: tokio_postgres::Config) -> ServeConfig {
        ServeConfig {
            addr,
            database,
            pool_size: 16,
            limits: Limits::default(),
            rate_limits: RateLimits::default(),
            events: None,
            event_limits: ingest::Limits::default(),
            erasure_key: None,
            store: None,
        }
    }
}
