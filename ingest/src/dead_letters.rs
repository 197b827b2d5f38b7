//! The operator's side of `dead_letters`: which letters a filter matches, a listing of
//! them with counts by reason, and their replay (`replay`), which decodes the stored
//! records again and writes those that now pass through the batch's own transaction
//! path.
//!
//! Every query over a filter starts with `dead_letters/matching.sql`, so a listing and
//! a replay with the same filters see the same letters.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use schema::{DeadLetterReason, describe_pg_error};
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

mod replay;

pub(crate) use replay::ChunkOutcome;
pub use replay::{ReplayOptions, ReplaySummary, replay};

/// What a replay made of a letter whose event it wrote or found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReplayOutcome {
    /// Its event was stored.
    Stored,
    /// Its event was stored already (by the ingest, an earlier letter, or another letter
    /// of the same replay): nothing was stored twice.
    Duplicate,
}

impl ReplayOutcome {
    /// Every outcome, in declaration order.
    pub const ALL: &[ReplayOutcome] = &[ReplayOutcome::Stored, ReplayOutcome::Duplicate];

    /// The code stored in `dead_letters.replay_outcome`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReplayOutcome::Stored => "stored",
            ReplayOutcome::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for ReplayOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ReplayOutcome {
    type Err = DeadLetterError;

    fn from_str(text: &str) -> Result<ReplayOutcome, DeadLetterError> {
        ReplayOutcome::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == text)
            .ok_or_else(|| DeadLetterError::UnknownCode {
                column: "replay_outcome",
                code: text.to_owned(),
            })
    }
}

/// Which dead letters a command works on: every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LetterFilter {
    /// Letters with this reason.
    pub reason: Option<DeadLetterReason>,
    /// Letters received at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Letters of this organization (letters whose organization could not be read have
    /// none, and match only without this filter).
    pub organization: Option<i64>,
    /// These letters only; empty for any.
    pub ids: Vec<i64>,
}

/// The parameters `$1..$4` of `matching.sql`, borrowed from a [`LetterFilter`].
struct FilterParams<'a> {
    reason: Option<&'static str>,
    since: Option<DateTime<Utc>>,
    organization: Option<i64>,
    ids: &'a Vec<i64>,
}

impl LetterFilter {
    fn params(&self) -> FilterParams<'_> {
        FilterParams {
            reason: self.reason.map(DeadLetterReason::as_str),
            since: self.since,
            organization: self.organization,
            ids: &self.ids,
        }
    }
}

impl FilterParams<'_> {
    /// `$1..$4`, followed by a query's own parameters.
    fn with<'p>(&'p self, more: &[&'p (dyn ToSql + Sync)]) -> Vec<&'p (dyn ToSql + Sync)> {
        let mut params: Vec<&'p (dyn ToSql + Sync)> =
            vec![&self.reason, &self.since, &self.organization, self.ids];
        params.extend_from_slice(more);
        params
    }
}

/// The queries over the letters a filter matches: `matching.sql` then the query's own.
mod sql {
    macro_rules! over_matching {
        ($file:literal) => {
            concat!(
                include_str!("dead_letters/matching.sql"),
                include_str!(concat!("dead_letters/", $file))
            )
        };
    }

    /// The newest letters: `$5` replayed ones too, `$6` how many.
    pub(super) const LIST: &str = over_matching!("list.sql");
    /// Letters per reason, pending and replayed.
    pub(super) const COUNTS: &str = over_matching!("counts.sql");
    /// The ids asked for that match.
    pub(super) const FOUND: &str = over_matching!("found.sql");
    /// The next chunk to replay: `$5` after id, `$6` letters, `$7` bytes.
    pub(super) const CHUNK: &str = over_matching!("chunk.sql");
}

/// One dead letter as an operator lists it: everything but the payload, which is only
/// sized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLetter {
    /// Its id.
    pub id: i64,
    /// The Kafka topic it was read from.
    pub topic: String,
    /// Its Kafka partition.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// When the ingest stored it.
    pub received_at: DateTime<Utc>,
    /// Its organization, when the payload could be read far enough.
    pub organization_id: Option<i64>,
    /// Why it was refused (by the ingest, or by the last replay that found it failing).
    pub reason: DeadLetterReason,
    /// What was wrong, for people.
    pub detail: Option<String>,
    /// The payload's length in bytes.
    pub payload_bytes: i32,
    /// Replays that decoded it again.
    pub replay_attempts: i32,
    /// The last of them.
    pub last_replay_at: Option<DateTime<Utc>>,
    /// When and how it was replayed, if it was.
    pub replayed: Option<Replayed>,
}

