//! `/v1/campaigns`: campaigns, their status flow (draft → scheduled → active →
//! completed, scheduled → draft, which the database enforces) and their assignment to a
//! list's contacts (`campaign.read`, `campaign.write`).

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::CampaignStatus;
use schema::domains::campaigns as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod flow;

use super::{created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Taken};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, PageRequest, patched};
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "campaign";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &[
    "name",
    "email_template_id",
    "form_id",
    "contact_list_id",
    "landing_page_slug",
    "scheduled_at",
];

/// A campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Campaign {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Where it is in its flow.
    #[schema(schema_with = crate::docs::campaign_status)]
    pub status: CampaignStatus,
    /// The email template it sends.
    pub email_template_id: Option<i64>,
    /// The form of its landing page.
    pub form_id: Option<i64>,
    /// The list it targets.
    pub contact_list_id: Option<i64>,
    /// Its landing page's slug, unique in the organization among live campaigns.
    pub landing_page_slug: Option<String>,
    /// When it sends (set by the move to `scheduled`).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it became active.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::Campaign> for Campaign {
    fn from(row: q::Campaign) -> Self {
        Campaign {
            id: row.id,
            name: row.name,
            status: row.status,
            email_template_id: row.email_template_id,
            form_id: row.form_id,
            contact_list_id: row.contact_list_id,
            landing_page_slug: row.landing_page_slug,
            scheduled_at: row.scheduled_at,
            started_at: row.started_at,
            completed_at: row.completed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new campaign; it starts as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// Its name (not blank).
    pub name: String,
    /// The email template it sends.
    #[serde(default)]
    pub email_template_id: Option<i64>,
    /// The form of its landing page.
    #[serde(default)]
    pub form_id: Option<i64>,
    /// The list it targets.
    #[serde(default)]
    pub contact_list_id: Option<i64>,
    /// Its landing page's slug (`a-z`, `0-9`, single hyphens).
    #[serde(default)]
    pub landing_page_slug: Option<String>,
}

/// Changes to a campaign: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignPatch {
    /// A new name (not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    /// Another email template, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<i64>)]
    pub email_template_id: Option<Option<i64>>,
    /// Another form, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<i64>)]
    pub form_id: Option<Option<i64>>,
    /// Another list, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<i64>)]
    pub contact_list_id: Option<Option<i64>>,
    /// Another slug, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub landing_page_slug: Option<Option<String>>,
}

/// The filters and paging of the campaign list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct CampaignParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Only campaigns in this state.
    #[param(schema_with = crate::docs::campaign_status)]
    status: Option<CampaignStatus>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign, delete_campaign))
        .routes(routes!(restore_campaign))
        .routes(routes!(flow::move_campaign))
        .routes(routes!(flow::assign_campaign))
}

row_routes! {
    queries = q,
    row = Campaign,
    tag = "campaigns",
    path = "/v1/campaigns/{id}",
    restore_path = "/v1/campaigns/{id}/restore",
    id = "The campaign's id",
    read = CampaignRead "campaign.read",
    write = CampaignWrite "campaign.write",
    get = get_campaign "get_campaign" "Get a campaign.",
    delete = delete_campaign "delete_campaign" "Delete a campaign (soft: it can be restored).",
    restore = restore_campaign "restore_campaign" "Restore a deleted campaign." [Taken],
    deleted = "deleted campaign",
}

/// List campaigns, optionally in one state.
#[utoipa::path(
    get,
    path = "/v1/campaigns",
    tag = "campaigns",
    operation_id = "list_campaigns",
    params(CampaignParams),
    security(("bearer" = ["campaign.read"])),
    responses(
        (status = 200, description = "A page of campaigns", body = Page<Campaign>),
        Denied,
        Malformed
    )
)]
async fn list_campaigns(
    mut auth: Authorized<need::CampaignRead>,
    Params(params): Params<CampaignParams>,
) -> Result<Json<Page<Campaign>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &params.status, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, Campaign::from)))
}

/// Create a campaign (as a draft).
#[utoipa::path(
    post,
    path = "/v1/campaigns",
    tag = "campaigns",
    operation_id = "create_campaign",
    request_body = NewCampaign,
    security(("bearer" = ["campaign.write"])),
    responses(
        (status = 201, description = "Created", body = Campaign,
         headers(("location" = String, description = "The new campaign's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn create_campaign(
    mut auth: Authorized<need::CampaignWrite>,
    JsonBody(new): JsonBody<NewCampaign>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(
            &tx,
            &new.name,
            &new.email_template_id,
            &new.form_id,
            &new.contact_list_id,
            &new.landing_page_slug,
        )
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/campaigns/{}", row.id),
        Campaign::from(row),
    ))
}

/// Change a campaign's name, template, form, list or slug (its status moves through
/// `/move`).
#[utoipa::path(
    patch,
    path = "/v1/campaigns/{id}",
    tag = "campaigns",
    operation_id = "update_campaign",
    params(("id" = i64, Path, description = "The campaign's id")),
    request_body = CampaignPatch,
    security(("bearer" = ["campaign.write"])),
    responses(
        (status = 200, description = "The changed campaign", body = Campaign),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn update_campaign(
    mut auth: Authorized<need::CampaignWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<CampaignPatch>,
) -> Result<Json<Campaign>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    let name = patched(current.name, patch.name);
    let template = patched(current.email_template_id, patch.email_template_id);
    let form = patched(current.form_id, patch.form_id);
    let list = patched(current.contact_list_id, patch.contact_list_id);
    let slug = patched(current.landing_page_slug, patch.landing_page_slug);
    let row = q::update()
        .bind(&tx, &name, &template, &form, &list, &slug, &id)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}
