//! Capped, jittered exponential backoff for transient failures.

use std::time::Duration;

use rand::Rng as _;

/// The longest delay, before jitter takes up to half of it off.
const MAX_DELAY_MS: u64 = 5_000;

/// Delays of 100 ms doubling up to 5 s, each with up to 50% random jitter so that
/// replicas retrying after a shared outage do not stampede. The cap is short because
/// it is also how long a batch may wait after Postgres is back: at 30 s, ingest
/// resumed 8-12 s after a 30 s outage; a retry every few seconds costs Postgres
/// nothing.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub fn new() -> Backoff {
        Backoff { attempt: 0 }
    }

    /// The next delay to wait.
    pub fn next_delay(&mut self) -> Duration {
        let base_ms = 100u64
            .saturating_mul(1 << self.attempt.min(9))
            .min(MAX_DELAY_MS);
        self.attempt += 1;
        let jitter = rand::rng().random_range(0..=base_ms / 2);
        Duration::from_millis(base_ms / 2 + jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_is_capped() {
        let mut b = Backoff::new();
        let first = b.next_delay();
        assert!(first <= Duration::from_millis(100), "{first:?}");
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d <= Duration::from_secs(5), "{d:?}");
        }
        let late = b.next_delay();
        assert!(late >= Duration::from_millis(2_500), "{late:?}");
    }
}