/// A replayed letter's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// When its event was written or found.
    pub at: DateTime<Utc>,
    /// Whether that stored it or found it stored.
    pub outcome: ReplayOutcome,
    /// The event.
    pub event_id: Uuid,
}

/// How many letters of one reason a filter matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonCount {
    /// The reason.
    pub reason: DeadLetterReason,
    /// Letters not replayed.
    pub pending: i64,
    /// Letters replayed.
    pub replayed: i64,
}

/// A listing: the newest matching letters and the counts of all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterList {
    /// The newest letters first, at most the limit asked for.
    pub letters: Vec<StoredLetter>,
    /// Every matching letter counted by reason, in reason order.
    pub counts: Vec<ReasonCount>,
}

impl LetterList {
    /// Matching letters not replayed, of every reason.
    pub fn pending(&self) -> i64 {
        self.counts.iter().map(|c| c.pending).sum()
    }

    /// Matching letters replayed, of every reason.
    pub fn replayed(&self) -> i64 {
        self.counts.iter().map(|c| c.replayed).sum()
    }
}

/// Lists the newest `limit` letters `filter` matches (replayed ones too when
/// `include_replayed`), and counts all of them by reason; runs as the owner, across
/// organizations.
pub async fn list_dead_letters(
    client: &impl GenericClient,
    filter: &LetterFilter,
    include_replayed: bool,
    limit: i64,
) -> Result<LetterList, DeadLetterError> {
    let params = filter.params();
    let rows = client
        .query(sql::LIST, &params.with(&[&include_replayed, &limit]))
        .await
        .map_err(DeadLetterError::db("listing dead letters"))?;
    let mut letters = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.get(0);
        let replayed = match (
            row.get::<_, Option<DateTime<Utc>>>(11),
            row.get::<_, Option<String>>(12),
            row.get::<_, Option<Uuid>>(13),
        ) {
            (Some(at), Some(outcome), Some(event_id)) => Some(Replayed {
                at,
                outcome: outcome.parse()?,
                event_id,
            }),
            // The table's check keeps the three together.
            _ => None,
        };
        letters.push(StoredLetter {
            id,
            topic: row.get(1),
            partition: row.get(2),
            offset: row.get(3),
            received_at: row.get(4),
            organization_id: row.get(5),
            reason: reason(row.get(6))?,
            detail: row.get(7),
            payload_bytes: row.get(8),
            replay_attempts: row.get(9),
            last_replay_at: row.get(10),
            replayed,
        });
    }
    let mut counts = Vec::new();
    for row in client
        .query(sql::COUNTS, &params.with(&[]))
        .await
        .map_err(DeadLetterError::db("counting dead letters"))?
    {
        counts.push(ReasonCount {
            reason: reason(row.get(0))?,
            pending: row.get(1),
            replayed: row.get(2),
        });
    }
    Ok(LetterList { letters, counts })
}

/// A stored reason code as the enum.
fn reason(code: &str) -> Result<DeadLetterReason, DeadLetterError> {
    code.parse().map_err(|_| DeadLetterError::UnknownCode {
        column: "reason",
        code: code.to_owned(),
    })
}

/// Why listing or replaying dead letters failed.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    /// Postgres failed.
    #[error("postgres failed while {step}: {}", describe_pg_error(.source))]
    Db {
        /// What was being done.
        step: &'static str,
        /// The server's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// No connection could be had from the pool.
    #[error("cannot get a Postgres connection: {0}; check that the database is reachable")]
    Pool(#[source] schema::PoolError),
    /// The database schema is not what this build expects.
    #[error("{0}; run `tally migrate` first")]
    Schema(#[from] schema::MigrateError),
    /// The day partitions could not be listed.
    #[error(transparent)]
    Partitions(#[from] schema::PartitionListError),
    /// The organizations and campaigns could not be loaded.
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// A stored code this build does not know: written by a newer build.
    #[error(
        "dead_letters.{column} holds {code:?}, which this build of tally does not know; \
         run the newer tally that wrote it"
    )]
    UnknownCode {
        /// The column.
        column: &'static str,
        /// The code found.
        code: String,
    },
    /// The options cannot work.
    #[error("{0}")]
    Options(String),
}

impl DeadLetterError {
    fn db(step: &'static str) -> impl FnOnce(tokio_postgres::Error) -> DeadLetterError {
        move |source| DeadLetterError::Db { step, source }
    }
}

/// Counts by reason, summed, for summaries.
pub(crate) fn add_counts(
    into: &mut BTreeMap<DeadLetterReason, u64>,
    from: &BTreeMap<DeadLetterReason, u64>,
) {
    for (reason, n) in from {
        *into.entry(*reason).or_default() += n;
    }
}
