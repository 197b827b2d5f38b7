//! The aggregation and the unique-contact merges against a real, migrated Postgres.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod aggregate;
mod unique;
