//! Job runs against a real Postgres with an injected clock: one run per slot across
//! schedulers, failures recorded without stopping anything, missed runs caught up.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use scheduler::{Job, JobContext, JobFuture, RunOutcome, Schedule, catch_up, run_job};
use testkit::TestDb;
use testkit::at;
use tokio_postgres::NoTls;

fn pool(db: &TestDb) -> Pool {
    let manager = Manager::from_config(
        db.config().clone(),
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager).max_size(4).build().unwrap()
}

/// A job that counts its runs, takes `delay`, and fails its first `failures` runs.
struct Probe {
    name: &'static str,
    schedule: Schedule,
    runs: Arc<AtomicU64>,
    delay: Duration,
    failures: u64,
    panics: bool,
}

impl Probe {
    fn new(name: &'static str, expression: &str) -> Probe {
        Probe {
            name,
            schedule: Schedule::parse(name, expression).unwrap(),
            runs: Arc::new(AtomicU64::new(0)),
            delay: Duration::ZERO,
            failures: 0,
            panics: false,
        }
    }
}

impl Job for Probe {
    fn name(&self) -> &str {
        self.name
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a> {
        Box::pin(async move {
            let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            // Touch the database through the context, as real jobs do.
            ctx.pool.get().await?.execute("SELECT 1", &[]).await?;
            tokio::time::sleep(self.delay).await;
            if self.panics {
                panic!("probe exploded");
            }
            if n <= self.failures {
                return Err(format!("disk on fire (run {n})").into());
            }
            Ok(n * 10)
        })
    }
}

type RunRow = (
    String,
    Option<DateTime<Utc>>,
    String,
    Option<i64>,
    Option<String>,
);

async fn job_runs(db: &TestDb) -> Vec<RunRow> {
    db.connect()
        .await
        .query(
            "SELECT job, scheduled_for, status::text, rows_affected, error FROM job_runs ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

#[tokio::test]
async fn two_schedulers_started_at_once_run_each_job_once() {
    let db = TestDb::migrated().await;
    let (a, b) = (pool(&db), pool(&db));
    let runs = Arc::new(AtomicU64::new(0));
    let replica = || {
        let mut nightly = Probe::new("aggregate", "0 0 2 * * *");
        nightly.runs = runs.clone();
        nightly.delay = Duration::from_millis(300);
        let mut hourly = Probe::new("premake", "0 0 * * * *");
        hourly.runs = runs.clone();
        (nightly, hourly)
    };
    let (a1, a2) = replica();
    let (b1, b2) = replica();
    let now = at("2026-11-22T02:00:00.010Z");
    let (jobs_a, jobs_b): ([&dyn Job; 2], [&dyn Job; 2]) = ([&a1, &a2], [&b1, &b2]);
    let (ra, rb) = tokio::join!(catch_up(&a, &jobs_a, now), catch_up(&b, &jobs_b, now));
    let outcomes: Vec<RunOutcome> = ra
        .unwrap()
        .into_iter()
        .chain(rb.unwrap())
        .map(|(_, o)| o)
        .collect();
    let succeeded = outcomes
        .iter()
        .filter(|o| matches!(o, RunOutcome::Succeeded { .. }))
        .count();
    assert_eq!(succeeded, 2, "{outcomes:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 2, "each job ran once");
    let rows = job_runs(&db).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.2 == "succeeded"));
    let jobs: Vec<(&str, DateTime<Utc>)> =
        rows.iter().map(|r| (r.0.as_str(), r.1.unwrap())).collect();
    assert!(jobs.contains(&("aggregate", at("2026-11-22T02:00:00Z"))));
    assert!(jobs.contains(&("premake", at("2026-11-22T02:00:00Z"))));

    // The same slot asked again, by either replica, is not run again.
    assert_eq!(
        run_job(
            &b,
            &b1,
            Some(at("2026-11-22T02:00:00Z")),
            now,
            &serde_json::json!({})
        )
        .await
        .unwrap(),
        RunOutcome::AlreadyDone
    );
}

#[tokio::test]
async fn a_failing_job_is_recorded_as_failed_and_the_next_run_still_happens() {
    let db = TestDb::migrated().await;
    let pool = pool(&db);
    let mut job = Probe::new("aggregate", "0 0 2 * * *");
    job.failures = 1;
    let args = serde_json::json!({});
    let first = run_job(
        &pool,
        &job,
        Some(at("2026-11-21T02:00:00Z")),
        at("2026-11-21T02:00:00Z"),
        &args,
    )
    .await
    .unwrap();
    assert!(
        matches!(&first, RunOutcome::Failed { error, .. } if error.contains("disk on fire")),
        "{first:?}"
    );
    let second = run_job(
        &pool,
        &job,
        Some(at("2026-11-22T02:00:00Z")),
        at("2026-11-22T02:00:00Z"),
        &args,
    )
    .await
    .unwrap();
    assert!(
        matches!(second, RunOutcome::Succeeded { rows: 20, .. }),
        "{second:?}"
    );

    let rows = job_runs(&db).await;
    assert_eq!(rows[0].2, "failed");
    assert_eq!(rows[0].4.as_deref(), Some("disk on fire (run 1)"));
    assert_eq!(rows[0].3, None);
    assert_eq!(rows[1].2, "succeeded");
    assert_eq!(rows[1].3, Some(20));
}

#[tokio::test]
async fn a_panicking_job_is_recorded_as_failed() {
    let db = TestDb::migrated().await;
    let pool = pool(&db);
    let mut job = Probe::new("archive", "0 0 4 1 * *");
    job.panics = true;
    let outcome = run_job(
        &pool,
        &job,
        None,
        at("2026-11-22T02:00:00Z"),
        &serde_json::json!({"by": "hand"}),
    )
    .await
    .unwrap();
    assert!(
        matches!(&outcome, RunOutcome::Failed { error, .. } if error.contains("probe exploded")),
        "{outcome:?}"
    );
    let rows = job_runs(&db).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, None, "a run by hand has no slot");
    assert_eq!(rows[0].2, "failed");
}

#[tokio::test]
async fn a_missed_run_is_caught_up_at_start_and_only_once() {
    let db = TestDb::migrated().await;
    let pool = pool(&db);
    let job = Probe::new("aggregate", "0 0 2 * * *");
    db.connect()
        .await
        .execute(
            "INSERT INTO job_runs (job, scheduled_for, started_at, finished_at, status)
             VALUES ('aggregate', '2026-11-20T02:00:00Z', '2026-11-20T02:00:01Z', '2026-11-20T02:00:09Z', 'succeeded')",
            &[],
        )
        .await
        .unwrap();

    // Down from 2026-11-20T03:00 until 2026-11-22T05:00: the latest slot is caught up.
    let caught = catch_up(&pool, &[&job], at("2026-11-22T05:00:00Z"))
        .await
        .unwrap();
    assert_eq!(caught.len(), 1);
    assert!(matches!(caught[0].1, RunOutcome::Succeeded { .. }));
    assert_eq!(job.runs.load(Ordering::SeqCst), 1);
    let rows = job_runs(&db).await;
    assert_eq!(rows.last().unwrap().1, Some(at("2026-11-22T02:00:00Z")));

    // A restart later the same night, or before the next slot, runs nothing.
    assert!(
        catch_up(&pool, &[&job], at("2026-11-22T05:30:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        catch_up(&pool, &[&job], at("2026-11-23T01:59:59Z"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(job.runs.load(Ordering::SeqCst), 1);

    // A job that never succeeded is run at start too.
    let fresh = Probe::new("premake", "0 0 * * * *");
    let caught = catch_up(&pool, &[&job, &fresh], at("2026-11-23T01:59:59Z"))
        .await
        .unwrap();
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].0, "premake");
}

#[tokio::test]
async fn a_run_that_never_finished_is_recorded_as_abandoned() {
    let db = TestDb::migrated().await;
    let pool = pool(&db);
    db.connect()
        .await
        .execute(
            "INSERT INTO job_runs (job, scheduled_for, status) VALUES ('aggregate', '2026-11-21T02:00:00Z', 'running')",
            &[],
        )
        .await
        .unwrap();
    let job = Probe::new("aggregate", "0 0 2 * * *");
    let caught = catch_up(&pool, &[&job], at("2026-11-22T02:00:00Z"))
        .await
        .unwrap();
    assert!(matches!(caught[0].1, RunOutcome::Succeeded { .. }));
    let rows = job_runs(&db).await;
    assert_eq!(rows[0].2, "failed");
    assert!(rows[0].4.as_deref().unwrap().starts_with("abandoned"));
    assert_eq!(rows[1].2, "succeeded");
}

#[tokio::test]
async fn the_cron_shell_runs_jobs_on_their_schedule_until_shutdown() {
    let db = TestDb::migrated().await;
    let pool = pool(&db);
    let job = Arc::new(Probe::new("every-second", "* * * * * *"));
    let runs = job.runs.clone();
    let seen = runs.clone();
    let shutdown = async move {
        // Real time here: this checks the wiring to the cron engine, at most ~3 s.
        for _ in 0..60 {
            if seen.load(Ordering::SeqCst) >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    scheduler::run(
        pool,
        vec![job as Arc<dyn Job>],
        scheduler::ShellConfig::default(),
        shutdown,
    )
    .await
    .unwrap();
    assert!(
        runs.load(Ordering::SeqCst) >= 2,
        "the catch-up run and at least one tick"
    );
    let rows = job_runs(&db).await;
    assert!(
        rows.len() >= 2 && rows.iter().all(|r| r.2 == "succeeded" && r.1.is_some()),
        "{rows:?}"
    );
}

#[tokio::test]
async fn runs_are_counted_and_timed_and_the_job_gauges_read_job_runs() {
    let db = TestDb::migrated().await;
    let pool = pool(&db);
    // Names of their own: the metrics are process-wide and other tests run alongside.
    let mut flaky = Probe::new("metrics-flaky", "0 0 * * * *");
    flaky.failures = 1;
    let steady = Probe::new("metrics-steady", "0 0 * * * *");
    let args = serde_json::json!({});
    let (eleven, noon) = (at("2026-11-22T11:00:00Z"), at("2026-11-22T12:00:00Z"));
    let now = at("2026-11-22T12:00:00.010Z");
    let failed = run_job(&pool, &flaky, Some(noon), now, &args).await;
    assert!(
        matches!(failed, Ok(RunOutcome::Failed { .. })),
        "{failed:?}"
    );
    let done = run_job(&pool, &steady, Some(eleven), now, &args).await;
    assert!(matches!(done, Ok(RunOutcome::Succeeded { rows: 10, .. })));
    let again = run_job(&pool, &steady, Some(eleven), now, &args).await;
    assert!(matches!(again, Ok(RunOutcome::AlreadyDone)));

    scheduler::refresh(&pool, &[&flaky, &steady], now)
        .await
        .unwrap();
    let text = scheduler::metrics().encode(telemetry::Format::Prometheus);
    for line in [
        r#"tally_scheduler_job_runs_total{job_name="metrics-flaky",outcome="failed"} 1"#,
        r#"tally_scheduler_job_runs_total{job_name="metrics-steady",outcome="succeeded"} 1"#,
        r#"tally_scheduler_job_runs_total{job_name="metrics-steady",outcome="already_done"} 1"#,
        r#"tally_scheduler_job_run_duration_seconds_count{job_name="metrics-flaky"} 1"#,
        r#"tally_scheduler_job_run_duration_seconds_count{job_name="metrics-steady"} 1"#,
        r#"tally_scheduler_job_rows_sum{job_name="metrics-steady"} 10.0"#,
        r#"tally_scheduler_job_last_run_failed{job_name="metrics-flaky"} 1"#,
        r#"tally_scheduler_job_last_run_failed{job_name="metrics-steady"} 0"#,
        // flaky never succeeded: its latest slot is due; steady did 11:00, not noon.
        r#"tally_scheduler_job_slots_behind{job_name="metrics-flaky"} 1"#,
        r#"tally_scheduler_job_slots_behind{job_name="metrics-steady"} 1"#,
        r#"tally_scheduler_job_running{job_name="metrics-steady"} 0"#,
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in:\n{text}");
    }
    let finished: DateTime<Utc> = db
        .connect()
        .await
        .query_one(
            "SELECT finished_at FROM job_runs WHERE job = 'metrics-steady' AND status = 'succeeded'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let last_success = format!(
        r#"tally_scheduler_job_last_success_timestamp_seconds{{job_name="metrics-steady"}} {}"#,
        finished.timestamp()
    );
    assert!(text.lines().any(|l| l == last_success), "{text}");
    assert!(
        !text.contains(r#"last_success_timestamp_seconds{job_name="metrics-flaky"}"#),
        "a job that never succeeded has no last success:\n{text}"
    );
}
