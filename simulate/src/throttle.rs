//! Keeps a producer within a window of what the ingest has committed, so a broker with
//! bounded retention (librdkafka's mock keeps about 5 MB per partition) never expires
//! records before they are read.

/// Wraps `records` so that the n-th record is only yielded once `committed()` reaches
/// `n - window`. Blocks the calling thread while it waits: use it on the producer's
/// blocking thread, as [`super::produce`] does.
pub fn throttled<I, F>(records: I, window: u64, committed: F) -> Throttled<I, F>
where
    I: Iterator,
    F: Fn() -> u64,
{
    Throttled {
        records,
        window,
        committed,
        yielded: 0,
    }
}

/// The iterator [`throttled`] returns.
#[derive(Debug)]
pub struct Throttled<I, F> {
    records: I,
    window: u64,
    committed: F,
    yielded: u64,
}

impl<I: Iterator, F: Fn() -> u64> Iterator for Throttled<I, F> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        // Only an item that exists waits for room: the end of the stream never blocks.
        let item = self.records.next()?;
        while self.yielded >= (self.committed)().saturating_add(self.window) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        self.yielded += 1;
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[test]
    fn yields_up_to_the_window_ahead_of_what_is_committed() {
        let committed = Arc::new(AtomicU64::new(0));
        let seen = committed.clone();
        let mut it = throttled(0..100u64, 10, move || seen.load(Ordering::Relaxed));
        let first: Vec<u64> = (&mut it).take(10).collect();
        assert_eq!(first.len(), 10);
        let releaser = {
            let committed = committed.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                committed.store(90, Ordering::Relaxed);
            })
        };
        let started = std::time::Instant::now();
        assert_eq!(it.next(), Some(10));
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(40),
            "did not wait"
        );
        releaser.join().unwrap();
        assert_eq!(it.count(), 89);
    }
}
