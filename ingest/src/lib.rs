//! Kafka to Postgres ingest: decode and validate events, batch them, binary COPY into
//! day partitions exactly once, and route bad records to dead letters.
//!
//! Exactly once rests on one rule: a batch's events, dead letters, counters and the
//! move of its partitions' positions in `ingest_offsets` commit in one transaction,
//! and the move is a compare-and-set, so a batch read by a consumer that no longer owns
//! its partition can never commit.
//!
//! # Layout
//!
//! - `pipeline`: [`Ingest`] and its configuration; starts the consumer thread and the
//!   writers, and stops them within the shutdown timeout.
//! - `source`: the Kafka side on a thread of its own: rebalances that claim positions
//!   from Postgres, polling, backpressure, hand-over to the writers, lag commits.
//! - `writer_task`: one writer: batches by size and age, checks the catalog, writes a
//!   batch while the next is decoded, retries.
//! - `writer`: the batch's transaction: fencing compare-and-set, COPY, repeats, dead
//!   letters, counters, invalidations, sketches.
//! - `batch`: a batch under construction; `decode`: the wire format;
//!   `catalog`: known organizations and campaigns.
//! - `dead_letters`: the operator's side of `dead_letters`: listing with counts, and
//!   [`replay`], which decodes letters again and writes those that now pass through
//!   the writer's transaction path, marking them in the same transaction.
//! - `metrics`, `http`: Prometheus metrics and `/metrics`, `/healthz`; `retry`: backoff.

mod batch;
mod catalog;
mod dead_letters;
mod decode;
mod http;
mod metrics;
mod pipeline;
mod retry;
mod source;
mod writer;
mod writer_task;

pub use catalog::CatalogError;
#[cfg(feature = "testsuite")]
pub use catalog::{Catalog, Snapshot};
pub use dead_letters::{
    DeadLetterError, LetterFilter, LetterList, ReasonCount, ReplayOptions, ReplayOutcome,
    ReplaySummary, Replayed, StoredLetter, list_dead_letters, replay,
};
pub use decode::{Decoded, Limits, Rejection, decode};
pub use pipeline::{CopyStreams, Ingest, IngestConfig, IngestError, Summary, Totals, run};
