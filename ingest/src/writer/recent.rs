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

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How many keys are remembered at most: between half of it and all of it at any time,
/// in two generations of 24 bytes a key, about 13 MB. Producers retry within seconds, a
/// few batches later; this covers the last dozens of batches.
pub(crate) const RECENT_KEYS: usize = 262_144;

/// An event's primary key in compact form: the id's two halves and the time in
/// microseconds (24 bytes; a `u128` would align the tuple to 32).
type Key = (u64, u64, i64);

/// A hasher seeded per process. The ids come from producers, so the keys are not
/// trusted to be random; SipHash, the standard one, cost 14% of the ingest's CPU here
/// (each key is hashed when remembered and again when looked up).
type Hasher = foldhash::fast::RandomState;

fn compact(key: (Uuid, DateTime<Utc>)) -> Key {
    let (high, low) = key.0.as_u64_pair();
    (high, low, key.1.timestamp_micros())
}

/// Keys of recently committed events, shared by every writer of the process.
#[derive(Debug, Clone)]
pub(crate) struct RecentKeys(Arc<Mutex<Window>>);

/// Two generations instead of one set in commit order: when the newer one holds half
/// the capacity, the older is cleared whole and the two swap, so nothing is removed a
/// key at a time and no second copy of the keys keeps their order.
#[derive(Debug)]
struct Window {
    newer: HashSet<Key, Hasher>,
    older: HashSet<Key, Hasher>,
    /// Keys a generation holds before it becomes the older one.
    generation: usize,
}

impl Default for RecentKeys {
    fn default() -> Self {
        RecentKeys::with_capacity(RECENT_KEYS)
    }
}

impl RecentKeys {
    /// A window of at most `capacity` keys (0 remembers nothing).
    pub(crate) fn with_capacity(capacity: usize) -> RecentKeys {
        let generation = capacity / 2;
        let set = || HashSet::with_capacity_and_hasher(generation, Hasher::default());
        RecentKeys(Arc::new(Mutex::new(Window {
            newer: set(),
            older: set(),
            generation,
        })))
    }

    /// Which of `keys` are remembered: `true` at the positions of stored events.
    pub(crate) fn stored(&self, keys: impl Iterator<Item = (Uuid, DateTime<Utc>)>) -> Vec<bool> {
        let window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if window.newer.is_empty() && window.older.is_empty() {
            return keys.map(|_| false).collect();
        }
        keys.map(|k| {
            let k = compact(k);
            window.newer.contains(&k) || window.older.contains(&k)
        })
        .collect()
    }

    /// Forgets every key: the database does not hold them all.
    pub(crate) fn forget(&self) {
        let mut window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        window.newer.clear();
        window.older.clear();
    }

    /// Remembers the keys of a committed batch; when the newer generation is full,
    /// the older one is forgotten.
    pub(crate) fn remember(&self, keys: impl Iterator<Item = (Uuid, DateTime<Utc>)>) {
        let mut window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if window.generation == 0 {
            return;
        }
        for key in keys {
            window.newer.insert(compact(key));
            if window.newer.len() >= window.generation {
                let Window { newer, older, .. } = &mut *window;
                std::mem::swap(newer, older);
                newer.clear();
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
        // Two generations of 2 keys.
        let recent = RecentKeys::with_capacity(4);
        assert_eq!(recent.stored([key(1)].into_iter()), [false]);
        recent.remember([key(1), key(2)].into_iter());
        recent.remember([key(3)].into_iter());
        assert_eq!(
            recent.stored([key(1), key(2), key(3), key(9)].into_iter()),
            [true, true, true, false]
        );
        // The same id at another time is another event.
        let (id, at) = key(1);
        assert_eq!(
            recent.stored([(id, at + chrono::TimeDelta::microseconds(1))].into_iter()),
            [false]
        );
        // A full generation pushes out the one before it whole.
        recent.remember([key(4)].into_iter());
        assert_eq!(
            recent.stored([key(1), key(2), key(3), key(4)].into_iter()),
            [false, false, true, true]
        );
        // The newest capacity / 2 keys are always remembered.
        recent.remember((5..=20).map(key));
        assert_eq!(
            recent.stored((17..=21).map(key)),
            [false, false, true, true, false]
        );
        recent.forget();
        assert_eq!(recent.stored([key(20)].into_iter()), [false]);
        let none = RecentKeys::with_capacity(0);
        none.remember([key(1)].into_iter());
        assert_eq!(none.stored([key(1)].into_iter()), [false]);
    }
}
