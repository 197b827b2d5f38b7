//! A replay chunk's transaction: the batch's own steps (COPY with repeats dropped and
//! refused rows isolated, counters, invalidations, sketches) for dead letters decoded
//! again, with the letters locked first and marked last, so that a letter is marked
//! replayed exactly when its event is stored, and a crash anywhere leaves both as they
//! were.

use std::collections::{BTreeMap, HashSet};

use super::{WriteError, Writer, commit, write_sketches};
use crate::batch::Row;
use crate::dead_letters::{ChunkOutcome, ReplayOutcome};
use crate::decode::{Reason, Rejection};

/// The live counters' shard of replayed events. Kafka partitions are the ingest's
/// shards; a shard of their own keeps a replay off the rows the ingest's writers are
/// adding to, so neither waits for the other.
const REPLAY_SHARD: i32 = i32::MAX;

/// A dead letter decoded again.
#[derive(Debug)]
pub(crate) struct Judged {
    /// The letter's id.
    pub id: i64,
    /// What it is now.
    pub verdict: Verdict,
}

/// Whether a letter now passes the decoder and the catalog.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// It is this event.
    Passes(Row),
    /// It still fails, for this reason.
    Fails(Rejection),
}

/// The position of `row`, an element of `rows`, in it: the batch's steps report rows by
/// reference, and a replay needs the letter each came from.
fn position(rows: &[Row], row: &Row) -> usize {
    let offset = (row as *const Row as usize).wrapping_sub(rows.as_ptr() as usize);
    let index = offset / size_of::<Row>().max(1);
    debug_assert!(index < rows.len() && std::ptr::eq(&rows[index], row));
    index
}

impl Writer {
    /// Writes one replay chunk in one transaction, or fails having changed nothing (but
    /// day partitions, made beforehand as for a batch). Letters another replay marked
    /// meanwhile are skipped.
    #[tracing::instrument(level = "debug", name = "replay", skip_all, fields(letters = letters.len()))]
    pub(crate) async fn replay(&self, letters: Vec<Judged>) -> Result<ChunkOutcome, WriteError> {
        let mut client = self.pool.get().await.map_err(WriteError::Pool)?;
        self.ensure_days(
            &client,
            letters.iter().filter_map(|l| match &l.verdict {
                Verdict::Passes(row) => Some(row.event.day()),
                Verdict::Fails(_) => None,
            }),
        )
        .await?;
        let db = WriteError::Db;
        let tx = client.transaction().await.map_err(db)?;

        let ids: Vec<i64> = letters.iter().map(|l| l.id).collect();
        let pending: HashSet<i64> = tx
            .query(include_str!("replay_lock.sql"), &[&ids])
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut outcome = ChunkOutcome {
            already_replayed: (letters.len() - pending.len()) as u64,
            ..ChunkOutcome::default()
        };

        // Failures as judged; passing letters in the order the batch's steps expect
        // (the copies of an event together, in letter order).
        let mut failures: Vec<(i64, Rejection)> = Vec::new();
        let mut passing: Vec<(i64, Row)> = Vec::new();
        for letter in letters.into_iter().filter(|l| pending.contains(&l.id)) {
            match letter.verdict {
                Verdict::Passes(row) => passing.push((letter.id, row)),
                Verdict::Fails(rejection) => failures.push((letter.id, rejection)),
            }
        }
        passing.sort_by_key(|(id, row)| (row.key(), *id));
        let (row_letters, rows): (Vec<i64>, Vec<Row>) = passing.into_iter().unzip();

        let inserted = self
            .insert_with_repeats(&tx, &rows, &[])
            .await
            .map_err(db)?;
        for (row, detail) in &inserted.poisoned {
            let letter = row_letters[position(&rows, row)];
            tracing::warn!(letter, event_id = %row.event.event_id, error = %detail, "replayed record refused by Postgres");
            failures.push((
                letter,
                Rejection {
                    reason: Reason::RejectedByDatabase,
                    detail: detail.clone(),
                    organization_id: Some(row.event.organization_id.0),
                },
            ));
        }
        write_refused(&tx, &failures).await.map_err(db)?;
        self.write_counters(&tx, &inserted.stored, REPLAY_SHARD)
            .await
            .map_err(db)?;
        write_sketches(&tx, &inserted.stored).await.map_err(db)?;

        // Every passing row was stored, refused, or repeats a stored event.
        let stored: HashSet<usize> = inserted.stored.iter().map(|r| position(&rows, r)).collect();
        let refused: HashSet<usize> = inserted
            .poisoned
            .iter()
            .map(|(r, _)| position(&rows, r))
            .collect();
        let mut marks = Marks::default();
        for (i, row) in rows.iter().enumerate() {
            let fate = if stored.contains(&i) {
                ReplayOutcome::Stored
            } else if refused.contains(&i) {
                continue;
            } else {
                ReplayOutcome::Duplicate
            };
            marks.push(row_letters[i], fate, row);
        }
        marks.write(&tx).await.map_err(db)?;
        commit(tx).await.map_err(db)?;

        outcome.stored = stored.len() as u64;
        outcome.duplicates = (rows.len() - stored.len() - refused.len()) as u64;
        let mut failing: BTreeMap<Reason, u64> = BTreeMap::new();
        for (_, rejection) in &failures {
            *failing.entry(rejection.reason).or_default() += 1;
        }
        outcome.failing = failing;
        Ok(outcome)
    }
}

/// Letters to mark replayed, as `replay_mark.sql` takes them.
#[derive(Default)]
struct Marks {
    ids: Vec<i64>,
    outcomes: Vec<&'static str>,
    events: Vec<uuid::Uuid>,
    organizations: Vec<i64>,
}

impl Marks {
    fn push(&mut self, letter: i64, outcome: ReplayOutcome, row: &Row) {
        self.ids.push(letter);
        self.outcomes.push(outcome.as_str());
        self.events.push(row.event.event_id);
        self.organizations.push(row.event.organization_id.0);
    }

    async fn write(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> Result<(), tokio_postgres::Error> {
        if self.ids.is_empty() {
            return Ok(());
        }
        let stmt = tx.prepare_cached(include_str!("replay_mark.sql")).await?;
        tx.execute(
            &stmt,
            &[&self.ids, &self.outcomes, &self.events, &self.organizations],
        )
        .await?;
        Ok(())
    }
}

/// Gives the letters that still fail their new reason and detail.
async fn write_refused(
    tx: &deadpool_postgres::Transaction<'_>,
    failures: &[(i64, Rejection)],
) -> Result<(), tokio_postgres::Error> {
    if failures.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = failures.iter().map(|f| f.0).collect();
    let reasons: Vec<&str> = failures.iter().map(|f| f.1.reason.as_str()).collect();
    let details: Vec<&str> = failures.iter().map(|f| f.1.detail.as_str()).collect();
    let orgs: Vec<Option<i64>> = failures.iter().map(|f| f.1.organization_id).collect();
    let stmt = tx
        .prepare_cached(include_str!("replay_refused.sql"))
        .await?;
    tx.execute(&stmt, &[&ids, &reasons, &details, &orgs])
        .await?;
    Ok(())
}
