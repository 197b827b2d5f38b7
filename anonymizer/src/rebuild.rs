//! Rebuild and swap: a day partition copied without its personal data into a new table
//! with the same indexes and constraints, which then takes the old one's place.

use std::time::Duration;

use tokio_postgres::Transaction;
use tokio_postgres::error::SqlState;

/// How long the swap may wait for its lock on `events`. While it waits, every new
/// statement on events queues behind it (ingest batches, the aggregator), so the wait is
/// kept short; an ingest batch holds its lock for about a second.
const SWAP_LOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// Rebuilds partition `name` of `day` within `tx`, which holds a SHARE lock on it: no row
/// can be added to it while it is copied, and a writer waiting for it retries into the
/// new table once this transaction commits. Returns false, with everything it did rolled
/// back and that lock still held, when the lock on `events` the swap needs is not granted
/// in time (busy ingest, or a deadlock with a late insert waiting for the partition):
/// the caller then updates in place instead.
pub(super) async fn rebuild(
    tx: &mut Transaction<'_>,
    name: &str,
    day: chrono::NaiveDate,
    keys: &[String],
) -> Result<bool, tokio_postgres::Error> {
    let ddl = tx
        .query_one(include_str!("rebuild.sql"), &[&name, &day])
        .await?;
    let create_table: Vec<String> = ddl.get("create_table");
    let copy_rows: String = ddl.get("copy_rows");
    let build_indexes: Vec<String> = ddl.get("build_indexes");
    let swap: Vec<String> = ddl.get("swap");

    let savepoint = tx.savepoint("anonymize_rebuild").await?;
    for statement in &create_table {
        savepoint.batch_execute(statement).await?;
    }
    savepoint.execute(copy_rows.as_str(), &[&keys]).await?;
    for statement in &build_indexes {
        savepoint.batch_execute(statement).await?;
    }
    savepoint
        .batch_execute(&format!(
            "SET LOCAL lock_timeout = '{}ms'",
            SWAP_LOCK_TIMEOUT.as_millis()
        ))
        .await?;
    // ONLY: without it every partition would be locked too. Dropping and attaching a
    // partition needs this lock on the parent; taken explicitly, it fails fast.
    match savepoint
        .batch_execute("LOCK TABLE ONLY events IN ACCESS EXCLUSIVE MODE")
        .await
    {
        Ok(()) => {}
        Err(e) if is_lock_failure(&e) => {
            tracing::warn!(
                partition = %name,
                error = %schema::describe_pg_error(&e),
                "no lock on events for the swap, updating in place instead"
            );
            savepoint.rollback().await?;
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    for statement in &swap {
        savepoint.batch_execute(statement).await?;
    }
    savepoint.commit().await?;
    Ok(true)
}

fn is_lock_failure(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}
