//! The schema crate's integration tests against a real, migrated Postgres: constraints
//! and the database contract, dashboards' views, migrations, tenancy, the generated
//! domain queries (isolation, lifecycle, audit, status flows).

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod codegen;
mod common;
mod constraints;
mod dashboard_reader;
mod dashboards;
mod domain_isolation;
mod domain_lifecycle;
mod migrations;
mod rate_limits;
mod tenancy;
