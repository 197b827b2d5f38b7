//! A private, throwaway PostgreSQL cluster started from the machine's own server
//! binaries: what `cargo test` and `tally demo` run against when no database URL is given.
//!
//! The cluster lives in a fresh directory under the system temp dir, listens only on a
//! unix socket in that directory, and is owned by a watchdog process that stops it and
//! removes the directory as soon as the owning process goes away, whether it returns,
//! panics or is killed.
//!
//! # Layout
//!
//! - `binaries`: finding the PostgreSQL server binaries.
//! - `cluster`: the [`Cluster`]: initdb, start, stop and restart, and its watchdog.
//! - `error`: [`Error`].

mod binaries;
mod cluster;
mod error;

pub use binaries::{BINDIR_ENV, MIN_MAJOR, PgBinaries, binaries_in, find_binaries};
pub use cluster::{Cluster, ClusterOptions, StopMode};
pub use error::Error;
