//! The one error type of the simulator.

/// What can go wrong while planning, seeding, generating or producing simulated traffic.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The plan's settings are inconsistent; the message names the field.
    #[error("invalid simulation plan: {0}")]
    InvalidPlan(String),
    /// No live (not soft-deleted) `email_send_simulations` row has this key.
    #[error(
        "email_send_simulations has no live row with organization_id {organization_id} and id \
         {simulation_id}: check both ids (soft-deleted rows are ignored)"
    )]
    SimulationNotFound {
        /// The organization that was asked for.
        organization_id: i64,
        /// The simulation that was asked for.
        simulation_id: i64,
    },
    /// A statement failed; `what` says which step.
    #[error("{what}: {}", schema::describe_pg_error(.source))]
    Postgres {
        /// The step that failed.
        what: String,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// Creating or talking to a Kafka client failed.
    #[error("{what}: {source}")]
    Kafka {
        /// The step that failed, with the topic or brokers involved.
        what: String,
        /// rdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// Records were not delivered to the topic.
    #[error(
        "producing to topic {topic:?}: {failed} record(s) were not delivered (first error: \
         {first_error}); check that the topic exists and the brokers are reachable"
    )]
    Delivery {
        /// The topic produced to.
        topic: String,
        /// How many records failed.
        failed: u64,
        /// The first delivery error seen.
        first_error: String,
    },
    /// The mock cluster could not be started or configured.
    #[error("embedded Kafka: {0}")]
    Embedded(String),
    /// A blocking task panicked or was cancelled.
    #[error("{what}: the background task failed: {source}")]
    Task {
        /// The step that ran in the task.
        what: String,
        /// The runtime's error.
        #[source]
        source: tokio::task::JoinError,
    },
}

impl SimulateError {
    /// Wraps a Postgres error with the step that failed.
    pub(crate) fn pg(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> Self {
        let what = what.into();
        move |source| SimulateError::Postgres { what, source }
    }

    /// Wraps a Kafka error with the step that failed.
    pub(crate) fn kafka(
        what: impl Into<String>,
    ) -> impl FnOnce(rdkafka::error::KafkaError) -> Self {
        let what = what.into();
        move |source| SimulateError::Kafka { what, source }
    }
}
