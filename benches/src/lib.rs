//! Benchmarks: criterion micro-benchmarks and the end-to-end load benchmarks that
//! report a ratio against a baseline measured in the same run. The ingest, aggregation
//! and archive issues add them. This library holds what the load benchmarks share.

// A benchmark that cannot reach its own cluster has nothing to measure: panic.
#![allow(clippy::unwrap_used)]

pub mod platform;

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

/// A process's command name and the fields of /proc/<pid>/stat after it (the state is
/// the first); `pid` may be `self`. None where /proc cannot tell.
fn stat(pid: &str) -> Option<(String, Vec<String>)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    Some((comm, rest.split_whitespace().map(str::to_owned).collect()))
}

/// The sum of the numeric fields at `at` of a stat line's fields after the command name.
fn sum_fields(fields: &[String], at: &[usize]) -> Option<u64> {
    at.iter().map(|&i| fields.get(i)?.parse::<u64>().ok()).sum()
}

/// A process's command name and CPU time (user and system) in clock ticks (USER_HZ,
/// 100 on every Linux this runs on), from /proc; `pid` may be `self`. None where
/// /proc cannot tell.
pub fn process_ticks(pid: &str) -> Option<(String, u64)> {
    let (comm, f) = stat(pid)?;
    // utime and stime are the 14th and 15th fields of the line.
    Some((comm, sum_fields(&f, &[11, 12])?))
}

/// CPU clock ticks of the children this process has waited for (a load generator run
/// as a child counts once it has exited). None where /proc cannot tell.
pub fn children_ticks() -> Option<u64> {
    // cutime and cstime: the 16th and 17th fields of the line.
    sum_fields(&stat("self")?.1, &[13, 14])
}

/// CPU clock ticks of `cluster`'s server: the postmaster, its live children (backends,
/// background workers) and the children it has reaped (so a backend that ended between
/// two readings still counts). None where /proc cannot tell.
pub fn cluster_ticks(cluster: &Cluster) -> Option<u64> {
    let pid_file = std::fs::read_to_string(cluster.dir().join("data/postmaster.pid")).ok()?;
    let postmaster = pid_file.lines().next()?.trim().to_owned();
    let mut ticks = sum_fields(&stat(&postmaster)?.1, &[11, 12, 13, 14])?;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        // A process may end between the listing and the read: skip it.
        if let Some((_, f)) = stat(pid)
            && f.get(1).map(String::as_str) == Some(postmaster.as_str())
        {
            ticks += sum_fields(&f, &[11, 12]).unwrap_or(0);
        }
    }
    Some(ticks)
}

/// The whole machine's CPU clock ticks since boot from /proc/stat, as (busy, idle):
/// idle counts iowait too, busy everything else but guest time (already in user).
/// None where /proc cannot tell.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest and guest_nice follow, and
    // are already counted in user and nice).
    let idle = fields.get(3)? + fields.get(4)?;
    let busy = fields.iter().take(8).sum::<u64>() - idle;
    Some((busy, idle))
}

/// The share of the machine's CPU time that was idle between two [`machine_ticks`]
/// readings, in [0, 1]; None if the clock did not move or a reading is missing.
pub fn idle_share(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((busy0, idle0), (busy1, idle1)) = (before?, after?);
    let idle = idle1.checked_sub(idle0)?;
    let total = busy1.checked_sub(busy0)? + idle;
    (total > 0).then(|| idle as f64 / total as f64)
}

/// CPU clock ticks of this process's threads named `name` (a librdkafka mock broker's
/// thread is `rdk:mock`), so that a process hosting several roles can be split by role.
/// None where /proc cannot tell.
pub fn thread_ticks(name: &str) -> Option<u64> {
    let mut ticks = 0;
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Some(tid) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        // A thread may end between the listing and the read: skip it.
        if let Some((comm, f)) = stat(&format!("self/task/{tid}"))
            && comm == name
        {
            ticks += sum_fields(&f, &[11, 12]).unwrap_or(0);
        }
    }
    Some(ticks)
}
