//! A campaign's status moves and its assignment to a list's contacts.

use axum::Json;
use chrono::{DateTime, Utc};
use schema::CampaignStatus;
use schema::domains::{assignments, campaigns as q, contact_lists};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Campaign, ENTITY, FIELDS};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Refused};
use crate::domains::refused;
use crate::error::ApiError;
use crate::extract::{JsonBody, Path};

/// A status move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignMove {
    /// The state to move to.
    #[schema(schema_with = crate::docs::campaign_status)]
    pub to: CampaignStatus,
    /// Moving to `scheduled`: when to send (now when absent); ignored otherwise.
    #[serde(default)]
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// Which contacts to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignList {
    /// The contact list whose live, valid contacts to assign; the campaign's own list
    /// when absent.
    #[serde(default)]
    pub list: Option<i64>,
}

/// What an assignment did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assigned {
    /// Contacts newly assigned (those already assigned are not counted again).
    pub assigned: u64,
}

/// Move a campaign along its flow: draft → scheduled → active → completed, or
/// scheduled → draft.
#[utoipa::path(
    post,
    path = "/v1/campaigns/{id}/move",
    tag = "campaigns",
    operation_id = "move_campaign",
    params(("id" = i64, Path, description = "The campaign's id")),
    request_body = CampaignMove,
    security(("bearer" = ["campaign.write"])),
    responses(
        (status = 200, description = "The moved campaign", body = Campaign),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Refused
    )
)]
pub(super) async fn move_campaign(
    mut auth: Authorized<need::CampaignWrite>,
    Path(id): Path<i64>,
    JsonBody(moved): JsonBody<CampaignMove>,
) -> Result<Json<Campaign>, ApiError> {
    let tx = auth.begin().await?;
    let row = q::move_to()
        .bind(&tx, &moved.to, &moved.scheduled_at, &id)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// Assign every live, valid contact of a list to the campaign (idempotent).
#[utoipa::path(
    post,
    path = "/v1/campaigns/{id}/assign",
    tag = "campaigns",
    operation_id = "assign_campaign",
    params(("id" = i64, Path, description = "The campaign's id")),
    request_body = AssignList,
    security(("bearer" = ["campaign.write"])),
    responses(
        (status = 200, description = "How many contacts were newly assigned", body = Assigned),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited
    )
)]
pub(super) async fn assign_campaign(
    mut auth: Authorized<need::CampaignWrite>,
    Path(id): Path<i64>,
    JsonBody(assign): JsonBody<AssignList>,
) -> Result<Json<Assigned>, ApiError> {
    let tx = auth.begin().await?;
    let campaign = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    let list = assign.list.or(campaign.contact_list_id).ok_or_else(|| {
        ApiError::field(
            "list",
            "the campaign has no contact list: name one as `list`",
        )
    })?;
    if contact_lists::get().bind(&tx, &list).opt().await?.is_none() {
        return Err(ApiError::Unprocessable {
            field: Some("list".to_owned()),
            constraint: "contact_lists_fkey".to_owned(),
        });
    }
    let assigned = assignments::assign_list()
        .bind(&tx, &list, &id)
        .await
        .map_err(refused("assignment", &["list"]))?;
    tx.commit().await?;
    Ok(Json(Assigned { assigned }))
}
