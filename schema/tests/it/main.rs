//! The schema crate's integration tests against a real, migrated Postgres: constraints
//! and the database contract, dashboards' views, migrations, tenancy.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod codegen;
mod common;
mod constraints;
mod dashboards;
mod migrations;
mod tenancy;
