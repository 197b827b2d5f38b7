//! Kafka to Postgres ingest: decode and validate events, batch them, binary COPY into
//! day partitions exactly once, and route bad records to dead letters.
//!
//! Exactly once rests on one rule: a batch's events, dead letters, counters and the
//! move of its partitions' positions in `ingest_offsets` commit in one transaction,
//! and the move is a compare-and-set, so a batch read by a consumer that no longer owns
//! its partition can never commit.

mod batch;
pub mod catalog;
pub mod decode;
mod http;
pub mod metrics;
mod pipeline;
mod retry;
mod source;
mod writer;
mod writer_task;

pub use batch::Record;
pub use pipeline::{CopyStreams, Ingest, IngestConfig, IngestError, Summary, Totals, run};
pub use writer::WriteError;
