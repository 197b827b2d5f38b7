//! Ctrl-C and SIGTERM, as one listener.

use anyhow::Context as _;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Waits for the first SIGINT (Ctrl-C) or SIGTERM.
///
/// The handlers are installed when the listener is made, not when it is first awaited:
/// a signal that arrives in between (a script that reads "press Ctrl-C" and sends one
/// at once) is then kept rather than lost, and the process cannot hang waiting for a
/// signal it already received.
pub struct Shutdown {
    interrupt: Signal,
    terminate: Signal,
}

impl Shutdown {
    /// Installs the SIGINT and SIGTERM handlers.
    pub fn listen() -> anyhow::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
            terminate: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
        })
    }

    /// Resolves on the first signal received since the listener was made, or the next one.
    pub async fn received(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use nix::sys::signal::{Signal as NixSignal, raise};

    use super::Shutdown;

    #[tokio::test]
    async fn a_signal_before_the_first_wait_is_not_lost() {
        let mut shutdown = Shutdown::listen().expect("handlers install");
        // Delivered while nobody awaits the listener, as when a supervisor reads the
        // "press Ctrl-C" prompt and signals at once.
        raise(NixSignal::SIGTERM).expect("raise SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
        tokio::time::timeout(Duration::from_secs(5), shutdown.received())
            .await
            .expect("the SIGTERM sent before the wait ends it");
    }
}
