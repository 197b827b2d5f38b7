//! Replay: the letters a filter matches are read in chunks (by id, bounded in count and
//! bytes), decoded again with the ingest's decoder and limits, checked against the
//! catalog, and written through the batch's transaction path (`Writer::replay`): events
//! by COPY with repeats dropped, counters, invalidations and sketches, and the letters
//! marked replayed or given their new reason, one transaction per chunk.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use schema::{DeadLetterReason, Pool};
use uuid::Uuid;

use super::{DeadLetterError, LetterFilter, add_counts, sql};
use crate::batch::{self, Row};
use crate::catalog::{Catalog, Snapshot};
use crate::decode::{self, Limits, Rejection};
use crate::writer::{DayCache, Judged, Verdict, WriteError, Writer};

/// How to replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Which letters.
    pub filter: LetterFilter,
    /// The decoder's limits: the ingest's (`IngestConfig::limits`).
    pub limits: Limits,
    /// The reference time of the time window, as the ingest's `now`.
    pub now: DateTime<Utc>,
    /// Decode and check, report what would happen, write nothing. It remembers the
    /// events it would store (some 40 bytes each), so that a later copy of one counts
    /// as a duplicate, as in a real replay.
    pub dry_run: bool,
    /// Most letters per transaction.
    pub chunk_letters: i64,
    /// Most payload bytes per transaction (a larger letter goes alone).
    pub chunk_bytes: i64,
}

impl ReplayOptions {
    /// A replay of what `filter` matches with `limits`, now, 500 letters or 32 MiB of
    /// payload per transaction.
    pub fn new(filter: LetterFilter, limits: Limits) -> ReplayOptions {
        ReplayOptions {
            filter,
            limits,
            now: Utc::now(),
            dry_run: false,
            chunk_letters: 500,
            chunk_bytes: 32 * 1024 * 1024,
        }
    }
}

/// What a replay did, or for a dry run would do; updated after every chunk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Nothing was written.
    pub dry_run: bool,
    /// Matching letters not replayed when the replay started: its work.
    pub pending: u64,
    /// Letters decoded so far.
    pub handled: u64,
    /// Letters whose event was stored.
    pub stored: u64,
    /// Letters whose event was found stored already (nothing stored twice); they are
    /// marked replayed too.
    pub duplicates: u64,
    /// Letters that still fail, by their new reason; they keep their row.
    pub still_failing: BTreeMap<DeadLetterReason, u64>,
    /// Matching letters replayed already: before this replay, or by another one
    /// meanwhile (a letter removed meanwhile, by a GDPR erasure, counts here too).
    pub already_replayed: u64,
    /// Ids asked for that match no letter (with the other filters).
    pub not_found: Vec<i64>,
}

impl ReplaySummary {
    /// Letters that still fail, of every reason.
    pub fn failing(&self) -> u64 {
        self.still_failing.values().sum()
    }
}

/// What one chunk did.
#[derive(Debug, Default)]
pub(crate) struct ChunkOutcome {
    pub stored: u64,
    pub duplicates: u64,
    pub failing: BTreeMap<DeadLetterReason, u64>,
    /// Letters another replay marked (or an erasure removed) between the read and the
    /// lock.
    pub already_replayed: u64,
}

/// Replays the letters `options` match, calling `progress` before the first chunk and
/// after every one. Chunks commit one by one: after an error, the summary last given
/// to `progress` is what was committed, and running the replay again takes up the rest.
#[tracing::instrument(skip_all, fields(dry_run = options.dry_run))]
pub async fn replay(
    pool: &Pool,
    options: &ReplayOptions,
    mut progress: impl FnMut(&ReplaySummary),
) -> Result<ReplaySummary, DeadLetterError> {
    if options.chunk_letters < 1 || options.chunk_bytes < 1 {
        return Err(DeadLetterError::Options(format!(
            "a replay chunk of {} letters and {} bytes holds nothing: give both at least 1",
            options.chunk_letters, options.chunk_bytes
        )));
    }
    let (writer, catalog) = prepare(pool).await?;
    let snapshot = catalog.snapshot();
    let mut summary = ReplaySummary {
        dry_run: options.dry_run,
        ..ReplaySummary::default()
    };
    let params = options.filter.params();
    {
        let client = pool.get().await.map_err(DeadLetterError::Pool)?;
        for row in client
            .query(sql::COUNTS, &params.with(&[]))
            .await
            .map_err(DeadLetterError::db("counting the letters to replay"))?
        {
            summary.pending += row.get::<_, i64>(1) as u64;
            summary.already_replayed += row.get::<_, i64>(2) as u64;
        }
        if !options.filter.ids.is_empty() {
            let found: HashSet<i64> = client
                .query(sql::FOUND, &params.with(&[]))
                .await
                .map_err(DeadLetterError::db("looking up the letters asked for"))?
                .iter()
                .map(|r| r.get(0))
                .collect();
            summary.not_found = options
                .filter
                .ids
                .iter()
                .copied()
                .filter(|id| !found.contains(id))
                .collect();
            summary.not_found.sort_unstable();
            summary.not_found.dedup();
        }
    }
    progress(&summary);

    let mut after = 0_i64;
    // A dry run's events that would be stored, so that a later chunk's copy of one is
    // reported a duplicate (a real replay finds it in `events`).
    let mut would_store: HashSet<(Uuid, DateTime<Utc>)> = HashSet::new();
    loop {
        let letters = {
            let client = pool.get().await.map_err(DeadLetterError::Pool)?;
            client
                .query(
                    sql::CHUNK,
                    &params.with(&[&after, &options.chunk_letters, &options.chunk_bytes]),
                )
                .await
                .map_err(DeadLetterError::db("reading the next letters to replay"))?
        };
        let Some(last) = letters.last() else { break };
        after = last.get(0);
        let judged: Vec<Judged> = letters
            .into_iter()
            .map(|row| {
                judge(
                    row.get(0),
                    row.get(1),
                    row.get(2),
                    row.get(3),
                    options,
                    &snapshot,
                )
            })
            .collect();
        let n = judged.len() as u64;
        let outcome = if options.dry_run {
            dry_run(pool, judged, &mut would_store).await?
        } else {
            writer.replay(judged).await.map_err(|e| match e {
                WriteError::Db(source) => DeadLetterError::Db {
                    step: "writing replayed letters (the chunk was rolled back)",
                    source,
                },
                WriteError::Pool(e) => DeadLetterError::Pool(e),
            })?
        };
        summary.handled += n;
        summary.stored += outcome.stored;
        summary.duplicates += outcome.duplicates;
        summary.already_replayed += outcome.already_replayed;
        add_counts(&mut summary.still_failing, &outcome.failing);
        tracing::info!(
            letters = n,
            stored = outcome.stored,
            duplicates = outcome.duplicates,
            failing = outcome.failing.values().sum::<u64>(),
            last_id = after,
            "replay chunk done"
        );
        progress(&summary);
    }
    Ok(summary)
}

