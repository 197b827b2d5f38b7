//! The keys of the events this process stored most recently, so that a producer's retry
//! of one of them is dropped before the COPY. Without it, a repeat of an event stored by
//! an earlier batch makes the batch's COPY fail on the primary key and run again
//! through the staging table: with 1% retries nearly every batch took that path.
//!
//! Only keys of committed batches are remembered, and the writer looks the remembered
//! keys of a batch up in the database before it drops their rows (`Writer::remembered`):
//! a database that lost acknowledged commits (a crash with asynchronous commit, a
//! failover, a restore) makes the writer forget them all instead, so dropping a row
//! never loses an event. A repeat older than the window, or stored by another process,
//! still meets the primary key and the staging path: the database stays the judge, this
//! only spares it a failed COPY.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How many keys are remembered: about 60 bytes each, so about 15 MB. Producers retry
/// within seconds, a few batches later; this covers the last dozens of batches.
pub(crate) const RECENT_KEYS: usize = 262_144;

/// An event's primary key in compact form: the id and the time in microseconds.
type Key = (u128, i64);

fn compact(key: (Uuid, DateTime<Utc>)) -> Key {
    (key.0.as_u128(), key.1.timestamp_micros())
}

/// Keys of recently committed events, shared by every writer of the process.
#[derive(Debug, Clone)]
pub(crate) struct RecentKeys(Arc<Mutex<Window>>);

#[derive(Debug)]
struct Window {
    keys: HashSet<Key>,
    /// The keys in the order they were remembered, a batch at a time, oldest first.
    batches: VecDeque<Vec<Key>>,
    capacity: usize,
}

impl Default for RecentKeys {
    fn default() -> Self {
        RecentKeys::with_capacity(RECENT_KEYS)
    }
}

impl RecentKeys {
    /// A window of at most `capacity` keys (0 remembers nothing).
    pub(crate) fn with_capacity(capacity: usize) -> RecentKeys {
        RecentKeys(Arc::new(Mutex::new(Window {
            keys: HashSet::with_capacity(capacity.min(RECENT_KEYS)),
            batches: VecDeque::new(),
            capacity,
        })))
    }

    /// Which of `keys` are remembered: `true` at the positions of stored events.
    pub(crate) fn stored(&self, keys: impl Iterator<Item = (Uuid, DateTime<Utc>)>) -> Vec<bool> {
        let window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if window.keys.is_empty() {
            return keys.map(|_| false).collect();
        }
        keys.map(|k| window.keys.contains(&compact(k))).collect()
    }

    /// Forgets every key: the database does not hold them all.
    pub(crate) fn forget(&self) {
        let mut window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        window.keys.clear();
        window.batches.clear();
    }

    /// Remembers the keys of a committed batch, forgetting the oldest batches beyond
    /// the capacity.
    pub(crate) fn remember(&self, keys: impl Iterator<Item = (Uuid, DateTime<Utc>)>) {
        let mut window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if window.capacity == 0 {
            return;
        }
        let batch: Vec<Key> = keys.map(compact).collect();
        window.keys.extend(batch.iter().copied());
        window.batches.push_back(batch);
        while window.keys.len() > window.capacity {
            let Some(oldest) = window.batches.pop_front() else {
                break;
            };
            for key in &oldest {
                window.keys.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u128) -> (Uuid, DateTime<Utc>) {
        (
            Uuid::from_u128(n),
            DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap_or_default(),
        )
    }

    #[test]
    fn committed_keys_are_found_until_newer_batches_push_them_out() {
        let recent = RecentKeys::with_capacity(4);
        assert_eq!(recent.stored([key(1)].into_iter()), [false]);
        recent.remember([key(1), key(2)].into_iter());
        recent.remember([key(3)].into_iter());
        assert_eq!(
            recent.stored([key(1), key(3), key(9)].into_iter()),
            [true, true, false]
        );
        // The same id at another time is another event.
        let (id, at) = key(1);
        assert_eq!(
            recent.stored([(id, at + chrono::TimeDelta::microseconds(1))].into_iter()),
            [false]
        );
        // Over capacity, the oldest batch goes whole.
        recent.remember([key(4), key(5)].into_iter());
        assert_eq!(
            recent.stored([key(1), key(2), key(3), key(5)].into_iter()),
            [false, false, true, true]
        );
        let none = RecentKeys::with_capacity(0);
        none.remember([key(1)].into_iter());
        assert_eq!(none.stored([key(1)].into_iter()), [false]);
    }
}
