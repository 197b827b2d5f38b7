//! Deterministic campaign traffic: a plan (tenants, campaigns, contacts, window, funnel
//! and error rates), the rows it needs in Postgres, and a lazy stream of Kafka records
//! each labelled with what the ingest must do with it (store, drop as duplicate, or
//! dead-letter with a reason), written to NDJSON or produced to Kafka, plus an embedded
//! mock Kafka cluster for tests and demos.
//!
//! # Layout
//!
//! - `plan`: what to simulate; `clock`, `funnel`: when events happen and how contacts
//!   move down a campaign's funnel; `payload`: the records' JSON.
//! - `generator`: the labelled stream of records; `verify`: checks a database against
//!   the labels.
//! - `seed`: the rows the plan needs; `kafka`, `throttle`, `output`: producing to Kafka
//!   (throttled to what is committed) or writing NDJSON.
//! - `embedded`: the in-process Kafka ([`EmbeddedKafka`]); `error`: [`SimulateError`].
//! - `platform`: a realistic platform (organizations, users, contacts, campaigns, leads,
//!   ... in every state) through the CRUD domains' queries ([`seed_platform`]).

mod clock;
mod embedded;
mod error;
mod funnel;
mod generator;
mod kafka;
mod output;
mod payload;
mod plan;
mod platform;
mod seed;
mod throttle;
mod verify;

pub use embedded::EmbeddedKafka;
pub use error::SimulateError;
pub use generator::{
    DEAD_LETTER_REASONS, Expect, Generator, OVERSIZED_EVENT_DATA_BYTES, Record, generate,
};
pub use kafka::{produce, produce_compressed};
pub use output::write_ndjson;
pub use plan::{
    CAMPAIGN_STRIDE, CONTACT_STRIDE, FunnelRates, MAX_ORGANIZATION_ID, SimulationPlan,
    UNKNOWN_CAMPAIGN_BASE, expected_events, plan_from_simulation,
};
pub use platform::{MIN_PLATFORM_CONTACTS, PlatformPlan, PlatformSummary, seed_platform};
pub use seed::{SeedSummary, seed_database};
pub use throttle::{Throttled, throttled};
pub use verify::verify_ingested;
