//! Ctrl-C and SIGTERM, as one future.

use anyhow::Context as _;

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = term.recv() => {}
    }
    Ok(())
}
