//! One Postgres transaction per batch: offsets compare-and-set first (fencing), then the
//! events by binary COPY, dead letters, live counters and invalidations; all or nothing.
//! `replay` runs the same steps for dead letters decoded again, marking them instead of
//! moving offsets. `erased`: the events of contacts a GDPR erasure removed are copied
//! without their personal data.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Transaction;
use deadpool_postgres::{Object, Pool};
use futures::pin_mut;
use schema::live_counts::{self, LiveCounts};
use schema::{DayPartition, Event, EventType, describe_pg_error};
use sketch::Fragment;
use tokio::sync::Semaphore;
use tokio_postgres::GenericClient;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{Json, Type};
use uuid::Uuid;

use crate::batch::{Batch, DeadLetter, Row};
use crate::decode::Reason;

mod erased;
mod recent;
mod replay;

pub(crate) use replay::{Judged, Verdict};

use erased::ErasedSet;

/// Day partitions known to exist, shared by every writer of the process.
#[derive(Debug, Clone, Default)]
pub(crate) struct DayCache(Arc<Mutex<HashSet<NaiveDate>>>);

impl DayCache {
    /// Loads the partitions that exist now.
    pub async fn load(client: &impl GenericClient) -> Result<DayCache, schema::PartitionListError> {
        let cache = DayCache::default();
        for partition in schema::day_partitions(client).await? {
            cache.insert(partition.day());
        }
        Ok(cache)
    }

    fn contains(&self, day: NaiveDate) -> bool {
        self.0.lock().map(|s| s.contains(&day)).unwrap_or(false)
    }

    fn insert(&self, day: NaiveDate) {
        if let Ok(mut set) = self.0.lock() {
            set.insert(day);
        }
    }

    /// Drops `day` after its partition was found missing (archived and dropped since
    /// it was seen), so that the batch's next attempt creates it again.
    fn forget(&self, day: NaiveDate) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(&day);
        }
    }
}

/// What a committed batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Events stored.
    pub stored: u64,
    /// Repeats dropped: within the batch, or of events stored earlier.
    pub duplicates: u64,
    /// Dead letters written, by reason.
    pub dead: BTreeMap<Reason, u64>,
    /// Partitions whose position moved, with their new next offset.
    pub committed: Vec<(i32, i64)>,
    /// Partitions another consumer had moved: their records were dropped; the value
    /// is where Postgres says the partition now stands.
    pub fenced: Vec<(i32, i64)>,
}

enum Attempt {
    Committed(Outcome),
    Fenced(Vec<i32>),
}

/// Writes batches for one topic.
#[derive(Clone)]
pub(crate) struct Writer {
    pool: Pool,
    topic: String,
    days: DayCache,
    event_type: Type,
    /// Turns at COPY, shared by every writer of the process.
    copy_turns: Arc<Semaphore>,
    /// The COPY statement into the staging table.
    copy_stage: Arc<str>,
    /// Contacts a GDPR erasure removed, whose events are stored stripped.
    erased: erased::ErasedContacts,
    /// Keys of the events this process stored last, shared by its writers.
    recent: recent::RecentKeys,
}

impl Writer {
    /// A writer over `pool` whose writers run at most `copy_streams` COPYs at once;
    /// learns the `event_type` enum's type from the server.
    pub async fn new(
        pool: Pool,
        topic: &str,
        days: DayCache,
        copy_streams: usize,
    ) -> Result<Writer, WriteError> {
        let client = pool.get().await.map_err(WriteError::Pool)?;
        let stmt = client
            .prepare("SELECT NULL::event_type")
            .await
            .map_err(WriteError::Db)?;
        let event_type = stmt.columns()[0].type_().clone();
        Ok(Writer {
            pool,
            topic: topic.to_owned(),
            days,
            event_type,
            copy_turns: Arc::new(Semaphore::new(copy_streams.max(1))),
            copy_stage: Event::copy_in("tally_stage").into(),
            erased: erased::ErasedContacts::default(),
            recent: recent::RecentKeys::default(),
        })
    }

