//! Benchmarks: criterion micro-benchmarks and the end-to-end load benchmarks that
//! report a ratio against a baseline measured in the same run. The ingest, aggregation
//! and archive issues add them. This library holds what the load benchmarks share.

// A benchmark that cannot reach its own cluster has nothing to measure: panic.
#![allow(clippy::unwrap_used)]

use localpg::Cluster;
use tokio_postgres::{Client, NoTls};

/// The integer in environment variable `name`, or `default` when unset or unparsable.
pub fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A connection to database `db` of the benchmark's cluster.
pub async fn connect(cluster: &Cluster, db: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(&cluster.connection_string(db), NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

/// Creates database `name` on the cluster, migrated to the current schema.
pub async fn migrated_database(cluster: &Cluster, name: &str) -> Client {
    connect(cluster, "postgres")
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut client = connect(cluster, name).await;
    schema::Migrator::default().up(&mut client).await.unwrap();
    client
}

/// A process's command name and CPU time (user and system) in clock ticks (USER_HZ,
/// 100 on every Linux this runs on), from /proc; `pid` may be `self`. None where
/// /proc cannot tell.
pub fn process_ticks(pid: &str) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    // Fields after the command name; utime and stime are the 14th and 15th of the line.
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some((
        comm,
        f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?,
    ))
}
