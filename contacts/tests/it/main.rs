//! The contact import against a real, migrated Postgres: refusals by line, validation
//! rules, re-imports, updates and their audit rows, tenancy, and the address rule
//! compared with the `email_address` domain.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod common;
mod email_rule;
mod erased;
mod file;
mod import;
mod update;
