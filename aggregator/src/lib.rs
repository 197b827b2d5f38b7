//! Daily aggregation of events per campaign, event type and day: only the campaign days
//! ingest invalidated are recomputed, a day becomes final 24 hours after it ends, and
//! events received after that are counted as late instead of rewriting the final row.
//!
//! # Layout
//!
//! - `aggregate`: the nightly run over invalidated campaign days, finality, late events,
//!   and the restatement of a day.
//! - `unique`: the merge of ingest's sketch fragments into week, month and lifetime
//!   unique contacts ([`Period`]).
//! - `error`: [`AggregateError`].

mod aggregate;
mod error;
mod unique;

pub use aggregate::{AggregateReport, Finality, aggregate, restate};
pub use error::AggregateError;
pub use unique::{Period, UniqueReport, merge_unique_contacts};
