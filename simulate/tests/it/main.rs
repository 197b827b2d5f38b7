//! The simulator's tests, one binary: the campaign traffic (`traffic`) and the seeded
//! platform (`platform`), against real Postgres databases (a fresh one per test) and
//! the in-process Kafka.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod platform;
mod traffic;
