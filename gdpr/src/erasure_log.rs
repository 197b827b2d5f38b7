//! The erasure log: one object per completed erasure, written beside the archive in the
//! object store, so that an erasure outlives a restore of a database backup taken
//! before it. It names the subject by the keyed hash only (never the address), lists
//! the contact ids, and records each archived object the erasure replaced, so that
//! [`crate::reapply`] can point a restored manifest at the rewritten objects and erase
//! again whatever the backup brought back.

use archiver::ArchiveStore;
use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt as _;
use object_store::{ObjectStoreExt as _, PutPayload};
use serde::{Deserialize, Serialize};

use crate::GdprError;
use crate::request::SubjectKind;

/// Where the log's objects live, relative to the archive URL.
pub const ERASURE_LOG_PREFIX: &str = "gdpr/erasures";

/// One completed erasure, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedErasure {
    /// The organization that erased the subject.
    pub organization: i64,
    /// The deletion request, as numbered in the database it ran against.
    pub request: i64,
    /// `contact` or `user`.
    pub kind: String,
    /// The keyed hash of the address (`ErasureKey::hash`).
    pub email_hash: String,
    /// The contacts erased (every list's row of the address).
    pub contact_ids: Vec<i64>,
    /// The user erased, for a user subject.
    pub user_id: Option<i64>,
    /// Archived objects the erasure replaced, in the order it replaced them.
    pub archive: Vec<LoggedSwap>,
    /// When the erasure completed.
    pub erased_at: DateTime<Utc>,
}

/// An archived day's object replaced by a copy without the subject's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedSwap {
    /// The UTC day.
    pub day: NaiveDate,
    /// The object the manifest named before (deleted since).
    pub replaced: String,
    /// The rewritten object, and what the manifest records of it.
    pub key: String,
    /// Rows in the rewritten object.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its content checksum.
    pub checksum: String,
}

impl LoggedErasure {
    /// The subject's kind, parsed.
    pub fn subject_kind(&self) -> Option<SubjectKind> {
        match self.kind.as_str() {
            "contact" => Some(SubjectKind::Contact),
            "user" => Some(SubjectKind::User),
            _ => None,
        }
    }

    /// The object's key: per organization and subject, so that request ids a restored
    /// database hands out again never overwrite another subject's entry.
    pub fn key(&self) -> String {
        format!(
            "{ERASURE_LOG_PREFIX}/organization={}/{}-{}/request={}.json",
            self.organization, self.kind, self.email_hash, self.request
        )
    }
}

/// Writes `entry` (again, if a rerun of the last step gets here twice).
pub(crate) async fn write(store: &ArchiveStore, entry: &LoggedErasure) -> Result<(), GdprError> {
    let key = entry.key();
    let body = serde_json::to_vec_pretty(entry).map_err(|e| GdprError::BadLogEntry {
        key: key.clone(),
        reason: e.to_string(),
    })?;
    store
        .object_store()
        .put(&store.path(&key), PutPayload::from(body))
        .await
        .map_err(GdprError::store(&key))?;
    Ok(())
}

/// Every entry of the log, oldest erasure first.
pub async fn read_all(store: &ArchiveStore) -> Result<Vec<LoggedErasure>, GdprError> {
    let prefix = store.path(ERASURE_LOG_PREFIX);
    let objects: Vec<_> = store
        .object_store()
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(GdprError::store(ERASURE_LOG_PREFIX))?;
    let mut entries = Vec::with_capacity(objects.len());
    for meta in objects {
        let key = meta.location.to_string();
        let body = store
            .object_store()
            .get(&meta.location)
            .await
            .map_err(GdprError::store(&key))?
            .bytes()
            .await
            .map_err(GdprError::store(&key))?;
        let entry: LoggedErasure =
            serde_json::from_slice(&body).map_err(|e| GdprError::BadLogEntry {
                key: key.clone(),
                reason: e.to_string(),
            })?;
        entries.push(entry);
    }
    entries.sort_by(|a, b| {
        (a.erased_at, a.organization, a.request).cmp(&(b.erased_at, b.organization, b.request))
    });
    Ok(entries)
}
