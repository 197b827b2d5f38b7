//! Every scheduler metric, declared in one place with its name, help and unit; served on
//! `/metrics` by `tally schedule`. Labels have low cardinality: the job's name (a handful
//! of jobs) and a run's outcome. The label is `job_name`, not `job`, which Prometheus
//! gives every series as the scrape job's name.
//!
//! Counters and histograms count this process's runs. The `job_*` gauges describe the
//! job across every replica, from job_runs, refreshed by the shell
//! ([`refresh`](crate::refresh)); the GDPR gauge is set by whoever can count the
//! requests (tally's scheduler command, with the gdpr crate's definition of overdue).

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::RunOutcome;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabel {
    job_name: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    job_name: String,
    outcome: &'static str,
}

type HistogramFamily = Family<JobLabel, Histogram, fn() -> Histogram>;

/// The scheduler's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    runs: Family<RunLabels, Counter>,
    duration: HistogramFamily,
    rows: HistogramFamily,
    last_success: Family<JobLabel, Gauge>,
    last_failed: Family<JobLabel, Gauge>,
    slots_behind: Family<JobLabel, Gauge>,
    running: Family<JobLabel, Gauge>,
    archive_verification_failures: Counter,
    gdpr_overdue: Gauge,
}

/// The process-wide metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// What a run request came to, as the `outcome` label says it.
fn outcome_label(outcome: &RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Succeeded { .. } => "succeeded",
        RunOutcome::Failed { .. } => "failed",
        RunOutcome::Busy => "busy",
        RunOutcome::AlreadyDone => "already_done",
    }
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tally_scheduler");
        let runs = Family::<RunLabels, Counter>::default();
        registry.register(
            "job_runs",
            "Requests to run a job by this process, by job and outcome (succeeded, failed; busy: running elsewhere; already_done: the slot had succeeded)",
            runs.clone(),
        );
        // 10 ms to ~46 h: premake takes milliseconds, an archive can take hours.
        let duration: HistogramFamily =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.01, 4.0, 12)));
        registry.register_with_unit(
            "job_run_duration",
            "Time a run of a job took, succeeded or failed, by job",
            Unit::Seconds,
            duration.clone(),
        );
        // 1 to 10^9 rows.
        let rows: HistogramFamily =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(1.0, 10.0, 10)));
        registry.register(
            "job_rows",
            "Rows a successful run affected (job_runs.rows_affected), by job",
            rows.clone(),
        );
        let last_success = Family::<JobLabel, Gauge>::default();
        registry.register_with_unit(
            "job_last_success_timestamp",
            "When the latest successful run of a job finished, on any replica, in Unix time (absent: never)",
            Unit::Seconds,
            last_success.clone(),
        );
        let last_failed = Family::<JobLabel, Gauge>::default();
        registry.register(
            "job_last_run_failed",
            "1 when the latest finished run of a job, on any replica, failed; 0 otherwise",
            last_failed.clone(),
        );
        let slots_behind = Family::<JobLabel, Gauge>::default();
        registry.register(
            "job_slots_behind",
            "Schedule slots of a job due since the latest slot a run succeeded for (0: the latest slot is done; counted up to 1000)",
            slots_behind.clone(),
        );
        let running = Family::<JobLabel, Gauge>::default();
        registry.register(
            "job_running",
            "Runs of a job in progress on any replica (job_runs rows still running)",
            running.clone(),
        );
        let archive_verification_failures = Counter::default();
        registry.register(
            "archive_verification_failures",
            "Archived objects that did not match what they must hold when read back (missing, damaged or replaced), by this process's archive and GDPR runs",
            archive_verification_failures.clone(),
        );
        let gdpr_overdue = Gauge::default();
        registry.register(
            "gdpr_requests_overdue",
            "GDPR requests not completed 30 days after they were filed",
            gdpr_overdue.clone(),
        );
        Metrics {
            registry,
            runs,
            duration,
            rows,
            last_success,
            last_failed,
            slots_behind,
            running,
            archive_verification_failures,
            gdpr_overdue,
        }
    }

    /// The metrics as text in `format`.
    pub fn encode(&self, format: telemetry::Format) -> String {
        telemetry::encode(&self.registry, format)
    }

    /// Makes a job's per-run series exist at zero, so that rates and increases over them
    /// start at its first run rather than at its second.
    pub(crate) fn declare_job(&self, job: &str) {
        for outcome in ["succeeded", "failed"] {
            self.runs
                .get_or_create(&RunLabels {
                    job_name: job.to_owned(),
                    outcome,
                })
                .inc_by(0);
        }
        let label = JobLabel {
            job_name: job.to_owned(),
        };
        // Creating the series is the point; the guards are released at once.
        drop(self.duration.get_or_create(&label));
        drop(self.rows.get_or_create(&label));
    }

    /// Counts a request to run `job` and, for a run that happened, its duration and rows.
    pub(crate) fn run(&self, job: &str, outcome: &RunOutcome, seconds: Option<f64>) {
        self.runs
            .get_or_create(&RunLabels {
                job_name: job.to_owned(),
                outcome: outcome_label(outcome),
            })
            .inc();
        let label = JobLabel {
            job_name: job.to_owned(),
        };
        if let Some(seconds) = seconds {
            self.duration.get_or_create(&label).observe(seconds);
        }
        if let RunOutcome::Succeeded { rows, .. } = outcome {
            self.rows.get_or_create(&label).observe(*rows as f64);
        }
    }

    /// Sets a job's gauges from job_runs.
    pub(crate) fn job_state(&self, job: &str, state: &crate::state::JobState) {
        let label = JobLabel {
            job_name: job.to_owned(),
        };
        if let Some(at) = state.last_success_at {
            self.last_success.get_or_create(&label).set(at.timestamp());
        }
        self.last_failed
            .get_or_create(&label)
            .set(i64::from(state.last_run_failed));
        self.slots_behind
            .get_or_create(&label)
            .set(i64::from(state.slots_behind));
        self.running.get_or_create(&label).set(state.running);
    }

    /// Counts archived objects found not to match what they must hold.
    pub fn archive_verification_failed(&self, objects: u64) {
        self.archive_verification_failures.inc_by(objects);
    }

    /// Sets the number of GDPR requests past their deadline.
    pub fn gdpr_requests_overdue(&self, requests: usize) {
        self.gdpr_overdue
            .set(i64::try_from(requests).unwrap_or(i64::MAX));
    }
}
