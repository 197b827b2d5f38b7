//! `/v1/dead-letters`: the records of the organization's that the ingest refused, with
//! why, read only. They need `campaign.read` ("see campaigns and their results"): a
//! dead letter is a campaign event that did not reach the results, so whoever reads
//! the results may see what is missing from them; no other permission names events.
//! Operators replay them (`tally dead-letters replay`); a replayed letter says what
//! became of it.

use std::borrow::Cow;

use axum::Json;
use chrono::{DateTime, Utc};
use schema::DeadLetterReason;
use schema::domains::dead_letters as q;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, need};
use crate::docs::{Denied, Malformed, Missing};
use crate::error::ApiError;
use crate::extract::{Params, Path};
use crate::page::{Page, PageRequest};
use crate::state::AppState;

const ENTITY: &str = "dead letter";

/// Most payload bytes a letter shows: the ingest's default payload limit, so a letter
/// refused for anything but its size shows whole.
const MAX_PAYLOAD_SHOWN: i32 = 64 * 1024;

/// A record the ingest refused. Lists leave the payload out (only its size); one
/// letter's GET has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeadLetter {
    /// Its id.
    pub id: i64,
    /// The Kafka topic it was read from.
    pub topic: String,
    /// Its Kafka partition.
    pub partition: i32,
    /// Its offset in the partition (with the partition, what a producer's delivery
    /// report names).
    pub offset: i64,
    /// Why it was refused: by the ingest, or by the last replay that found it failing.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
    /// What was wrong: the field and the bad value.
    pub detail: Option<String>,
    /// When the ingest refused it.
    pub received_at: DateTime<Utc>,
    /// The record's size in bytes.
    pub payload_bytes: i32,
    /// The record as text (invalid UTF-8 shown as U+FFFD), at most its first 64 KiB;
    /// only in `GET /v1/dead-letters/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Whether `payload` is only the record's beginning; with `payload` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_truncated: Option<bool>,
    /// Replays that decoded it again.
    pub replay_attempts: i32,
    /// The last of them.
    pub last_replay_at: Option<DateTime<Utc>>,
    /// When a replay stored its event or found it stored; null while it fails.
    pub replayed_at: Option<DateTime<Utc>>,
    /// What that replay did.
    #[schema(schema_with = outcome_schema)]
    pub replay_outcome: Option<String>,
    /// The event (its `event_id`) the record turned out to be, once replayed.
    pub replayed_event_id: Option<String>,
}

impl From<q::DeadLetter> for DeadLetter {
    fn from(row: q::DeadLetter) -> Self {
        DeadLetter {
            id: row.id,
            topic: row.topic,
            partition: row.kafka_partition,
            offset: row.kafka_offset,
            reason: row.reason,
            detail: row.detail,
            received_at: row.received_at,
            payload_bytes: row.payload_bytes,
            payload: None,
            payload_truncated: None,
            replay_attempts: row.replay_attempts,
            last_replay_at: row.last_replay_at,
            replayed_at: row.replayed_at,
            replay_outcome: row.replay_outcome,
            replayed_event_id: row.replayed_event_id,
        }
    }
}

impl From<q::DeadLetterRecord> for DeadLetter {
    fn from(row: q::DeadLetterRecord) -> Self {
        let truncated = i64::from(row.payload_bytes) > row.payload_head.len() as i64;
        let head = if truncated {
            without_cut_char(&row.payload_head)
        } else {
            &row.payload_head
        };
        DeadLetter {
            id: row.id,
            topic: row.topic,
            partition: row.kafka_partition,
            offset: row.kafka_offset,
            reason: row.reason,
            detail: row.detail,
            received_at: row.received_at,
            payload_bytes: row.payload_bytes,
            payload: Some(String::from_utf8_lossy(head).into_owned()),
            payload_truncated: Some(truncated),
            replay_attempts: row.replay_attempts,
            last_replay_at: row.last_replay_at,
            replayed_at: row.replayed_at,
            replay_outcome: row.replay_outcome,
            replayed_event_id: row.replayed_event_id,
        }
    }
}

/// `bytes` without the first bytes of a character its end cut off, which would show as
/// U+FFFD although the record holds a good character there.
fn without_cut_char(bytes: &[u8]) -> &[u8] {
    for back in 1..=bytes.len().min(3) {
        let start = bytes.len() - back;
        let width = match bytes[start] {
            0x80..=0xBF => continue,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if back < width { &bytes[..start] } else { bytes };
    }
    bytes
}

/// The reason codes, from the one list the ingest writes (`docs/events.md`).
fn reason_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(DeadLetterReason::ALL.iter().map(|r| r.as_str())))
        .description(Some(
            "The reason code (docs/events.md): what the ingest, or the last replay, refused \
             the record for",
        ))
        .into()
}

