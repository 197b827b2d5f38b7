//! The ingest's integration tests: the catalog, exactly-once through the in-process
//! Kafka, hostile input and dead-letter replay. One binary, so rdkafka and the test
//! cluster are linked and started once.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod backup;
mod catalog;
mod erased;
mod exactly_once;
mod hostile;
mod replay;
