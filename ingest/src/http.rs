//! `/metrics` and `/healthz` on the ingest's metrics address, served by the server every
//! long-running tally process shares.

use std::net::SocketAddr;

use tokio::task::JoinHandle;

/// Binds `addr` and serves until the returned task is aborted.
pub(crate) async fn serve(addr: SocketAddr) -> std::io::Result<JoinHandle<()>> {
    telemetry::serve(addr, |format| crate::metrics::global().encode(format)).await
}
