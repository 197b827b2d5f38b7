//! One day partition, in one transaction: read its watermark, make the pass the plan
//! calls for, record the new watermark, commit. A crash anywhere leaves the partition
//! as the previous run left it.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::{Client, Transaction};
use tracing::instrument;

use super::plan::{self, Pass, State};
use super::{AnonymizeMethod, AnonymizePolicy, rebuild};

/// A whole day is rebuilt rather than updated in place when at least this share of its
/// rows carries personal data (docs/decisions.md): below it, rewriting every row costs
/// more than updating the few.
const REBUILD_MIN_SHARE: f64 = 0.25;

/// What a pass did to one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Outcome {
    /// Rows that lost personal data.
    pub rows: u64,
    /// How they were rewritten.
    pub method: Rewrite,
    /// The pass itself.
    pub pass: Pass,
}

/// How a pass rewrote the rows, as `anonymized_partitions.last_method` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rewrite {
    /// Copied into a new table that replaced the partition.
    Rebuild,
    /// UPDATE in place.
    Update,
    /// Nothing to remove.
    None,
}

impl Rewrite {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Rewrite::Rebuild => "rebuild",
            Rewrite::Update => "update",
            Rewrite::None => "none",
        }
    }
}

/// Brings the partition of `day` up to `line`, or returns None when it already is.
#[instrument(skip_all, fields(%day))]
pub(super) async fn anonymize_day(
    client: &mut Client,
    day: NaiveDate,
    (now, line): (DateTime<Utc>, DateTime<Utc>),
    policy: &AnonymizePolicy,
    method: AnonymizeMethod,
) -> Result<Option<Outcome>, tokio_postgres::Error> {
    let name = schema::DayPartition::of(day).name();
    let keys = &policy.pii_keys;
    let mut tx = client.transaction().await?;
    // Two runs serialise per partition, and the second finds the first one's watermark.
    schema::advisory::xact_lock(&tx, schema::AdvisoryLock::AnonymizeDay(day)).await?;
    // Before anything of the partition is read: see counted_before.sql.
    let counted_before: DateTime<Utc> = tx
        .query_one(include_str!("counted_before.sql"), &[])
        .await?
        .get(0);
    let Some(state) = state(&tx, day, keys, &name).await? else {
        return Ok(None);
    };
    let Some(pass) = plan::plan(day, line, &state) else {
        return Ok(None);
    };

    let (rows, rewrite) = if pass.whole_day {
        rewrite_whole_day(&mut tx, day, &name, keys, method).await?
    } else {
        let rows = tx
            .execute(
                include_str!("update_range.sql"),
                &[&pass.from, &pass.to, keys],
            )
            .await?;
        (rows, Rewrite::Update)
    };

    tx.execute(
        include_str!("mark_partition.sql"),
        &[
            &day,
            &pass.to,
            &counted_before,
            keys,
            &rewrite.as_str(),
            &now,
        ],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        partition = %schema::DayPartition::of(day),
        rows,
        method = rewrite.as_str(),
        from = %pass.from,
        through = %pass.to,
        late = pass.late,
        "partition anonymized"
    );
    Ok(Some(Outcome {
        rows,
        method: rewrite,
        pass,
    }))
}

/// The partition's watermark as the plan needs it, or None when the partition is gone
/// (archived, or dropped since it was listed).
async fn state(
    tx: &Transaction<'_>,
    day: NaiveDate,
    keys: &[String],
    name: &str,
) -> Result<Option<State>, tokio_postgres::Error> {
    let row = tx
        .query_one(include_str!("state.sql"), &[&day, &keys, &name])
        .await?;
    if !row.get::<_, bool>("present") {
        return Ok(None);
    }
    Ok(Some(State {
        through: row.get("anonymized_through"),
        counted_before: row.get("counted_before"),
        keys_covered: row.get("keys_covered"),
        last_counted_at: row.get("last_counted_at"),
    }))
}

/// Rewrites a day wholly past the line, by the method `method` and its share of rows
/// with personal data call for; returns the rows rewritten and how.
async fn rewrite_whole_day(
    tx: &mut Transaction<'_>,
    day: NaiveDate,
    name: &str,
    keys: &[String],
    method: AnonymizeMethod,
) -> Result<(u64, Rewrite), tokio_postgres::Error> {
    // No row may be added while the day is counted and rewritten whole; writes to
    // days this old are rare and wait at most for this transaction.
    tx.batch_execute(&format!("LOCK TABLE {name} IN SHARE MODE"))
        .await?;
    let (from, to) = schema::DayPartition::of(day).bounds();
    let counts = tx
        .query_one(include_str!("count_pii.sql"), &[&from, &to, &keys])
        .await?;
    let (total, with_pii): (i64, i64) = (counts.get(0), counts.get(1));
    let rebuild = match method {
        _ if with_pii == 0 => None,
        AnonymizeMethod::Rebuild => Some(true),
        AnonymizeMethod::Update => Some(false),
        AnonymizeMethod::Auto => Some(with_pii as f64 >= REBUILD_MIN_SHARE * total as f64),
    };
    Ok(match rebuild {
        None => (0, Rewrite::None),
        Some(true) if rebuild::rebuild(tx, name, day, keys).await? => {
            (with_pii as u64, Rewrite::Rebuild)
        }
        Some(_) => {
            let rows = tx
                .execute(include_str!("update_range.sql"), &[&from, &to, &keys])
                .await?;
            (rows, Rewrite::Update)
        }
    })
}