/// A replay's outcome codes, or null.
fn outcome_schema() -> Schema {
    let codes = ingest::ReplayOutcome::ALL
        .iter()
        .map(|o| Value::from(o.as_str()))
        .chain([Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(codes))
        .description(Some(
            "What the replay did: `stored` its event, or found it a `duplicate` of an event \
             already stored; null while the letter fails",
        ))
        .into()
}

/// A reason code in a query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonCode(pub DeadLetterReason);

impl<'de> Deserialize<'de> for ReasonCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map(ReasonCode).map_err(|_| {
            let codes: Vec<&str> = DeadLetterReason::ALL.iter().map(|r| r.as_str()).collect();
            serde::de::Error::custom(format!(
                "{text:?} is not a reason code; use one of {}",
                codes.join(", ")
            ))
        })
    }
}

// Named in full: imported, the trait would make utoipa's generated paths to it look
// needlessly qualified to the lint.
impl utoipa::PartialSchema for ReasonCode {
    fn schema() -> RefOr<Schema> {
        RefOr::T(reason_schema())
    }
}

impl ToSchema for ReasonCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DeadLetterReason")
    }
}

/// The filters and paging of the dead letters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeadLetterParams {
    /// Letters with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Letters per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Letters refused for this reason.
    #[param(inline)]
    reason: Option<ReasonCode>,
    /// Letters received at or after this time (RFC 3339).
    since: Option<DateTime<Utc>>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dead_letters))
        .routes(routes!(get_dead_letter))
}

/// List the organization's refused records, oldest first.
#[utoipa::path(
    get,
    path = "/v1/dead-letters",
    tag = "dead-letters",
    operation_id = "list_dead_letters",
    params(DeadLetterParams),
    security(("bearer" = ["campaign.read"])),
    responses(
        (status = 200, description = "A page of dead letters", body = Page<DeadLetter>),
        Denied,
        Malformed
    )
)]
async fn list_dead_letters(
    mut auth: Authorized<need::CampaignRead>,
    Params(params): Params<DeadLetterParams>,
) -> Result<Json<Page<DeadLetter>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let reason = params.reason.map(|r| r.0.as_str());
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &reason, &params.since, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, DeadLetter::from)))
}

/// Get a refused record with its payload.
#[utoipa::path(
    get,
    path = "/v1/dead-letters/{id}",
    tag = "dead-letters",
    operation_id = "get_dead_letter",
    params(("id" = i64, Path, description = "The dead letter's id")),
    security(("bearer" = ["campaign.read"])),
    responses(
        (status = 200, description = "The dead letter and its payload", body = DeadLetter),
        Denied,
        Malformed,
        Missing
    )
)]
async fn get_dead_letter(
    mut auth: Authorized<need::CampaignRead>,
    Path(id): Path<i64>,
) -> Result<Json<DeadLetter>, ApiError> {
    let tx = auth.begin().await?;
    let row = q::get().bind(&tx, &MAX_PAYLOAD_SHOWN, &id).opt().await?;
    tx.commit().await?;
    let row = row.ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    Ok(Json(row.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_cut_by_the_truncation_is_left_out() {
        let text = "ab€".as_bytes();
        assert_eq!(without_cut_char(text), text);
        assert_eq!(without_cut_char(&text[..4]), b"ab");
        assert_eq!(without_cut_char(&text[..3]), b"ab");
        assert_eq!(without_cut_char(b"ab"), b"ab");
        assert_eq!(without_cut_char(b""), b"");
        // Bytes that are not UTF-8 at all stay, to show as U+FFFD.
        assert_eq!(without_cut_char(&[b'a', 0xFF]), &[b'a', 0xFF]);
        let four = "a😀".as_bytes();
        assert_eq!(without_cut_char(&four[..4]), b"a");
        assert_eq!(without_cut_char(four), four);
    }

    #[test]
    fn a_reason_parses_from_its_code_only() {
        let parsed: ReasonCode = serde_json::from_str("\"unknown_campaign\"").unwrap();
        assert_eq!(parsed.0, DeadLetterReason::UnknownCampaign);
        let refused = serde_json::from_str::<ReasonCode>("\"Unknown_Campaign\"").unwrap_err();
        assert!(refused.to_string().contains("malformed_json"), "{refused}");
    }
}
