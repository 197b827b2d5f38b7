//! What every long-running tally process serves to operators: `/metrics` and `/healthz`
//! (`tally ingest` and `tally schedule` on their metrics address; `tally serve` renders
//! its `/metrics` route with [`encode`]).
//!
//! # Layout
//!
//! - `exposition`: a prometheus-client registry as text, in the format the scraper
//!   asks for ([`Format`]): OpenMetrics for Prometheus, the classic Prometheus text
//!   format for everyone else (curl, `promtool check metrics`).
//! - `server`: [`serve`], a minimal HTTP/1.1 server for `/metrics` and `/healthz`.

mod exposition;
mod server;

pub use exposition::{Format, encode};
pub use server::serve;
