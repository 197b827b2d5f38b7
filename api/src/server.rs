//! Binding and running the server: refuse a database this build's migrations have not
//! all reached, listen, serve until the shutdown future resolves, then let the requests
//! in flight finish.

use std::future::Future;
use std::net::SocketAddr;

use schema::{Migrator, Pool};
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::events::Events;
use crate::routes::router;
use crate::state::AppState;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The pool could not be built from the configuration.
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] schema::PoolBuildError),
    /// No connection could be made to check the schema.
    #[error("cannot reach the database {database:?}: {cause}")]
    Connect {
        /// The database's name.
        database: String,
        /// Why.
        cause: String,
    },
    /// The schema check itself failed (or an applied migration changed).
    #[error("cannot check the database's migrations: {0}")]
    Migrate(#[from] schema::MigrateError),
    /// Migrations this build knows are not applied.
    #[error(
        "the database lacks migrations {0:?}: run `tally migrate` on it first, then start \
         the server again"
    )]
    PendingMigrations(Vec<u32>),
    /// The events producer could not be made.
    #[error("cannot produce landing pages' events: {0}")]
    Events(#[from] crate::events::EventsError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        cause: std::io::Error,
    },
    /// Serving failed.
    #[error("the server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// A server bound to its address, not yet serving.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    database: tokio_postgres::Config,
}

/// Builds the pool, checks the schema and binds `config.addr`.
pub async fn bind(config: ServeConfig) -> Result<Server, ServeError> {
    let pool = schema::pool(&with_statement_timeout(&config), config.pool_size)?;
    ensure_migrated(&pool, &config.database).await?;
    let events = Events::new(config.events.as_ref())?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|cause| ServeError::Bind {
            addr: config.addr,
            cause,
        })?;
    let local_addr = listener.local_addr().map_err(|cause| ServeError::Bind {
        addr: config.addr,
        cause,
    })?;
    Ok(Server {
        listener,
        local_addr,
        state: AppState::new(
            pool,
            config.limits,
            config.rate_limits,
            events,
            config.event_limits,
            config.erasure_key,
            config.store,
        ),
        database: config.database,
    })
}

/// Binds and serves until `shutdown` resolves; the requests in flight then finish.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    bind(config).await?.run(shutdown).await
}

impl Server {
    /// The address it listens on (the port chosen when the configuration asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` resolves, then stops accepting connections and returns
    /// once every request in flight has been answered.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        tracing::info!(addr = %self.local_addr, "serving the API");
        let pool = self.state.pool().clone();
        let key_changes = tokio::spawn(crate::key_cache::listen(
            self.state.key_cache().clone(),
            self.database,
        ));
        let served = axum::serve(
            self.listener,
            // Landing pages limit submissions by the visitor's address.
            router(self.state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing the requests in flight");
        })
        .await;
        key_changes.abort();
        served?;
        pool.close();
        tracing::info!("stopped");
        Ok(())
    }
}

/// The pool's connection settings: the configuration's, with `statement_timeout` at the
/// request timeout, so a request cut short does not leave its statement running.
fn with_statement_timeout(config: &ServeConfig) -> tokio_postgres::Config {
    let mut database = config.database.clone();
    let timeout = format!(
        "-c statement_timeout={}",
        config.limits.request_timeout.as_millis().max(1)
    );
    let options = match database.get_options() {
        Some(existing) if !existing.trim().is_empty() => format!("{existing} {timeout}"),
        _ => timeout,
    };
    database.options(&options);
    database
}

/// Fails unless every migration this build knows is applied, unchanged.
async fn ensure_migrated(pool: &Pool, database: &tokio_postgres::Config) -> Result<(), ServeError> {
    let mut client = pool.get().await.map_err(|e| ServeError::Connect {
        database: database.get_dbname().unwrap_or_default().to_owned(),
        cause: e.to_string(),
    })?;
    let pending = Migrator::default().pending(&mut client).await?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(ServeError::PendingMigrations(pending))
    }
}
