//! What the tests that run the real `tally` binary share.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use testkit::TestDb;

/// Kills the process if the test fails before it does.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child's exit status, or `None` if it has not exited within `within`, so that a
/// child that fails to stop fails the test instead of hanging it.
pub fn exit_within(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return Some(status);
        }
        if started.elapsed() > within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The records whose offsets are committed in Postgres, over all partitions.
pub async fn committed(db: &TestDb) -> i64 {
    db.connect()
        .await
        .query_one(
            "SELECT coalesce(sum(next_offset), 0)::bigint FROM ingest_offsets",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("reading ingest_offsets: {e}"))
        .get(0)
}

/// Waits until `target` records are committed, failing the test after `within`.
pub async fn wait_committed(db: &TestDb, target: i64, within: Duration) {
    let started = Instant::now();
    loop {
        let now = committed(db).await;
        if now >= target {
            return;
        }
        assert!(
            started.elapsed() < within,
            "only {now} of {target} records committed after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
