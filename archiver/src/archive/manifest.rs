//! The manifest, `archived_partitions`: one row per archived day.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::{Client, GenericClient, Row};

use super::ArchiveError;
use super::rows::Checksum;

/// One archived day, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The UTC day.
    pub day: NaiveDate,
    /// The object's key, relative to the archive URL.
    pub key: String,
    /// Rows in the object.
    pub rows: u64,
    /// Size of the object in bytes.
    pub bytes: u64,
    /// Content checksum of the rows, 32 hex digits (docs/archive.md).
    pub checksum: String,
    /// When the object was last written and verified.
    pub archived_at: DateTime<Utc>,
    /// When the partition was last dropped; None while it has not been since.
    pub dropped_at: Option<DateTime<Utc>>,
    /// When the day was last restored; None unless restored since the last drop.
    pub restored_at: Option<DateTime<Utc>>,
    /// The snapshot in which the partition was last found identical to the object,
    /// while it is in the database (`pg_snapshot` text).
    pub(super) verified_snapshot: Option<String>,
}

impl ManifestEntry {
    fn from_row(row: &Row) -> Result<ManifestEntry, ArchiveError> {
        let rows: i64 = row.try_get(2)?;
        let bytes: i64 = row.try_get(3)?;
        Ok(ManifestEntry {
            day: row.try_get(0)?,
            key: row.try_get(1)?,
            rows: u64::try_from(rows).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
            checksum: row.try_get(4)?,
            archived_at: row.try_get(5)?,
            dropped_at: row.try_get(6)?,
            restored_at: row.try_get(7)?,
            verified_snapshot: row.try_get(8)?,
        })
    }

    /// Whether the database holds every archived row of the day, so that its partition,
    /// if it now differs from the object, may be archived again in full: the partition
    /// was never dropped, or the day was restored since.
    pub(super) fn database_copy_whole(&self) -> bool {
        self.dropped_at.is_none() || self.restored_at.is_some()
    }

    /// Whether `checksum` is exactly what the object holds.
    pub(super) fn matches(&self, checksum: &Checksum) -> bool {
        self.rows == checksum.rows && self.checksum == checksum.hex()
    }

    /// The manifest's figures as a checksum, to compare an object read back with.
    pub(super) fn checksum(&self) -> Option<Checksum> {
        Some(Checksum {
            rows: self.rows,
            sum: u128::from_str_radix(&self.checksum, 16).ok()?,
        })
    }
}

/// The manifest row of `day`.
pub(super) async fn get(
    client: &impl GenericClient,
    day: NaiveDate,
) -> Result<Option<ManifestEntry>, ArchiveError> {
    client
        .query_opt(include_str!("sql/manifest_get.sql"), &[&day])
        .await?
        .as_ref()
        .map(ManifestEntry::from_row)
        .transpose()
}

/// The manifest, oldest day first, optionally limited to `from ..= to`.
pub(super) async fn entries(
    client: &impl GenericClient,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<ManifestEntry>, ArchiveError> {
    client
        .query(include_str!("sql/manifest_list.sql"), &[&from, &to])
        .await?
        .iter()
        .map(ManifestEntry::from_row)
        .collect()
}

/// Records `day` as archived at `key` with `checksum`, the partition read in
/// `snapshot`; returns the row.
pub(super) async fn record(
    client: &mut Client,
    day: NaiveDate,
    key: &str,
    bytes: u64,
    checksum: &Checksum,
    snapshot: &str,
) -> Result<ManifestEntry, ArchiveError> {
    client
        .execute(
            include_str!("sql/manifest_record.sql"),
            &[
                &day,
                &key,
                &(checksum.rows as i64),
                &(bytes as i64),
                &checksum.hex(),
                &snapshot,
            ],
        )
        .await?;
    reread(client, day).await
}

/// Records that `day`'s partition, read in `snapshot`, is
/// identical to the object; returns the row.
pub(super) async fn mark_verified(
    client: &mut Client,
    day: NaiveDate,
    snapshot: &str,
) -> Result<ManifestEntry, ArchiveError> {
    client
        .execute(
            include_str!("sql/manifest_verified.sql"),
            &[&day, &snapshot],
        )
        .await?;
    reread(client, day).await
}

async fn reread(client: &Client, day: NaiveDate) -> Result<ManifestEntry, ArchiveError> {
    let row = client
        .query_one(include_str!("sql/manifest_get.sql"), &[&day])
        .await?;
    ManifestEntry::from_row(&row)
}
