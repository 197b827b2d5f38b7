//! Campaign events the API produces (FORM_VIEW and FORM_SUBMIT of landing pages) to the
//! events topic, where the Kafka ingest stores them exactly once like any producer's:
//! the ingest stays the only writer of `events`. An idempotent producer keeps the
//! broker from storing its own retries twice; a FORM_SUBMIT's id is derived from its
//! form response, so even a resend after a lost acknowledgement is one event
//! downstream.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
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
        source: rdkafka::error::KafkaError,
    },
    /// The broker did not acknowledge the event.
    #[error("producing event {event_id} to topic {topic:?}: {source}")]
    Produce {
        /// The event.
        event_id: Uuid,
        /// The topic.
        topic: String,
        /// librdkafka's reason.
        source: rdkafka::error::KafkaError,
    },
    /// A record of a batch was not acknowledged.
    #[error("producing to topic {topic:?}: {source}")]
    Batch {
        /// The topic.
        topic: String,
        /// librdkafka's reason.
        source: rdkafka::error::KafkaError,
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
    producer: Option<(FutureProducer, String)>,
    timeout: Duration,
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
        let producer = ClientConfig::new()
            .set("bootstrap.servers", &config.brokers)
            .set("enable.idempotence", "true")
            .set("linger.ms", "5")
            .set(
                "message.timeout.ms",
                config.delivery_timeout.as_millis().max(1).to_string(),
            )
            .create()
            .map_err(|source| EventsError::Create {
                brokers: config.brokers.clone(),
                source,
            })?;
        Ok(Events {
            producer: Some((producer, config.topic.clone())),
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
        let Some((producer, topic)) = &self.producer else {
            return Ok(());
        };
        let payload = serde_json::to_vec(event).map_err(|source| EventsError::Serialize {
            event_id: event.event_id,
            source,
        })?;
        let key = event.contact_id.0.to_string();
        let record = FutureRecord::to(topic).key(&key).payload(&payload);
        producer
            .send(record, self.timeout)
            .await
            .map(|_| ())
            .map_err(|(source, _)| EventsError::Produce {
                event_id: event.event_id,
                topic: topic.clone(),
                source,
            })
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
        let deliveries = records.iter().map(|(key, payload)| {
            producer.send(
                FutureRecord::to(topic).key(key).payload(*payload),
                self.timeout,
            )
        });
        let outcomes = futures::future::join_all(deliveries).await;
        let mut produced = Produced {
            acknowledged: 0,
            error: None,
        };
        for outcome in outcomes {
            match outcome {
                Ok(_) => produced.acknowledged += 1,
                Err((source, _)) => {
                    produced.error.get_or_insert(EventsError::Batch {
                        topic: topic.clone(),
                        source,
                    });
                }
            }
        }
        produced
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
