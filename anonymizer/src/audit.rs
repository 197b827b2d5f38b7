//! audit_logs: entries that crossed the line since the last pass lose their IP address,
//! user agent and personal keys in `changes`, through the one exception the append-only
//! trigger makes (migration 0011).

use chrono::{DateTime, Utc};
use tokio_postgres::Client;
use tracing::instrument;

/// Anonymizes the audit entries between the watermark and `line` in one transaction, or
/// returns None when the watermark is there already.
#[instrument(skip_all, fields(through = %line))]
pub(super) async fn anonymize_audit_logs(
    client: &mut Client,
    (now, line): (DateTime<Utc>, DateTime<Utc>),
    keys: &[String],
) -> Result<Option<u64>, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    schema::advisory::xact_lock(&tx, schema::AdvisoryLock::AnonymizeAuditLogs).await?;
    let from: Option<DateTime<Utc>> = tx
        .query_opt(include_str!("audit_state.sql"), &[&keys])
        .await?
        .filter(|row| row.get::<_, bool>("keys_covered"))
        .map(|row| row.get("anonymized_through"));
    if from.is_some_and(|from| from >= line) {
        return Ok(None);
    }
    // Transaction-local: the trigger lets this transaction's UPDATE through, no other.
    tx.execute("SELECT set_config('tally.anonymizing', 'on', true)", &[])
        .await?;
    let rows = tx
        .execute(include_str!("audit_update.sql"), &[&from, &line, &keys])
        .await?;
    tx.execute(
        include_str!("mark_table.sql"),
        &[&"audit_logs", &line, &keys, &now],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(rows, through = %line, "audit logs anonymized");
    Ok(Some(rows))
}