/// Checks the schema and loads what the writer needs: the partitions that exist, the
/// catalog, the event type's oid.
async fn prepare(pool: &Pool) -> Result<(Writer, Catalog), DeadLetterError> {
    let days = {
        let mut client = pool.get().await.map_err(DeadLetterError::Pool)?;
        schema::Migrator::default().verify(&mut client).await?;
        DayCache::load(&**client).await?
    };
    let catalog = Catalog::load(pool).await?;
    // The topic names the letters a batch writes; a replay writes none.
    let writer = Writer::new(pool.clone(), "replay", days, 1)
        .await
        .map_err(|e| match e {
            WriteError::Db(source) => DeadLetterError::Db {
                step: "learning the event type",
                source,
            },
            WriteError::Pool(e) => DeadLetterError::Pool(e),
        })?;
    Ok((writer, catalog))
}

/// A letter's verdict now: the ingest's decoder and limits, then the catalog, as a
/// batch's record gets them.
fn judge(
    id: i64,
    partition: i32,
    offset: i64,
    payload: Vec<u8>,
    options: &ReplayOptions,
    snapshot: &Snapshot,
) -> Judged {
    let verdict = match decode::decode(&payload, &options.limits, options.now) {
        Err(rejection) => Verdict::Fails(rejection),
        Ok(decoded) => {
            let event = decoded.event;
            let (org, campaign) = (event.organization_id.0, event.campaign_id.0);
            match snapshot.check(org, campaign) {
                Ok(()) => Verdict::Passes(Row {
                    event,
                    partition,
                    offset,
                    payload,
                }),
                Err(reason) => Verdict::Fails(Rejection {
                    reason,
                    detail: batch::unknown_detail(org, campaign, reason),
                    organization_id: Some(org),
                }),
            }
        }
    };
    Judged { id, verdict }
}

/// What a chunk would do: the failures as judged, and of the passing letters the first
/// of each event neither stored nor in `would_store` (earlier chunks') would be stored,
/// the rest would be duplicates. Postgres refusing a row shows only in a real replay.
async fn dry_run(
    pool: &Pool,
    judged: Vec<Judged>,
    would_store: &mut HashSet<(Uuid, DateTime<Utc>)>,
) -> Result<ChunkOutcome, DeadLetterError> {
    let mut outcome = ChunkOutcome::default();
    let mut keys: Vec<(Uuid, DateTime<Utc>)> = Vec::new();
    for letter in judged {
        match letter.verdict {
            Verdict::Fails(rejection) => *outcome.failing.entry(rejection.reason).or_default() += 1,
            Verdict::Passes(row) => keys.push(row.key()),
        }
    }
    let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let times: Vec<DateTime<Utc>> = keys.iter().map(|k| k.1).collect();
    let client = pool.get().await.map_err(DeadLetterError::Pool)?;
    let stored: HashSet<(Uuid, DateTime<Utc>)> = client
        .query(include_str!("stored_keys.sql"), &[&ids, &times])
        .await
        .map_err(DeadLetterError::db("looking up stored events"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for key in keys {
        if !stored.contains(&key) && would_store.insert(key) {
            outcome.stored += 1;
        } else {
            outcome.duplicates += 1;
        }
    }
    Ok(outcome)
}