    /// Commits `batch` (emptying it) or fails without having changed anything. Fenced
    /// partitions are dropped from the batch and reported; the rest commits. A
    /// partition found exactly at the batch's end was committed by an earlier attempt
    /// whose acknowledgement was lost with the connection: it is reported committed.
    pub async fn write(&self, batch: &mut Batch) -> Result<Outcome, WriteError> {
        batch.sort_rows();
        let mut client = self.pool.get().await.map_err(WriteError::Pool)?;
        self.ensure_days(&client, days(&batch.rows)).await?;
        let mut fenced = Vec::new();
        let mut already = Vec::new();
        let mut recreated = false;
        loop {
            let mut outcome = if batch.is_empty() {
                Outcome::default()
            } else {
                match self.attempt(&mut client, batch).await {
                    // A day partition archived and dropped since this process saw it:
                    // the attempt forgot the day, so it is created again, once.
                    Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) && !recreated => {
                        recreated = true;
                        self.ensure_days(&client, days(&batch.rows)).await?;
                        continue;
                    }
                    Err(e) => return Err(WriteError::Db(e)),
                    Ok(Attempt::Committed(outcome)) => outcome,
                    Ok(Attempt::Fenced(partitions)) => {
                        for p in partitions {
                            let now_at: i64 = client
                                .query_opt(
                                    include_str!("writer/read_offset.sql"),
                                    &[&self.topic, &p],
                                )
                                .await
                                .map_err(WriteError::Db)?
                                .map_or(0, |r| r.get(0));
                            let to = batch.ranges.get(&p).map(|r| r.to);
                            batch.drop_partition(p);
                            if Some(now_at) == to {
                                tracing::info!(
                                    partition = p,
                                    next_offset = now_at,
                                    "batch was already committed"
                                );
                                already.push((p, now_at));
                            } else {
                                tracing::warn!(
                                    partition = p,
                                    next_offset = now_at,
                                    "partition moved by another consumer: batch dropped"
                                );
                                fenced.push((p, now_at));
                            }
                        }
                        continue;
                    }
                }
            };
            outcome.committed.append(&mut already);
            outcome.fenced = fenced;
            *batch = Batch::new();
            return Ok(outcome);
        }
    }

    /// Creates, outside the batch's transaction, the day partitions it needs: attaching
    /// one takes a brief lock on `events` that must not be held for a whole batch.
    async fn ensure_days(
        &self,
        client: &Object,
        days: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<(), WriteError> {
        let mut missing: Vec<NaiveDate> = days
            .into_iter()
            .filter(|d| !self.days.contains(*d))
            .collect();
        missing.sort();
        missing.dedup();
        // The plain client: a pooled one derefs to it.
        let client: &tokio_postgres::Client = client;
        for day in missing {
            schema::ensure_day_partition(client, day)
                .await
                .map_err(WriteError::Db)?;
            self.days.insert(day);
            tracing::info!(%day, "day partition created on demand");
        }
        Ok(())
    }

    /// One try at the batch's transaction. Its stages are debug spans, so that
    /// `TALLY_LOG=ingest::writer=debug` shows where a batch's time goes.
    #[tracing::instrument(
        level = "debug",
        name = "batch",
        skip_all,
        fields(
            rows = batch.rows.len(),
            partitions = batch.ranges.len(),
            // How far apart in time the batch's events are (10th to 90th percentile):
            // the wider, the more of the indexes one COPY touches.
            span_s = time_span(&batch.rows).num_seconds(),
            staged = tracing::field::Empty,
            remembered = tracing::field::Empty,
        )
    )]
    async fn attempt(
        &self,
        client: &mut Object,
        batch: &Batch,
    ) -> Result<Attempt, tokio_postgres::Error> {
        let tx = client.transaction().await?;
        let fenced = self.move_offsets(&tx, batch).await?;
        if !fenced.is_empty() {
            tx.rollback().await?;
            return Ok(Attempt::Fenced(fenced));
        }

        let copy_started = Instant::now();
        // Held for the COPY only. Turns cannot deadlock: while a transaction waits for
        // its turn it holds only its own partitions' offsets rows, which no COPY
        // touches, so a COPY can only wait on transactions past their COPY, and those
        // commit without a turn.
        let turn = self.copy_turns.acquire().await.ok();
        // Retries of events this process stored lately never reach the COPY.
        let stored_before = self.remembered(&tx, &batch.rows).await?;
        let remembered = stored_before.iter().filter(|s| **s).count();
        let inserted = self
            .insert_with_repeats(&tx, &batch.rows, &stored_before)
            .await?;
        drop(turn);
        let copy_seconds = copy_started.elapsed().as_secs_f64();
        tracing::Span::current().record("staged", inserted.staged);
        tracing::Span::current().record("remembered", remembered);

        let refused = refused_letters(&inserted);
        let dead: Vec<&DeadLetter> = batch.dead.iter().chain(&refused).collect();
        self.write_dead_letters(&tx, &dead).await?;
        // Partitions have one owner at a time, so no two concurrent batches share their
        // lowest one: as the counters' shard it keeps writers off each other's rows
        // while a batch's counters stay one row per key, however many partitions it has.
        let shard = batch.ranges.keys().next().copied().unwrap_or_default();
        self.write_counters(&tx, &inserted.stored, shard).await?;
        write_sketches(&tx, &inserted.stored).await?;
        commit(tx).await?;
        self.recent
            .remember(inserted.stored.iter().map(|row| row.key()));

        let outcome = Outcome::of(batch, &inserted, &dead);
        let repeats = crate::metrics::Repeats {
            remembered,
            staged: inserted.staged,
        };
        crate::metrics::global().batch_committed(&outcome, batch.len(), copy_seconds, repeats);
        Ok(Attempt::Committed(outcome))
    }

    /// Which of `rows` repeat events this process stored lately, confirmed in `tx`: the
    /// database may have lost commits it acknowledged (a crash with
    /// `synchronous_commit = off`, a failover to an asynchronous replica), and ingest
    /// then reads those records again from the positions that were lost with them. So
    /// the remembered keys found in the batch are looked up (one index probe each, for
    /// the few rows that repeat); if any is missing, the memory is wrong about this
    /// database: it is cleared and every row goes to the COPY, where the primary key
    /// judges.
    async fn remembered(
        &self,
        tx: &Transaction<'_>,
        rows: &[Row],
    ) -> Result<Vec<bool>, tokio_postgres::Error> {
        let stored_before = self.recent.stored(rows.iter().map(Row::key));
        let (ids, times): (Vec<Uuid>, Vec<DateTime<Utc>>) = rows
            .iter()
            .zip(&stored_before)
            .filter(|(_, stored)| **stored)
            .map(|(row, _)| row.key())
            .collect::<HashSet<_>>()
            .into_iter()
            .unzip();
        if ids.is_empty() {
            return Ok(stored_before);
        }
        let stmt = tx
            .prepare_cached(include_str!("dead_letters/stored_keys.sql"))
            .await?;
        let found = tx.query(&stmt, &[&ids, &times]).await?.len();
        if found == ids.len() {
            return Ok(stored_before);
        }
        tracing::warn!(
            remembered = ids.len(),
            found,
            "events this process stored are not in the database (it lost commits, or was restored): forgetting the recent keys"
        );
        self.recent.forget();
        Ok(vec![false; rows.len()])
    }

    /// Moves every partition's position from where the batch starts to where it ends,
    /// first thing in the transaction: a zombie and the partition's new owner serialise
    /// on this row lock before either touches anything else, and the loser sees zero
    /// rows. Returns the partitions whose position had moved (fenced).
    #[tracing::instrument(level = "debug", skip_all)]
    async fn move_offsets(
        &self,
        tx: &Transaction<'_>,
        batch: &Batch,
    ) -> Result<Vec<i32>, tokio_postgres::Error> {
        let cas = tx
            .prepare_cached(include_str!("writer/cas_offset.sql"))
            .await?;
        let mut fenced = Vec::new();
        for (partition, range) in &batch.ranges {
            let n = tx
                .execute(&cas, &[&self.topic, partition, &range.to, &range.from])
                .await?;
            if n == 0 {
                fenced.push(*partition);
            }
        }
        Ok(fenced)
    }

    /// Stores the first copy of every event in `rows` (sorted by [`Batch::sort_rows`]),
    /// and reports the others as repeats by leaving them out, like the rows marked in
    /// `stored_before` (events known to be stored; shorter than `rows` marks none). A
    /// copy Postgres refuses shadows nothing: the next copy of the same event gets a try
    /// of its own, so a record's fate does not depend on a twin that happened to share
    /// its batch.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_with_repeats<'r>(
        &self,
        tx: &Transaction<'_>,
        rows: &'r [Row],
        stored_before: &[bool],
    ) -> Result<Inserted<'r>, tokio_postgres::Error> {
        // In this transaction, before any row and outside every savepoint, whose
        // rollback would release the lock it takes: see erased.rs.
        let erased = self.erased.current(&**tx).await?;
        let mut inserted = Inserted::default();
        let (mut round, mut waiting): (Vec<&Row>, Vec<&Row>) = (Vec::new(), Vec::new());
        for (i, row) in rows.iter().enumerate() {
            if stored_before.get(i).copied().unwrap_or(false) {
                continue;
            }
            if i > 0 && rows[i - 1].key() == row.key() {
                waiting.push(row);
            } else {
                round.push(row);
            }
        }
        loop {
            let refused_before = inserted.poisoned.len();
            self.insert_rows(tx, &round, &erased, &mut inserted).await?;
            let refused: HashSet<_> = inserted.poisoned[refused_before..]
                .iter()
                .map(|(row, _)| row.key())
                .collect();
            if refused.is_empty() || waiting.is_empty() {
                return Ok(inserted);
            }
            // Copies of one event are adjacent in `waiting`: the first of each refused
            // event stands in for it, the others wait for the next round.
            round = Vec::new();
            let mut rest = Vec::new();
            for row in waiting {
                let first = refused.contains(&row.key())
                    && round.last().is_none_or(|r: &&Row| r.key() != row.key());
                if first {
                    round.push(row)
                } else {
                    rest.push(row)
                }
            }
            waiting = rest;
        }
    }

    /// Stores `rows` (in the order of [`Batch::sort_rows`]) into `inserted`, one COPY
    /// per day straight into the day's partition, isolating any row Postgres refuses
    /// by splitting the range that failed until the culprit stands alone.
    async fn insert_rows<'r>(
        &self,
        tx: &Transaction<'_>,
        rows: &[&'r Row],
        erased: &ErasedSet,
        inserted: &mut Inserted<'r>,
    ) -> Result<(), tokio_postgres::Error> {
        let mut pending = day_runs(rows);
        pending.reverse();
        while let Some((day, start, end)) = pending.pop() {
            if start == end {
                continue;
            }
            let chunk = &rows[start..end];
            // Routing through the parent costs PostgreSQL a tuple slot per row of
            // each partition; the partition's own constraint still checks every row.
            let partition = DayPartition::of(day);
            let statement = Event::copy_in(&partition.name());
            // The lock keeps the partition from being dropped until the batch commits,
            // and finds a missing one with a plain error: a COPY refused before it
            // starts leaves tokio-postgres's connection out of step with the server.
            let savepoint =
                format!("SAVEPOINT tally_rows; LOCK TABLE {partition} IN ROW EXCLUSIVE MODE");
            match tx.batch_execute(&savepoint).await {
                Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => {
                    self.days.forget(day);
                    return Err(e);
                }
                other => other?,
            }
            let result = match self.copy(tx, &statement, chunk, erased).await {
                Ok(_) => Ok(chunk.to_vec()),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    tx.batch_execute("ROLLBACK TO SAVEPOINT tally_rows").await?;
                    inserted.staged += chunk.len();
                    self.insert_staged(tx, chunk, erased).await.map(|keys| {
                        chunk
                            .iter()
                            .filter(|r| keys.contains(&r.key()))
                            .copied()
                            .collect()
                    })
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(stored) => {
                    tx.batch_execute("RELEASE SAVEPOINT tally_rows").await?;
                    inserted.stored.extend(stored);
                }
                Err(e) if is_row_error(&e) => {
                    tx.batch_execute(
                        "ROLLBACK TO SAVEPOINT tally_rows; RELEASE SAVEPOINT tally_rows",
                    )
                    .await?;
                    if let [row] = chunk {
                        inserted.poisoned.push((row, describe_pg_error(&e)));
                    } else {
                        let mid = start + (end - start) / 2;
                        pending.push((day, mid, end));
                        pending.push((day, start, mid));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// COPY into the staging table, then INSERT ... ON CONFLICT DO NOTHING; returns the
    /// keys actually stored.
    async fn insert_staged(
        &self,
        tx: &Transaction<'_>,
        rows: &[&Row],
        erased: &ErasedSet,
    ) -> Result<HashSet<(Uuid, DateTime<Utc>)>, tokio_postgres::Error> {
        tx.batch_execute(include_str!("writer/create_stage.sql"))
            .await?;
        tx.batch_execute("TRUNCATE tally_stage").await?;
        self.copy(tx, &self.copy_stage, rows, erased).await?;
        let ids = tx
            .query(include_str!("writer/insert_from_stage.sql"), &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(ids)
    }

    async fn copy(
        &self,
        tx: &Transaction<'_>,
        statement: &str,
        rows: &[&Row],
        erased: &ErasedSet,
    ) -> Result<u64, tokio_postgres::Error> {
        let sink = tx.copy_in(statement).await?;
        let types = Event::copy_types(self.event_type.clone());
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for row in rows {
            let stripped = erased.strip(&row.event);
            let event = stripped.as_ref().unwrap_or(&row.event);
            let data = Json(&*event.event_data);
            writer.as_mut().write(&event.copy_params(&data)).await?;
        }
        writer.finish().await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn write_dead_letters(
        &self,
        tx: &Transaction<'_>,
        dead: &[&DeadLetter],
    ) -> Result<(), tokio_postgres::Error> {
        if dead.is_empty() {
            return Ok(());
        }
        let partitions: Vec<i32> = dead.iter().map(|d| d.partition).collect();
        let offsets: Vec<i64> = dead.iter().map(|d| d.offset).collect();
        let payloads: Vec<&[u8]> = dead.iter().map(|d| d.payload.as_slice()).collect();
        let reasons: Vec<&str> = dead.iter().map(|d| d.reason.as_str()).collect();
        let details: Vec<&str> = dead.iter().map(|d| d.detail.as_str()).collect();
        let orgs: Vec<Option<i64>> = dead.iter().map(|d| d.organization_id).collect();
        let stmt = tx
            .prepare_cached(include_str!("writer/dead_letters.sql"))
            .await?;
        tx.execute(
            &stmt,
            &[
                &self.topic,
                &partitions,
                &offsets,
                &payloads,
                &reasons,
                &details,
                &orgs,
            ],
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn write_counters(
        &self,
        tx: &Transaction<'_>,
        stored: &[&Row],
        shard: i32,
    ) -> Result<(), tokio_postgres::Error> {
        let counts = LiveCounts::of(stored.iter().map(|row| {
            let e = &row.event;
            (e.organization_id.0, e.campaign_id.0, e.event_type, e.day())
        }));
        if counts.is_empty() {
            return Ok(());
        }
        let stmt = tx.prepare_cached(live_counts::ADD_COUNTS).await?;
        tx.execute(&stmt, &counts.count_params(&shard)).await?;
        let stmt = tx.prepare_cached(live_counts::INVALIDATE).await?;
        tx.execute(&stmt, &counts.invalidation_params(&shard))
            .await?;
        Ok(())
    }
}

/// Commits the batch's transaction (a span of its own: the commit waits for the WAL).
#[tracing::instrument(level = "debug", skip_all)]
async fn commit(tx: Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    tx.commit().await
}

/// The dead letters of the rows Postgres refused.
fn refused_letters(inserted: &Inserted<'_>) -> Vec<DeadLetter> {
    inserted
        .poisoned
        .iter()
        .map(|(row, detail)| {
            tracing::warn!(
                partition = row.partition,
                offset = row.offset,
                event_id = %row.event.event_id,
                error = %detail,
                "record refused by Postgres: dead-lettered"
            );
            DeadLetter {
                partition: row.partition,
                offset: row.offset,
                payload: row.payload.clone(),
                reason: Reason::RejectedByDatabase,
                detail: detail.clone(),
                organization_id: Some(row.event.organization_id.0),
            }
        })
        .collect()
}

impl Outcome {
    /// What `batch` did once committed, with `inserted` and `dead` as written.
    fn of(batch: &Batch, inserted: &Inserted<'_>, dead: &[&DeadLetter]) -> Outcome {
        let mut by_reason: BTreeMap<Reason, u64> = BTreeMap::new();
        for d in dead {
            *by_reason.entry(d.reason).or_default() += 1;
        }
        Outcome {
            stored: inserted.stored.len() as u64,
            // Every row neither stored nor refused repeats a stored event: one stored
            // by this batch or by an earlier one.
            duplicates: (batch.rows.len() - inserted.stored.len() - inserted.poisoned.len()) as u64,
            dead: by_reason,
            committed: batch.ranges.iter().map(|(p, r)| (*p, r.to)).collect(),
            fenced: Vec::new(),
        }
    }
}

/// The runs of `rows` on one UTC day each, in order: the day and the run's range
/// `[start, end)`. A batch sorted by [`Batch::sort_rows`] has one run per day; any
/// order gives every day. The day is computed once per run.
fn day_runs<R: std::borrow::Borrow<Row>>(rows: &[R]) -> Vec<(NaiveDate, usize, usize)> {
    let mut runs: Vec<(NaiveDate, usize, usize)> = Vec::new();
    let mut bounds = (DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC);
    for (i, row) in rows.iter().enumerate() {
        let event = &row.borrow().event;
        match runs.last_mut() {
            Some((_, _, end)) if bounds.0 <= event.occurred_at && event.occurred_at < bounds.1 => {
                *end = i + 1
            }
            _ => {
                let day = event.day();
                bounds = DayPartition::of(day).bounds();
                runs.push((day, i, i + 1));
            }
        }
    }
    runs
}

/// The days of `rows`, one per run (see [`day_runs`]).
fn days(rows: &[Row]) -> impl Iterator<Item = NaiveDate> {
    day_runs(rows).into_iter().map(|(day, _, _)| day)
}

/// The time between the 10th and the 90th percentile of `rows`' event times, so that a
/// few late events do not set it.
fn time_span(rows: &[Row]) -> chrono::TimeDelta {
    let mut times: Vec<_> = rows.iter().map(|r| r.event.occurred_at).collect();
    times.sort_unstable();
    if times.len() < 10 {
        return chrono::TimeDelta::zero();
    }
    times[times.len() * 9 / 10] - times[times.len() / 10]
}

/// Stores the unique-contact sketches of the batch's stored events, one fragment per
/// day, for the aggregator to merge into week, month and lifetime estimates.
#[tracing::instrument(level = "debug", skip_all)]
async fn write_sketches(
    tx: &Transaction<'_>,
    stored: &[&Row],
) -> Result<(), tokio_postgres::Error> {
    if stored.is_empty() {
        return Ok(());
    }
    let mut by_day: BTreeMap<NaiveDate, Vec<(i64, i64, EventType, i64)>> = BTreeMap::new();
    for row in stored {
        let e = &row.event;
        by_day.entry(e.day()).or_default().push((
            e.organization_id.0,
            e.campaign_id.0,
            e.event_type,
            e.contact_id.0,
        ));
    }
    let days: Vec<NaiveDate> = by_day.keys().copied().collect();
    let blobs: Vec<Vec<u8>> = by_day
        .into_values()
        .map(|events| Fragment::of(events).encode())
        .collect();
    let stmt = tx
        .prepare_cached(include_str!("writer/sketches.sql"))
        .await?;
    tx.execute(&stmt, &[&days, &blobs]).await?;
    Ok(())
}

#[derive(Debug, Default)]
struct Inserted<'r> {
    /// Rows stored.
    stored: Vec<&'r Row>,
    /// Rows Postgres refused, with its message.
    poisoned: Vec<(&'r Row, String)>,
    /// Rows that went through the staging table because their COPY met a stored repeat.
    staged: usize,
}

/// Errors about one row's content (data exceptions, integrity, limits) rather than about
/// the connection or the server: these isolate a record instead of failing the batch.
fn is_row_error(e: &tokio_postgres::Error) -> bool {
    e.code()
        .map(|c| {
            let code = c.code();
            code.starts_with("22")
                || (code.starts_with("23") && code != "23505")
                || code.starts_with("54")
        })
        .unwrap_or(false)
}

/// Why a batch could not be written; every variant is retried with backoff by the
/// caller, since the batch is still whole and nothing was committed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Postgres failed or went away.
    #[error("postgres: {}", describe_pg_error(.0))]
    Db(#[source] tokio_postgres::Error),
    /// No connection could be had from the pool.
    #[error("no database connection: {0}")]
    Pool(#[source] deadpool_postgres::PoolError),
}

#[cfg(test)]
mod tests;
