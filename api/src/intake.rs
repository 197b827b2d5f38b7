//! `POST /v1/events`: campaign events over HTTP, for producers that cannot speak Kafka.
//! Each record is checked by the ingest's own decoder (the same limits), must be of the
//! key's organization and name one of its campaigns; the valid records are produced,
//! byte for byte as sent, to the events topic with the idempotent producer, and the
//! request is answered 202 only once the broker acknowledged every one of them. The
//! Kafka ingest stays the only writer of `events`, so a record is stored exactly once
//! however often it is sent (its `event_id` decides), and an invalid one is answered
//! here, by its position, instead of becoming a dead letter.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, need};
use crate::docs::{Denied, Limited};
use crate::error::ApiError;
use crate::extract::media_type;
use crate::problem::Problem;
use crate::state::AppState;

/// NDJSON's media type; `application/json` is a JSON array.
const NDJSON: &str = "application/x-ndjson";

/// What became of a request's records.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Intake {
    /// Records the broker acknowledged (each stored once by the ingest).
    pub accepted: usize,
    /// Records refused, by position; none of them was produced.
    pub refused: Vec<RefusedEvent>,
}

/// A refused record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RefusedEvent {
    /// Its position in the request: the array's element or the NDJSON line, from 1.
    pub record: usize,
    /// Why: a dead-letter reason of the ingest (`missing_field`, `out_of_window`, ...),
    /// or `other_organization` for a record of an organization not the key's.
    pub reason: String,
    /// What was wrong, naming the field.
    pub detail: String,
}

/// How long a campaign found live is taken as live without asking the database again.
const KNOWN_FOR: Duration = Duration::from_secs(60);

/// Most campaigns remembered; past it the memory starts afresh.
const KNOWN_MOST: usize = 100_000;

/// Campaigns each organization's requests named that the database found live, with
/// when: a busy producer names the same few campaigns in every request, so the
/// database is asked only about the others. The check is a courtesy (the ingest
/// dead-letters a record of an unknown campaign whatever happens here), so a campaign
/// deleted in the last minute may still be accepted, and shows up as a dead letter.
#[derive(Debug, Default)]
pub(crate) struct KnownCampaigns {
    seen: Mutex<HashMap<(i64, i64), Instant>>,
}

impl KnownCampaigns {
    /// `campaigns` split into those known live and those to ask the database about.
    fn split(&self, organization: i64, campaigns: HashSet<i64>) -> (HashSet<i64>, Vec<i64>) {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut known = HashSet::new();
        let mut ask = Vec::new();
        for campaign in campaigns {
            match seen.get(&(organization, campaign)) {
                Some(at) if now.duration_since(*at) < KNOWN_FOR => {
                    known.insert(campaign);
                }
                _ => ask.push(campaign),
            }
        }
        (known, ask)
    }

    /// Remembers `campaigns` of `organization` as found live now.
    fn remember(&self, organization: i64, campaigns: impl IntoIterator<Item = i64>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= KNOWN_MOST {
            seen.clear();
        }
        let now = Instant::now();
        for campaign in campaigns {
            seen.insert((organization, campaign), now);
        }
    }
}

/// This module's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send_events))
}

