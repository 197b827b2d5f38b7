use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio_postgres::types::{Json, ToSql, Type};
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

/// The columns of `events` an [`Event`] fills, in the order of [`Event::copy_types`]
/// and [`Event::copy_params`]; Postgres fills the rest (`received_at`).
pub const EVENT_COLUMNS: &str = "event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data";

/// Every column of `events`, in the table's order: [`EVENT_COLUMNS`] and `received_at`.
/// The archive exports and restores exactly these; a test holds them to the table.
pub const STORED_EVENT_COLUMNS: &str = "event_id, organization_id, campaign_id, contact_id, \
     event_type, occurred_at, ip_address, event_data, received_at";

impl Event {
    /// `COPY table (EVENT_COLUMNS) FROM STDIN (FORMAT binary)`, for `events` or a
    /// table made `LIKE events`.
    pub fn copy_in(table: &str) -> String {
        format!("COPY {table} ({EVENT_COLUMNS}) FROM STDIN (FORMAT binary)")
    }

    /// The binary COPY types of [`EVENT_COLUMNS`]; `event_type` must come from the
    /// server (a Postgres enum has no fixed oid).
    pub fn copy_types(event_type: Type) -> [Type; 8] {
        [
            Type::UUID,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            event_type,
            Type::TIMESTAMPTZ,
            Type::INET,
            Type::JSONB,
        ]
    }

    /// The event's values for [`EVENT_COLUMNS`], for a binary COPY or a multi-row
    /// INSERT; `data` is `Json(&*self.event_data)`, kept by the caller so that the
    /// values can borrow it.
    pub fn copy_params<'a>(&'a self, data: &'a Json<&'a RawValue>) -> [&'a (dyn ToSql + Sync); 8] {
        [
            &self.event_id,
            &self.organization_id,
            &self.campaign_id,
            &self.contact_id,
            &self.event_type,
            &self.occurred_at,
            &self.ip_address,
            data,
        ]
    }

    /// The UTC day the event belongs to, which names its partition.
    pub fn day(&self) -> chrono::NaiveDate {
        crate::utc_day(self.occurred_at)
    }
}
