//! `/v1/form-responses`: submissions of forms (`form.read`, `form.write`). They are
//! read, deleted and restored here; they are submitted through a campaign's landing
//! page, not with an API key.

use std::net::IpAddr;

use axum::Json;
use chrono::{DateTime, Utc};
use schema::domains::form_responses as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, need};
use crate::docs::{Denied, Malformed};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::Params;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "form response";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &["form_id", "campaign_id", "contact_id", "lead_id"];

/// A submission of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FormResponse {
    /// Its id.
    pub id: i64,
    /// The form submitted.
    pub form_id: i64,
    /// The campaign whose landing page it came through.
    pub campaign_id: Option<i64>,
    /// The contact it was matched to.
    pub contact_id: Option<i64>,
    /// The lead it made or updated.
    pub lead_id: Option<i64>,
    /// The answers, keyed by the form's field keys.
    #[schema(value_type = Object)]
    pub response_data: serde_json::Value,
    /// The submitter's address (IPv4 or IPv6).
    #[schema(value_type = Option<String>)]
    pub ip_address: Option<IpAddr>,
    /// The submitter's user agent.
    pub user_agent: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
}

impl From<q::FormResponse> for FormResponse {
    fn from(row: q::FormResponse) -> Self {
        FormResponse {
            id: row.id,
            form_id: row.form_id,
            campaign_id: row.campaign_id,
            contact_id: row.contact_id,
            lead_id: row.lead_id,
            response_data: row.response_data,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            submitted_at: row.submitted_at,
        }
    }
}

/// The filters and paging of the response list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct FormResponseParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Only the responses to this form.
    form: Option<i64>,
    /// Only the responses that came through this campaign.
    campaign: Option<i64>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_form_responses))
        .routes(routes!(get_form_response, delete_form_response))
        .routes(routes!(restore_form_response))
}

row_routes! {
    queries = q,
    row = FormResponse,
    tag = "form-responses",
    path = "/v1/form-responses/{id}",
    restore_path = "/v1/form-responses/{id}/restore",
    id = "The response's id",
    read = FormRead "form.read",
    write = FormWrite "form.write",
    get = get_form_response "get_form_response" "Get a form response.",
    delete = delete_form_response "delete_form_response" "Delete a form response (soft: it can be restored).",
    restore = restore_form_response "restore_form_response" "Restore a deleted form response." [],
    deleted = "deleted form response",
}

/// List form responses, optionally of one form or one campaign.
#[utoipa::path(
    get,
    path = "/v1/form-responses",
    tag = "form-responses",
    operation_id = "list_form_responses",
    params(FormResponseParams),
    security(("bearer" = ["form.read"])),
    responses(
        (status = 200, description = "A page of form responses", body = Page<FormResponse>),
        Denied,
        Malformed
    )
)]
async fn list_form_responses(
    mut auth: Authorized<need::FormRead>,
    Params(params): Params<FormResponseParams>,
) -> Result<Json<Page<FormResponse>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(
            &tx,
            &page.after,
            &params.form,
            &params.campaign,
            &page.fetch(),
        )
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, FormResponse::from)))
}