/// Send campaign events: a JSON array, or NDJSON (one record per line), of records in
/// the events topic's format (docs/events.md).
#[utoipa::path(
    post,
    path = "/v1/events",
    tag = "events",
    operation_id = "send_events",
    request_body(
        content(
            (Vec<Object> = "application/json"),
            (String = "application/x-ndjson")
        ),
        description = "The records, in the format the events topic carries"
    ),
    security(("bearer" = ["event.write"])),
    responses(
        (status = 202, description = "Every valid record was acknowledged by the broker; the refused ones are listed", body = Intake),
        (status = 400, description = "The body is not a JSON array or NDJSON (`/problems/validation`)",
         body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit, or holds more records than a request may (`/problems/payload-too-large`)",
         body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is neither application/json nor application/x-ndjson (`/problems/unsupported-media-type`)",
         body = Problem, content_type = "application/problem+json"),
        Denied,
        Limited
    )
)]
async fn send_events(
    auth: Authorized<need::EventWrite>,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let ndjson = match media_type(&headers).as_deref() {
        Some("application/json") => false,
        Some(NDJSON) => true,
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::Validation {
            field: None,
            detail: format!("the body could not be read: {}", rejection.body_text()),
        },
    })?;
    if !state.events().enabled() {
        return Err(ApiError::Unavailable(
            "event intake needs the events topic's brokers (tally serve --brokers)".into(),
        ));
    }
    let records = split(&body, ndjson)?;
    let most = state.limits().max_events_per_request;
    if records.len() > most {
        return Err(ApiError::TooManyRecords {
            records: records.len(),
            most,
        });
    }
    let organization = auth.caller().organization;
    let limits = state.event_limits();
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut valid = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        match ingest::decode(record, limits, now) {
            Ok(decoded) if decoded.event.organization_id == organization => {
                valid.push((i + 1, *record, decoded.event));
            }
            Ok(decoded) => refused.push(RefusedEvent {
                record: i + 1,
                reason: "other_organization".into(),
                detail: format!(
                    "organization_id {} is not this key's organization {}",
                    decoded.event.organization_id.0, organization.0
                ),
            }),
            Err(rejection) => refused.push(RefusedEvent {
                record: i + 1,
                reason: rejection.reason.as_str().to_owned(),
                detail: rejection.detail,
            }),
        }
    }
    // Campaigns of the organization, checked as the ingest's catalog would; a record of
    // an unknown one would only become a dead letter downstream.
    let mut auth = auth;
    let named: HashSet<i64> = valid.iter().map(|(_, _, e)| e.campaign_id.0).collect();
    let (mut known, ask) = state.known_campaigns().split(organization.0, named);
    if !ask.is_empty() {
        let tx = auth.begin().await?;
        let rows = tx
            .query(
                "SELECT id FROM campaigns \
                  WHERE organization_id = tally_current_org() AND id = ANY($1) AND deleted_at IS NULL",
                &[&ask],
            )
            .await?;
        tx.commit().await?;
        let live: Vec<i64> = rows.iter().map(|r| r.get::<_, i64>(0)).collect();
        state
            .known_campaigns()
            .remember(organization.0, live.iter().copied());
        known.extend(live);
    }
    drop(auth);
    let mut send = Vec::with_capacity(valid.len());
    for (record, bytes, event) in valid {
        if known.contains(&event.campaign_id.0) {
            send.push((event.contact_id.0.to_string(), bytes));
        } else {
            refused.push(RefusedEvent {
                record,
                reason: schema::DeadLetterReason::UnknownCampaign
                    .as_str()
                    .to_owned(),
                detail: format!(
                    "campaign_id {} is not a campaign of organization {}",
                    event.campaign_id.0, organization.0
                ),
            });
        }
    }
    refused.sort_by_key(|r| r.record);
    let produced = state.events().send_all(&send).await;
    state.metrics().intake(produced.acknowledged, refused.len());
    if let Some(error) = produced.error {
        tracing::error!(%error, acknowledged = produced.acknowledged, of = send.len(), "event intake: the broker did not acknowledge");
        return Err(ApiError::Unavailable(format!(
            "the broker acknowledged {} of {} records; send the request again (a record \
             already acknowledged is stored once, by its event_id)",
            produced.acknowledged,
            send.len()
        )));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Intake {
            accepted: produced.acknowledged,
            refused,
        }),
    )
        .into_response())
}

/// The records of a body, each as the bytes sent: the elements of a JSON array, or the
/// non-blank lines of NDJSON.
fn split(body: &[u8], ndjson: bool) -> Result<Vec<&[u8]>, ApiError> {
    if ndjson {
        return Ok(body
            .split(|b| *b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .collect());
    }
    let elements: Vec<&RawValue> =
        serde_json::from_slice(body).map_err(|e| ApiError::Validation {
            field: None,
            detail: format!(
                "the body is not a JSON array of records ({e}); send NDJSON as {NDJSON}"
            ),
        })?;
    Ok(elements
        .into_iter()
        .map(|raw| raw.get().as_bytes())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaigns_found_live_are_not_asked_about_again_per_organization() {
        let known = KnownCampaigns::default();
        let (hit, ask) = known.split(1, HashSet::from([4, 5]));
        assert!(hit.is_empty());
        assert_eq!(ask.len(), 2);
        known.remember(1, [4]);
        let (hit, ask) = known.split(1, HashSet::from([4, 5]));
        assert_eq!((hit, ask), (HashSet::from([4]), vec![5]));
        // Another organization's campaign of the same id is its own question.
        let (hit, ask) = known.split(2, HashSet::from([4]));
        assert_eq!((hit, ask), (HashSet::new(), vec![4]));
    }

    #[test]
    fn arrays_and_ndjson_split_into_the_records_as_sent() {
        let array = br#"[{"a": 1}, {"b": "x,y"} ,{}]"#;
        let records = split(array, false).unwrap();
        assert_eq!(records, [&br#"{"a": 1}"#[..], br#"{"b": "x,y"}"#, b"{}"]);
        let ndjson = b"{\"a\": 1}\r\n\n  \n{\"b\": 2}\nnot json";
        let records = split(ndjson, true).unwrap();
        assert_eq!(records, [&b"{\"a\": 1}"[..], b"{\"b\": 2}", b"not json"]);
        assert!(split(b"{\"a\": 1}", false).is_err());
        assert!(split(b"[1, 2", false).is_err());
    }
}
