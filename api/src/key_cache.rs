//! Authenticated keys kept in memory, so that a request does not pay for
//! `tally_authenticate` (a statement and a round trip, the dearest part of a small
//! read) every time.
//!
//! What is kept must never outlive a change: every statement that can change what
//! `tally_authenticate` answers notifies the channel `tally_api_keys` when it commits
//! (migration 0023), and [`listen`] forgets everything on each notification. Nothing
//! is kept while that listening connection is down (a key is then looked up on every
//! request, as without the cache), and an entry is dropped after [`KEEP_FOR`] in any
//! case. Unknown and revoked keys are never kept: each costs its lookup.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use prometheus_client::metrics::gauge::Gauge;
use tokio_postgres::AsyncMessage;

use crate::auth::Caller;

/// The channel migration 0023's triggers notify.
pub const CHANNEL: &str = "tally_api_keys";
/// Longest an authenticated key is kept, even with no notification.
pub const KEEP_FOR: Duration = Duration::from_secs(60);
/// Most keys kept; beyond it the cache starts over.
const MOST_KEYS: usize = 10_000;
/// Wait before listening again after the connection failed.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A kept answer: the caller and when it was looked up.
type Kept = (Arc<Caller>, Instant);

/// The keys authenticated lately, by the SHA-256 of the key.
#[derive(Default)]
pub struct KeyCache {
    kept: Mutex<HashMap<[u8; 32], Kept>>,
    /// Whether notifications are being received; nothing is kept otherwise.
    listening: AtomicBool,
    /// Bumped by every notification, so that a lookup that started before one does
    /// not keep its (possibly stale) answer.
    generation: AtomicU64,
    /// `tally_api_key_changes_listening`.
    listening_gauge: Gauge,
}

/// A lookup's ticket: the cache's generation when it started.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl KeyCache {
    /// An empty cache that reports whether it listens on `listening_gauge`.
    pub fn new(listening_gauge: Gauge) -> KeyCache {
        KeyCache {
            listening_gauge,
            ..KeyCache::default()
        }
    }

    /// The caller a key hash stands for, if it is kept and fresh.
    pub fn get(&self, hash: &[u8; 32]) -> Option<Arc<Caller>> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(hash)
            .filter(|(_, at)| at.elapsed() < KEEP_FOR)
            .map(|(caller, _)| Arc::clone(caller))
    }

    /// Taken before a lookup in the database, handed back to [`KeyCache::keep`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// Keeps a lookup's answer, unless a change was announced since `ticket` was taken
    /// or nobody is listening for changes.
    pub fn keep(&self, ticket: Ticket, hash: [u8; 32], caller: Arc<Caller>) {
        if !self.listening.load(Ordering::Acquire) {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        // Checked under the lock that `forget_all` takes, so no answer older than a
        // notification is kept after it.
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if kept.len() >= MOST_KEYS {
            kept.clear();
        }
        kept.insert(hash, (caller, Instant::now()));
    }

    /// Forgets every key: a change was announced, or announcements may have been missed.
    pub fn forget_all(&self) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        kept.clear();
    }

    fn set_listening(&self, listening: bool) {
        self.forget_all();
        self.listening.store(listening, Ordering::Release);
        self.listening_gauge.set(i64::from(listening));
    }
}

/// Listens for key changes on a connection of its own, for as long as the server runs:
/// forgets every kept key on each notification, and keeps nothing while the
/// connection is down (it reconnects every second).
pub async fn listen(cache: Arc<KeyCache>, database: tokio_postgres::Config) {
    loop {
        match listen_once(&cache, &database).await {
            Ok(()) => tracing::warn!("the connection listening for API key changes closed"),
            Err(e) => tracing::warn!(
                error = %e,
                "cannot listen for API key changes; keys are looked up on every request until it can"
            ),
        }
        cache.set_listening(false);
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

async fn listen_once(
    cache: &KeyCache,
    database: &tokio_postgres::Config,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = database.connect(tokio_postgres::NoTls).await?;
    let (tx, mut notified) = tokio::sync::mpsc::unbounded_channel();
    let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
    let driver = tokio::spawn(async move {
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    cache.set_listening(true);
    while notified.recv().await.is_some() {
        cache.forget_all();
    }
    drop(client);
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema::OrganizationId;

    fn caller(key_id: i64) -> Arc<Caller> {
        Arc::new(Caller {
            organization: OrganizationId(1),
            key_id,
            permissions: vec!["contact.read".into()],
        })
    }

    #[test]
    fn nothing_is_kept_unless_changes_are_listened_for() {
        let cache = KeyCache::default();
        let ticket = cache.ticket();
        cache.keep(ticket, [1; 32], caller(1));
        assert!(cache.get(&[1; 32]).is_none());

        cache.set_listening(true);
        let ticket = cache.ticket();
        cache.keep(ticket, [1; 32], caller(1));
        assert_eq!(cache.get(&[1; 32]).map(|c| c.key_id), Some(1));

        cache.set_listening(false);
        assert!(cache.get(&[1; 32]).is_none());
        cache.set_listening(true);
        assert!(
            cache.get(&[1; 32]).is_none(),
            "kept across a gap in listening"
        );
    }

    #[test]
    fn an_answer_looked_up_before_a_change_is_not_kept() {
        let cache = KeyCache::default();
        cache.set_listening(true);
        let before = cache.ticket();
        cache.forget_all();
        cache.keep(before, [2; 32], caller(2));
        assert!(cache.get(&[2; 32]).is_none());

        let after = cache.ticket();
        cache.keep(after, [2; 32], caller(2));
        assert!(cache.get(&[2; 32]).is_some());
        cache.forget_all();
        assert!(cache.get(&[2; 32]).is_none());
    }
}
