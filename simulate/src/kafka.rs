//! A fast producer for simulated records: one `BaseProducer` polled from a blocking
//! thread, with backpressure when librdkafka's queue is full.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};

use super::{Record, SimulateError};

/// How often (in records sent) the producer polls for delivery reports and reports
/// progress.
const POLL_EVERY: u64 = 4096;
/// How long the final flush may take before it is an error.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(120);

/// Counts delivery reports; librdkafka calls it from `poll`, on the producing thread.
#[derive(Default)]
struct Deliveries {
    delivered: AtomicU64,
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => {
                self.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Err((error, _)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = self.first_error.lock() {
                    first.get_or_insert_with(|| error.to_string());
                }
            }
        }
    }
}

impl Deliveries {
    fn check(&self, topic: &str) -> Result<u64, SimulateError> {
        let failed = self.failed.load(Ordering::Relaxed);
        if failed > 0 {
            let first_error = self
                .first_error
                .lock()
                .ok()
                .and_then(|e| e.clone())
                .unwrap_or_default();
            return Err(SimulateError::Delivery {
                topic: topic.to_owned(),
                failed,
                first_error,
            });
        }
        Ok(self.delivered.load(Ordering::Relaxed))
    }
}

/// Produces every record (key and payload) to `topic` and returns how many were
/// delivered; any delivery error is an error naming the topic. `progress` is called
/// with the number delivered so far, every few thousand records and at the end.
/// Runs on a blocking thread (the producer is polled synchronously).
pub async fn produce(
    brokers: &str,
    topic: &str,
    records: impl Iterator<Item = Record> + Send + 'static,
    progress: impl FnMut(u64) + Send + 'static,
) -> Result<u64, SimulateError> {
    produce_compressed(brokers, topic, "none", records, progress).await
}

/// [`produce`] with the producer's `compression.type` (`none`, `gzip`, `snappy`, `lz4`;
/// `zstd` needs librdkafka built with it): compressed batches take less of a broker's
/// retention, and the consumer decompresses them.
pub async fn produce_compressed(
    brokers: &str,
    topic: &str,
    compression: &str,
    records: impl Iterator<Item = Record> + Send + 'static,
    progress: impl FnMut(u64) + Send + 'static,
) -> Result<u64, SimulateError> {
    let brokers = brokers.to_owned();
    let topic = topic.to_owned();
    let compression = compression.to_owned();
    let what = format!("producing to topic {topic:?}");
    tokio::task::spawn_blocking(move || {
        produce_blocking(&brokers, &topic, &compression, records, progress)
    })
    .await
    .map_err(|source| SimulateError::Task { what, source })?
}

fn produce_blocking(
    brokers: &str,
    topic: &str,
    compression: &str,
    records: impl Iterator<Item = Record>,
    mut progress: impl FnMut(u64),
) -> Result<u64, SimulateError> {
    let producer: BaseProducer<Deliveries> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "500000")
        .set("queue.buffering.max.kbytes", "524288")
        .set("batch.num.messages", "100000")
        .set("batch.size", "4000000")
        .set("compression.type", compression)
        // No duplicates from internal retries: the simulation's counts must be exact.
        .set("enable.idempotence", "true")
        .create_with_context(Deliveries::default())
        .map_err(SimulateError::kafka(format!(
            "creating a producer for brokers {brokers:?} with compression.type {compression:?}"
        )))?;
    let mut sent = 0u64;
    for record in records {
        loop {
            let base = BaseRecord::to(topic)
                .key(record.key.as_slice())
                .payload(record.payload.as_slice());
            match producer.send(base) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    // Backpressure: let the queue drain, then retry this record.
                    producer.poll(Duration::from_millis(5));
                }
                Err((error, _)) => {
                    return Err(SimulateError::Kafka {
                        what: format!("enqueueing record {sent} for topic {topic:?}"),
                        source: error,
                    });
                }
            }
        }
        sent += 1;
        if sent.is_multiple_of(POLL_EVERY) {
            producer.poll(Duration::ZERO);
            progress(producer.context().check(topic)?);
        }
    }
    producer
        .flush(FLUSH_TIMEOUT)
        .map_err(SimulateError::kafka(format!(
            "flushing {sent} records to topic {topic:?} (brokers {brokers:?})"
        )))?;
    let delivered = producer.context().check(topic)?;
    progress(delivered);
    if delivered != sent {
        return Err(SimulateError::Delivery {
            topic: topic.to_owned(),
            failed: sent - delivered,
            first_error: "no delivery report after the flush".into(),
        });
    }
    tracing::debug!(topic, delivered, "simulated records produced");
    Ok(delivered)
}
