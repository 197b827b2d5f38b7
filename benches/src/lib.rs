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
