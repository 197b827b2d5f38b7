//! Campaign events the API produces (FORM_VIEW and FORM_SUBMIT of landing pages) to the
//! events topic, where the Kafka ingest stores them exactly once like any producer's:
//! the ingest stays the only writer of `events`. An idempotent producer keeps the
//! broker from storing its own retries twice; a FORM_SUBMIT's id is derived from its
//! form response, so even a resend after a lost acknowledgement is one event
//! downstream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::{ClientConfig, ClientContext};
use schema::Event;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// Where events go: the brokers and topic, or nowhere when none are configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsConfig {
    /// Kafka bootstrap servers.
    pub brokers: String,
    /// The events topic (the one the ingest reads).
    pub topic: String,
    /// Longest an event waits for the broker's acknowledgement before it is reported
    /// as not produced (librdkafka's `message.timeout.ms`).
    pub delivery_timeout: Duration,
}

impl EventsConfig {
    /// `brokers` and `topic`, with a delivery timeout of 10 s: below the request
    /// timeout, so a slow broker is answered rather than cut off.
    pub fn new(brokers: impl Into<String>, topic: impl Into<String>) -> EventsConfig {
        EventsConfig {
            brokers: brokers.into(),
            topic: topic.into(),
            delivery_timeout: Duration::from_secs(10),
        }
    }
}

/// Why an event was not produced.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The producer could not be made from the configuration.
    #[error("creating a Kafka producer for brokers {brokers:?}: {source}")]
    Create {
        /// The configured brokers.
        brokers: String,
        /// librdkafka's reason.
        source: KafkaError,
    },
    /// The broker did not acknowledge the event.
    #[error("producing event {event_id} to topic {topic:?}: {source}")]
    Produce {
        /// The event.
        event_id: Uuid,
        /// The topic.
        topic: String,
        /// librdkafka's reason.
        source: KafkaError,
    },
    /// A record of a batch was not acknowledged.
    #[error("producing to topic {topic:?}: {source}")]
    Batch {
        /// The topic.
        topic: String,
        /// librdkafka's reason.
        source: KafkaError,
    },
    /// The event did not serialize (never for a well-formed [`Event`]).
    #[error("serializing event {event_id}: {source}")]
    Serialize {
        /// The event.
        event_id: Uuid,
        /// serde_json's reason.
        source: serde_json::Error,
    },
}

/// The API's producer of events; without brokers it drops them.
#[derive(Clone)]
pub(crate) struct Events {
    producer: Option<(Arc<ThreadedProducer<Acks>>, String)>,
    timeout: Duration,
}

/// The acknowledgements one batch waits for: counted by the producer's delivery
/// callback, which wakes the batch once, when the last one arrives (one wake-up per
/// request, not one future per record).
#[derive(Default)]
pub(crate) struct Pending {
    remaining: AtomicUsize,
    acknowledged: AtomicUsize,
    error: Mutex<Option<KafkaError>>,
    done: tokio::sync::Notify,
}

impl Pending {
    /// One record is settled: acknowledged, or failed with `error`.
    fn settle(&self, error: Option<&KafkaError>) {
        match error {
            None => {
                self.acknowledged.fetch_add(1, Ordering::Relaxed);
            }
            Some(e) => {
                let mut first = self.error.lock().unwrap_or_else(|p| p.into_inner());
                first.get_or_insert_with(|| e.clone());
            }
        }
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.done.notify_one();
        }
    }
}

/// The producer's context: settles each record's batch from librdkafka's delivery
/// report, on the producer's polling thread.
pub(crate) struct Acks;

impl ClientContext for Acks {}

impl ProducerContext for Acks {
    type DeliveryOpaque = Arc<Pending>;

    fn delivery(&self, result: &DeliveryResult<'_>, pending: Arc<Pending>) {
        pending.settle(result.as_ref().err().map(|(e, _)| e));
    }
}

impl Events {
    /// A producer to `config`, or one that drops events when `config` is `None`.
    pub(crate) fn new(config: Option<&EventsConfig>) -> Result<Events, EventsError> {
        let Some(config) = config else {
            return Ok(Events {
                producer: None,
                timeout: Duration::ZERO,
            });
        };
        let producer: ThreadedProducer<Acks> = ClientConfig::new()
            .set("bootstrap.servers", &config.brokers)
            .set("enable.idempotence", "true")
            .set("linger.ms", "1")
            .set(
                "message.timeout.ms",
                config.delivery_timeout.as_millis().max(1).to_string(),
            )
            .create_with_context(Acks)
            .map_err(|source| EventsError::Create {
                brokers: config.brokers.clone(),
                source,
            })?;
        Ok(Events {
            producer: Some((Arc::new(producer), config.topic.clone())),
            timeout: config.delivery_timeout,
        })
    }

    /// Whether events go anywhere.
    pub(crate) fn enabled(&self) -> bool {
        self.producer.is_some()
    }

    /// Produces `event`, keyed by its contact like every producer's, and returns once
    /// the broker acknowledged it.
    pub(crate) async fn send(&self, event: &Event) -> Result<(), EventsError> {
        let Some((_, topic)) = &self.producer else {
            return Ok(());
        };
        let payload = serde_json::to_vec(event).map_err(|source| EventsError::Serialize {
            event_id: event.event_id,
            source,
        })?;
        let key = event.contact_id.0.to_string();
        match self.send_all(&[(key, &payload[..])]).await.error {
            None => Ok(()),
            Some(EventsError::Batch { source, .. }) => Err(EventsError::Produce {
                event_id: event.event_id,
                topic: topic.clone(),
                source,
            }),
            Some(other) => Err(other),
        }
    }

    /// Produces `records` (key, value), all enqueued before any acknowledgement is
    /// awaited, and counts the acknowledged ones.
    pub(crate) async fn send_all(&self, records: &[(String, &[u8])]) -> Produced {
        let Some((producer, topic)) = &self.producer else {
            return Produced {
                acknowledged: 0,
                error: None,
            };
        };
        if records.is_empty() {
            return Produced {
                acknowledged: 0,
                error: None,
            };
        }
        let pending = Arc::new(Pending {
            remaining: AtomicUsize::new(records.len()),
            ..Pending::default()
        });
        // librdkafka times out every enqueued record itself (message.timeout.ms), so
        // each one is settled; a record refused before it is enqueued is settled here.
        let enqueue_by = tokio::time::Instant::now() + self.timeout;
        for (key, payload) in records {
            let mut record = BaseRecord::with_opaque_to(topic, pending.clone())
                .key(key)
                .payload(*payload);
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                        if tokio::time::Instant::now() < enqueue_by =>
                    {
                        // The local queue is full: wait for the broker to take some.
                        record = back;
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    Err((source, _)) => {
                        pending.settle(Some(&source));
                        break;
                    }
                }
            }
        }
        pending.done.notified().await;
        let error = pending
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .map(|source| EventsError::Batch {
                topic: topic.clone(),
                source,
            });
        Produced {
            acknowledged: pending.acknowledged.load(Ordering::Relaxed),
            error,
        }
    }
}

/// What became of a batch of records sent with [`Events::send_all`].
#[derive(Debug)]
pub(crate) struct Produced {
    /// Records the broker acknowledged.
    pub acknowledged: usize,
    /// The first failure, when a record was not acknowledged.
    pub error: Option<EventsError>,
}

/// The id of the event a stored row stands for (`kind`, organization, row id): the same
/// row always gives the same id, so the event is stored once however often it is sent.
pub(crate) fn derived_id(kind: &str, organization: i64, row: i64) -> Uuid {
    let digest = Sha256::digest(format!("tally:{kind}:{organization}:{row}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
