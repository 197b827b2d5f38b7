//! The real `tally` binary: its commands, SIGKILLs mid-stream, backpressure, and the
//! failures of what it depends on.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod backpressure;
mod cli;
mod common;
mod compose;
mod contacts;
mod dashboards;
mod dead_letters;
mod gdpr;
mod kill;
mod metrics_scrape;
mod resilience;
mod serve;
