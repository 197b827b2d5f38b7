//! An in-process Kafka: librdkafka's mock cluster, which speaks the real protocol to
//! real clients, for tests and `tally demo`.

use rdkafka::client::{Client, DefaultClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::types::RDKafkaType;

use super::SimulateError;

/// A running mock Kafka cluster on localhost ports; stopped when dropped.
///
/// The cluster belongs to a client created with `test.mock.num.brokers` rather than to
/// `rdkafka::mocking::MockCluster::new`: `MockCluster` exposes no raw pointer, and the
/// group initial rebalance delay (3 s before a consumer group's first join, by default)
/// can only be changed through the raw handle, which the owning client gives soundly.
/// Drop every client of the cluster before it.
pub struct EmbeddedKafka {
    /// Owns the mock cluster (librdkafka destroys it with this handle).
    client: Client<DefaultClientContext>,
    bootstrap: String,
}

impl EmbeddedKafka {
    /// Starts a mock cluster of `brokers` brokers, with no initial rebalance delay.
    pub fn start(brokers: i32) -> Result<Self, SimulateError> {
        if brokers < 1 {
            return Err(SimulateError::Embedded(format!(
                "a cluster needs at least one broker, {brokers} were asked for"
            )));
        }
        let mut config = ClientConfig::new();
        config.set("test.mock.num.brokers", brokers.to_string());
        let native = config.create_native_config().map_err(SimulateError::kafka(
            "configuring the embedded Kafka cluster",
        ))?;
        let client = Client::new(
            &config,
            native,
            RDKafkaType::RD_KAFKA_PRODUCER,
            DefaultClientContext,
        )
        .map_err(SimulateError::kafka("starting the embedded Kafka cluster"))?;
        let bootstrap = client
            .mock_cluster()
            .map(|cluster| cluster.bootstrap_servers())
            .ok_or_else(|| {
                SimulateError::Embedded("librdkafka did not create the mock cluster".into())
            })?;
        if !disable_initial_rebalance_delay(&client) {
            return Err(SimulateError::Embedded(
                "the mock cluster's handle disappeared while configuring it".into(),
            ));
        }
        Ok(EmbeddedKafka { client, bootstrap })
    }

    /// The `bootstrap.servers` value that reaches the cluster.
    pub fn bootstrap_servers(&self) -> String {
        self.bootstrap.clone()
    }

    /// Creates a topic (the mock has no CreateTopics handler, so admin clients cannot).
    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<(), SimulateError> {
        let cluster = self.client.mock_cluster().ok_or_else(|| {
            SimulateError::Embedded(format!("creating topic {name:?}: the cluster is gone"))
        })?;
        cluster
            .create_topic(name, partitions, 1)
            .map_err(SimulateError::kafka(format!(
                "creating topic {name:?} with {partitions} partitions on the embedded cluster"
            )))
    }

    /// Takes broker `id` down (ids run from 1 to the number of brokers): its connections
    /// close and it refuses new ones until [`EmbeddedKafka::broker_up`]. Unlike in a real
    /// cluster, leadership does not move: its partitions are unavailable until it is back.
    pub fn broker_down(&self, id: i32) -> Result<(), SimulateError> {
        self.set_broker(id, false)
    }

    /// Brings broker `id` back after [`EmbeddedKafka::broker_down`], on the same port and
    /// with the data it held.
    pub fn broker_up(&self, id: i32) -> Result<(), SimulateError> {
        self.set_broker(id, true)
    }

    fn set_broker(&self, id: i32, up: bool) -> Result<(), SimulateError> {
        let action = if up { "up" } else { "down" };
        let cluster = self.client.mock_cluster().ok_or_else(|| {
            SimulateError::Embedded(format!("taking broker {id} {action}: the cluster is gone"))
        })?;
        let result = if up {
            cluster.broker_up(id)
        } else {
            cluster.broker_down(id)
        };
        result.map_err(SimulateError::kafka(format!(
            "taking broker {id} of the embedded cluster {action} (broker ids start at 1)"
        )))
    }
}

/// Sets the mock cluster's group initial rebalance delay to 0 ms, so a consumer group's
/// first join is immediate. Returns false when the client has no mock cluster.
#[allow(unsafe_code)]
fn disable_initial_rebalance_delay(client: &Client<DefaultClientContext>) -> bool {
    // SAFETY: `client.native_ptr()` is the live `rd_kafka_t` that `client` owns for this
    // whole call. `rd_kafka_handle_mock_cluster` only reads that handle's mock-cluster
    // field and returns the cluster the handle owns (or null, checked below), which
    // stays valid until the handle is destroyed, i.e. after this call.
    // `rd_kafka_mock_group_initial_rebalance_delay_ms` stores an integer under the
    // cluster's own mutex, so it is safe against the cluster's threads.
    unsafe {
        let cluster = rdkafka_sys::rd_kafka_handle_mock_cluster(client.native_ptr());
        if cluster.is_null() {
            return false;
        }
        rdkafka_sys::rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
    }
    true
}
