use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::{CampaignId, ContactId, EventType, OrganizationId};

/// One campaign event, as producers send it (the Kafka record value, JSON) and as it is
/// stored in `events`. `docs/events.md` documents every field and its limits.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The producer's idempotency key; a repeat of a stored id is dropped.
    pub event_id: Uuid,
    /// The tenant.
    pub organization_id: OrganizationId,
    /// The campaign, which must belong to the organization.
    pub campaign_id: CampaignId,
    /// The contact the event is about.
    pub contact_id: ContactId,
    /// What happened.
    pub event_type: EventType,
    /// When it happened (UTC); it picks the day partition.
    pub occurred_at: DateTime<Utc>,
    /// The client's address, when the event has one (opens, clicks, forms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<IpAddr>,
    /// Free-form JSON object, kept verbatim as the producer sent it.
    pub event_data: Box<RawValue>,
}

impl Event {
    /// The UTC day the event belongs to, which names its partition.
    pub fn day(&self) -> chrono::NaiveDate {
        self.occurred_at.date_naive()
    }
}
