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
}

/// Longest an event waits for the broker's acknowledgement, below the request
/// timeout so a slow broker is reported rather than cut off.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

impl Events {
    /// A producer to `config`, or one that drops events when `config` is `None`.
    pub(crate) fn new(config: Option<&EventsConfig>) -> Result<Events, EventsError> {
        let Some(config) = config else {
            return Ok(Events { producer: None });
        };
        let producer = ClientConfig::new()
            .set("bootstrap.servers", &config.brokers)
            .set("enable.idempotence", "true")
            .set("linger.ms", "5")
            .set(
                "message.timeout.ms",
                DELIVERY_TIMEOUT.as_millis().to_string(),
            )
            .create()
            .map_err(|source| EventsError::Create {
                brokers: config.brokers.clone(),
                source,
            })?;
        Ok(Events {
            producer: Some((producer, config.topic.clone())),
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
            .send(record, DELIVERY_TIMEOUT)
            .await
            .map(|_| ())
            .map_err(|(source, _)| EventsError::Produce {
                event_id: event.event_id,
                topic: topic.clone(),
                source,
            })
    }
}

/// The id of the event a stored row stands for (`kind`, organization, row id): the same
/// row always gives the same id, so the event is stored once however often it is sent.
pub(crate) fn derived_id(kind: &str, organization: i64, row: i64) -> Uuid {
    let digest = Sha256::digest(format!("tally:{kind}:{organization}:{row}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
