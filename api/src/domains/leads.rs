//! `/v1/leads`: interested contacts and their status flow (new → qualified or
//! disqualified, qualified → contacted → converted, which the database enforces)
//! (`lead.read`, `lead.write`).

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::LeadStatus;
use schema::domains::leads as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Refused};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, PageRequest, patched};
use crate::state::AppState;

const ENTITY: &str = "lead";
const FIELDS: &[&str] = &["contact_id", "campaign_id", "form_id", "score", "notes"];

/// A lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    /// Its id.
    pub id: i64,
    /// The interested contact.
    pub contact_id: i64,
    /// The campaign that brought it in.
    pub campaign_id: Option<i64>,
    /// The form it came through.
    pub form_id: Option<i64>,
    /// Where it is in its flow.
    #[schema(schema_with = crate::docs::lead_status)]
    pub status: LeadStatus,
    /// 0 to 100.
    pub score: i32,
    /// Free notes.
    pub notes: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::Lead> for Lead {
    fn from(row: q::Lead) -> Self {
        Lead {
            id: row.id,
            contact_id: row.contact_id,
            campaign_id: row.campaign_id,
            form_id: row.form_id,
            status: row.status,
            score: row.score,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new lead; it starts as `new`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    /// The interested contact.
    pub contact_id: i64,
    /// The campaign that brought it in.
    #[serde(default)]
    pub campaign_id: Option<i64>,
    /// The form it came through.
    #[serde(default)]
    pub form_id: Option<i64>,
    /// 0 to 100; 0 when absent.
    #[serde(default)]
    pub score: Option<i32>,
    /// Free notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Changes to a lead: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    /// A new score, 0 to 100 (not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = i32)]
    pub score: Option<i32>,
    /// New notes, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

/// A status move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadMove {
    /// The state to move to.
    #[schema(schema_with = crate::docs::lead_status)]
    pub to: LeadStatus,
}

/// The filters and paging of the lead list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LeadParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Only leads in this state.
    #[param(schema_with = crate::docs::lead_status)]
    status: Option<LeadStatus>,
    /// Only leads of this campaign.
    campaign: Option<i64>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_leads, create_lead))
        .routes(routes!(get_lead, update_lead, delete_lead))
        .routes(routes!(restore_lead))
        .routes(routes!(move_lead))
}

row_routes! {
    queries = q,
    row = Lead,
    tag = "leads",
    path = "/v1/leads/{id}",
    restore_path = "/v1/leads/{id}/restore",
    id = "The lead's id",
    read = LeadRead "lead.read",
    write = LeadWrite "lead.write",
    get = get_lead "get_lead" "Get a lead.",
    delete = delete_lead "delete_lead" "Delete a lead (soft: it can be restored).",
    restore = restore_lead "restore_lead" "Restore a deleted lead." [],
    deleted = "deleted lead",
}

/// List leads, optionally in one state or of one campaign.
#[utoipa::path(
    get,
    path = "/v1/leads",
    tag = "leads",
    operation_id = "list_leads",
    params(LeadParams),
    security(("bearer" = ["lead.read"])),
    responses(
        (status = 200, description = "A page of leads", body = Page<Lead>),
        Denied,
        Malformed
    )
)]
async fn list_leads(
    mut auth: Authorized<need::LeadRead>,
    Params(params): Params<LeadParams>,
) -> Result<Json<Page<Lead>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(
            &tx,
            &page.after,
            &params.status,
            &params.campaign,
            &page.fetch(),
        )
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, Lead::from)))
}

/// Create a lead (as `new`).
#[utoipa::path(
    post,
    path = "/v1/leads",
    tag = "leads",
    operation_id = "create_lead",
    request_body = NewLead,
    security(("bearer" = ["lead.write"])),
    responses(
        (status = 201, description = "Created", body = Lead,
         headers(("location" = String, description = "The new lead's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited
    )
)]
async fn create_lead(
    mut auth: Authorized<need::LeadWrite>,
    JsonBody(new): JsonBody<NewLead>,
) -> Result<Response, ApiError> {
    let score = new.score.unwrap_or(0);
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(
            &tx,
            &new.contact_id,
            &new.campaign_id,
            &new.form_id,
            &score,
            &new.notes,
        )
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(format!("/v1/leads/{}", row.id), Lead::from(row)))
}

/// Change a lead's score or notes (its status moves through `/move`).
#[utoipa::path(
    patch,
    path = "/v1/leads/{id}",
    tag = "leads",
    operation_id = "update_lead",
    params(("id" = i64, Path, description = "The lead's id")),
    request_body = LeadPatch,
    security(("bearer" = ["lead.write"])),
    responses(
        (status = 200, description = "The changed lead", body = Lead),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited
    )
)]
async fn update_lead(
    mut auth: Authorized<need::LeadWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<LeadPatch>,
) -> Result<Json<Lead>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    let score = patched(current.score, patch.score);
    let notes = patched(current.notes, patch.notes);
    let row = q::update()
        .bind(&tx, &score, &notes, &id)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// Move a lead along its flow: new → qualified or disqualified, qualified →
/// contacted → converted.
#[utoipa::path(
    post,
    path = "/v1/leads/{id}/move",
    tag = "leads",
    operation_id = "move_lead",
    params(("id" = i64, Path, description = "The lead's id")),
    request_body = LeadMove,
    security(("bearer" = ["lead.write"])),
    responses(
        (status = 200, description = "The moved lead", body = Lead),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Refused
    )
)]
async fn move_lead(
    mut auth: Authorized<need::LeadWrite>,
    Path(id): Path<i64>,
    JsonBody(moved): JsonBody<LeadMove>,
) -> Result<Json<Lead>, ApiError> {
    let tx = auth.begin().await?;
    let row = q::move_to()
        .bind(&tx, &moved.to, &id)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}
