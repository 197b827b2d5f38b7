//! Every ingest metric, declared in one place with its name, help and unit; served on
//! `/metrics` in the Prometheus or OpenMetrics text format. Labels have low cardinality:
//! reason codes, batch outcomes and Kafka partition numbers.

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::writer::Outcome;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

/// How a committed batch's repeats of stored events were found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Repeats {
    /// Rows dropped before the COPY, their events remembered as stored.
    pub remembered: usize,
    /// Rows sent through the staging table.
    pub staged: usize,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartitionLabel {
    partition: i32,
}

/// The ingest's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    consumed: Counter,
    skipped: Counter,
    stored: Counter,
    duplicates: Counter,
    remembered: Counter,
    staged: Counter,
    unknown_fields: Counter,
    dead_letters: Family<ReasonLabel, Counter>,
    batches: Family<OutcomeLabel, Counter>,
    batch_records: Histogram,
    copy_seconds: Histogram,
    lag: Family<PartitionLabel, Gauge>,
}

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tally_ingest");
        let m = Metrics {
            consumed: Counter::default(),
            skipped: Counter::default(),
            stored: Counter::default(),
            duplicates: Counter::default(),
            remembered: Counter::default(),
            staged: Counter::default(),
            unknown_fields: Counter::default(),
            dead_letters: Family::default(),
            batches: Family::default(),
            batch_records: Histogram::new(exponential_buckets(16.0, 2.0, 12)),
            copy_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            lag: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "records_consumed",
            "Kafka records handed to the writers",
            m.consumed.clone(),
        );
        registry.register(
            "events_stored",
            "Events stored in Postgres",
            m.stored.clone(),
        );
        registry.register(
            "duplicates_dropped",
            "Records dropped because their event_id was already stored or already in the batch",
            m.duplicates.clone(),
        );
        registry.register(
            "unknown_fields",
            "Unknown top-level fields ignored in valid records",
            m.unknown_fields.clone(),
        );
        registry.register(
            "dead_letters",
            "Records written to dead_letters, by reason",
            m.dead_letters.clone(),
        );
        registry.register(
            "batches",
            "Batch transactions by outcome (committed, fenced, retried)",
            m.batches.clone(),
        );
        registry.register(
            "batch_records",
            "Records per committed batch",
            m.batch_records.clone(),
        );
        registry.register_with_unit(
            "copy",
            "Time to COPY a batch's events into Postgres",
            Unit::Seconds,
            m.copy_seconds.clone(),
        );
        registry.register(
            "offsets_skipped",
            "Kafka offsets found missing (expired by retention before ingest, or compacted) and skipped",
            m.skipped.clone(),
        );
        registry.register(
            "repeats_remembered",
            "Repeats dropped before the COPY: events this process stored lately",
            m.remembered.clone(),
        );
        registry.register(
            "rows_staged",
            "Rows sent through the staging table because their COPY met an event stored earlier",
            m.staged.clone(),
        );
        registry.register(
            "consumer_lag",
            "Records in Kafka not yet consumed, per partition (librdkafka statistics)",
            m.lag.clone(),
        );
        Metrics { registry, ..m }
    }

    /// The metrics as text in `format`.
    pub fn encode(&self, format: telemetry::Format) -> String {
        telemetry::encode(&self.registry, format)
    }

    pub(crate) fn consumed(&self, n: u64) {
        self.consumed.inc_by(n);
    }

    pub(crate) fn skipped(&self, n: u64) {
        self.skipped.inc_by(n);
    }

    pub(crate) fn unknown_fields(&self, n: u64) {
        self.unknown_fields.inc_by(n);
    }

    pub(crate) fn batch_committed(
        &self,
        outcome: &Outcome,
        records: usize,
        copy_seconds: f64,
        repeats: Repeats,
    ) {
        self.stored.inc_by(outcome.stored);
        self.duplicates.inc_by(outcome.duplicates);
        self.remembered.inc_by(repeats.remembered as u64);
        self.staged.inc_by(repeats.staged as u64);
        for (reason, n) in &outcome.dead {
            self.dead_letters
                .get_or_create(&ReasonLabel {
                    reason: reason.as_str().to_owned(),
                })
                .inc_by(*n);
        }
        self.batch("committed");
        self.batch_records.observe(records as f64);
        self.copy_seconds.observe(copy_seconds);
    }

    pub(crate) fn batch(&self, outcome: &'static str) {
        self.batches.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub(crate) fn lag(&self, partition: i32, lag: i64) {
        self.lag
            .get_or_create(&PartitionLabel { partition })
            .set(lag);
    }

    /// Drops `partition`'s lag when it is revoked: another replica reports it now, and
    /// a stale figure here would read as a stalled consumer.
    pub(crate) fn forget_lag(&self, partition: i32) {
        self.lag.remove(&PartitionLabel { partition });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_partition_stops_reporting_its_lag() {
        let metrics = Metrics::new();
        metrics.lag(3, 120);
        metrics.lag(4, 7);
        let text = metrics.encode(telemetry::Format::Prometheus);
        assert!(text.contains("partition=\"3\"} 120"), "{text}");
        metrics.forget_lag(3);
        let text = metrics.encode(telemetry::Format::Prometheus);
        assert!(!text.contains("partition=\"3\""), "{text}");
        assert!(text.contains("partition=\"4\"} 7"), "{text}");
    }
}
