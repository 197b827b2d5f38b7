//! GDPR export and erasure against a real, migrated Postgres and a local object store
//! in a temporary directory, with a fixed clock.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod common;
mod erase;
mod export;
mod reapply;
