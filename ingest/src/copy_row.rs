//! How an event becomes a row of binary COPY (or of a multi-row INSERT): the statement,
//! the column types and each row's values, in one place for the writer and for the
//! benchmark's baselines.

use schema::Event;
use serde_json::value::RawValue;
use tokio_postgres::types::{Json, ToSql, Type};

/// `COPY events (...) FROM STDIN (FORMAT binary)` with the columns of [`params`].
pub const COPY_EVENTS: &str = include_str!("writer/copy_events.sql");

/// The column list [`params`] fills, in order.
pub const COLUMNS: &str = "event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data";

/// The columns' types; `event_type` must come from the server (a Postgres enum).
pub fn types(event_type: Type) -> [Type; 8] {
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

/// The row's values for [`COLUMNS`]; `data` is `Json(&*event.event_data)`, kept by the
/// caller so the values can borrow it.
pub fn params<'a>(event: &'a Event, data: &'a Json<&'a RawValue>) -> [&'a (dyn ToSql + Sync); 8] {
    [
        &event.event_id,
        &event.organization_id,
        &event.campaign_id,
        &event.contact_id,
        &event.event_type,
        &event.occurred_at,
        &event.ip_address,
        data,
    ]
}
