//! What the tests that run the real `tally ingest` binary share.

use std::process::Child;
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
