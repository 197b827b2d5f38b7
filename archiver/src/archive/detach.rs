//! Detaching and dropping a verified partition.
//!
//! The partition is detached with `DETACH PARTITION ... CONCURRENTLY`, which takes only
//! a SHARE UPDATE EXCLUSIVE lock on events, so ingest and readers of other days go on.
//! The drop transaction then locks the detached table ACCESS EXCLUSIVE and checks that
//! it still holds exactly the rows the manifest describes before dropping it: a row
//! that arrived or changed after the export is never dropped unverified.

use chrono::NaiveDate;
use tokio_postgres::Client;

use super::ArchiveError;

/// Where a partition is in the detach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attachment {
    /// A partition of events.
    Attached,
    /// An interrupted `DETACH ... CONCURRENTLY` left it half detached.
    DetachPending,
    /// A table of its own.
    Detached,
}

/// The outcome of the drop transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dropped {
    /// The table was dropped and the manifest says so.
    Yes,
    /// The cheap check could not prove the table unchanged since the snapshot it was
    /// verified in; it
    /// was left in place and must be compared in full.
    Unproven {
        /// Rows the table holds.
        rows: u64,
    },
}

/// Takes `table` out of events (its rows disappear from queries on events at once).
pub(super) async fn detach(
    client: &Client,
    table: &str,
    attachment: Attachment,
) -> Result<(), ArchiveError> {
    let sql = match attachment {
        Attachment::Detached => return Ok(()),
        Attachment::Attached => {
            format!("ALTER TABLE events DETACH PARTITION \"{table}\" CONCURRENTLY")
        }
        Attachment::DetachPending => {
            format!("ALTER TABLE events DETACH PARTITION \"{table}\" FINALIZE")
        }
    };
    client.batch_execute(&sql).await?;
    Ok(())
}

/// Drops the detached `table` of `day` if it holds `rows` rows and no row version that
/// `verified_snapshot` does not see, and marks the day dropped in the manifest, in one transaction.
pub(super) async fn drop_verified(
    client: &mut Client,
    day: NaiveDate,
    table: &str,
    rows: u64,
    verified_snapshot: &str,
) -> Result<Dropped, ArchiveError> {
    let tx = client.transaction().await?;
    tx.batch_execute(&format!("LOCK TABLE \"{table}\" IN ACCESS EXCLUSIVE MODE"))
        .await?;
    // An xid of our own first: age(xmin) in the check then counts back from it.
    let ours: i64 = tx
        .query_one("SELECT pg_current_xact_id()::text::bigint", &[])
        .await?
        .get(0);
    let check = tx
        .query_one(
            &include_str!("sql/unchanged.sql").replace("{table}", &format!("\"{table}\"")),
            &[&verified_snapshot, &ours],
        )
        .await?;
    let (found, newer, span): (i64, i64, i64) = (check.get(0), check.get(1), check.get(2));
    let found = u64::try_from(found).unwrap_or(0);
    if found != rows || newer > 0 || !(0..1 << 31).contains(&span) {
        tracing::info!(
            %day,
            table,
            rows = found,
            expected = rows,
            newer,
            span,
            "partition not proven unchanged, comparing in full"
        );
        tx.rollback().await?;
        return Ok(Dropped::Unproven { rows: found });
    }
    tx.batch_execute(&format!("DROP TABLE \"{table}\"")).await?;
    tx.execute(include_str!("sql/manifest_dropped.sql"), &[&day])
        .await?;
    tx.commit().await?;
    Ok(Dropped::Yes)
}
