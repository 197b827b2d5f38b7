//! Checks a database against a simulated stream: exactly the records labelled `Stored`
//! are in `events`, exactly the `DeadLetter` ones in `dead_letters` with their reasons,
//! and the live counters count each stored event once.

use std::collections::BTreeMap;

use tokio_postgres::Client;
use uuid::Uuid;

use schema::DeadLetterReason;

use super::{Expect, Record};

/// Compares what the database holds with what `records` say it must; the error lists
/// every difference found.
pub async fn verify_ingested(client: &Client, records: &[Record]) -> Result<(), String> {
    let mut expected_ids: Vec<Uuid> = Vec::new();
    let mut expected_dead: BTreeMap<DeadLetterReason, i64> = BTreeMap::new();
    for r in records {
        match r.expect {
            Expect::Stored { event_id, .. } => expected_ids.push(event_id),
            Expect::Duplicate { .. } => {}
            Expect::DeadLetter { reason } => *expected_dead.entry(reason).or_default() += 1,
        }
    }
    expected_ids.sort_unstable();
    let db = |e: tokio_postgres::Error| schema::describe_pg_error(&e);

    let mut stored: Vec<Uuid> = client
        .query("SELECT event_id FROM events", &[])
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    stored.sort_unstable();
    let mut problems = Vec::new();
    if stored != expected_ids {
        let mut twice = stored.clone();
        twice.dedup();
        let stored_twice = stored.len() - twice.len();
        let missing = expected_ids
            .iter()
            .filter(|id| twice.binary_search(id).is_err())
            .count();
        let extra = twice
            .iter()
            .filter(|id| expected_ids.binary_search(id).is_err())
            .count();
        problems.push(format!(
            "events: {} stored, {} expected ({missing} missing, {extra} unexpected, {stored_twice} stored twice)",
            stored.len(),
            expected_ids.len()
        ));
    }

    let mut dead: BTreeMap<DeadLetterReason, i64> = BTreeMap::new();
    for row in client
        .query(
            "SELECT reason, count(*) FROM dead_letters GROUP BY reason",
            &[],
        )
        .await
        .map_err(db)?
    {
        match row.get::<_, &str>(0).parse() {
            Ok(reason) => {
                dead.insert(reason, row.get(1));
            }
            Err(unknown) => problems.push(format!("dead letters: {unknown}")),
        }
    }
    if dead != expected_dead {
        problems.push(format!(
            "dead letters by reason: {dead:?}, expected {expected_dead:?}"
        ));
    }

    let counted: i64 = client
        .query_one(
            "SELECT coalesce(sum(event_count), 0)::bigint FROM event_counters",
            &[],
        )
        .await
        .map_err(db)?
        .get(0);
    if counted != stored.len() as i64 {
        problems.push(format!(
            "live counters sum to {counted}, events hold {}",
            stored.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
