//! `/v1/gdpr-requests`: data subjects' export and erasure requests, and the receipts of
//! what an erasure removed (`gdpr.read`, `gdpr.write`). A request is filed here and
//! carried out by the GDPR job, which moves its status and writes the receipts; a
//! request is never changed nor deleted through the API, being the proof it was
//! handled. A completed export's files are downloaded here, from the object store the
//! job wrote them to.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, Utc};
use schema::domains::gdpr as q;
use schema::{GdprRequestStatus, GdprRequestType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, pg_enum};
use crate::domains::rows::get_route;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{Page, PageRequest};
use crate::state::AppState;

const ENTITY: &str = "GDPR request";
const FIELDS: &[&str] = &["contact_id", "subject_email", "request_type"];

/// `gdpr_request_type` labels.
fn request_type() -> utoipa::openapi::Object {
    pg_enum::<GdprRequestType>()
}

/// `gdpr_request_status` labels.
fn request_status() -> utoipa::openapi::Object {
    pg_enum::<GdprRequestStatus>()
}

/// A data subject's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GdprRequest {
    /// Its id.
    pub id: i64,
    /// The subject's contact; null when none was named or once the contact is erased.
    pub contact_id: Option<i64>,
    /// The subject's address.
    pub subject_email: String,
    /// `export` or `deletion`.
    #[schema(schema_with = request_type)]
    pub request_type: GdprRequestType,
    /// Where its processing is.
    #[schema(schema_with = request_status)]
    pub status: GdprRequestStatus,
    /// When it was filed.
    pub requested_at: DateTime<Utc>,
    /// When it completed or failed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Where an export was written.
    pub result_location: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::GdprRequest> for GdprRequest {
    fn from(row: q::GdprRequest) -> Self {
        GdprRequest {
            id: row.id,
            contact_id: row.contact_id,
            subject_email: row.subject_email,
            request_type: row.request_type,
            status: row.status,
            requested_at: row.requested_at,
            completed_at: row.completed_at,
            result_location: row.result_location,
            error: row.error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new request; it starts as `pending`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGdprRequest {
    /// The subject's address.
    pub subject_email: String,
    /// `export` or `deletion`.
    #[schema(schema_with = request_type)]
    pub request_type: GdprRequestType,
    /// The subject's contact, when known.
    #[serde(default)]
    pub contact_id: Option<i64>,
}

/// What an erasure removed from one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DataDeletion {
    /// Its id.
    pub id: i64,
    /// The table rows were removed from.
    pub table_name: String,
    /// How many.
    pub rows_deleted: i64,
    /// When.
    pub deleted_at: DateTime<Utc>,
}

impl From<q::DataDeletion> for DataDeletion {
    fn from(row: q::DataDeletion) -> Self {
        DataDeletion {
            id: row.id,
            table_name: row.table_name,
            rows_deleted: row.rows_deleted,
            deleted_at: row.deleted_at,
        }
    }
}

/// The receipts of one request, by id; never paged, an erasure touching a few tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DataDeletions {
    /// The receipts.
    pub items: Vec<DataDeletion>,
}

/// The filter and paging of the request list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct GdprParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Only requests in this state.
    #[param(schema_with = request_status)]
    status: Option<GdprRequestStatus>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_gdpr_requests, create_gdpr_request))
        .routes(routes!(get_gdpr_request))
        .routes(routes!(list_gdpr_deletions))
        .routes(routes!(download_gdpr_export))
}

/// Which file of an export to download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportFileParams {
    /// `export.json` (the default: everything in one document) or `<table>.csv`, as the
    /// request's `result_location` and the document list them.
    file: Option<String>,
}

/// Whether `file` can name a file of an export: `export.json` or `<table>.csv`, lower
/// case letters and `_`.
fn export_file_name(file: &str) -> bool {
    let stem = file
        .strip_suffix(".csv")
        .or_else(|| (file == gdpr::DOCUMENT).then_some("export"));
    stem.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

/// Download a file of a completed export: the whole document, or one table as CSV.
#[utoipa::path(
    get,
    path = "/v1/gdpr-requests/{id}/export",
    tag = "gdpr-requests",
    operation_id = "download_gdpr_export",
    params(("id" = i64, Path, description = "The export request's id"), ExportFileParams),
    security(("bearer" = ["gdpr.read"])),
    responses(
        (status = 200, description = "The file", content(
            (String = "application/json"),
            (String = "text/csv")
        )),
        Denied,
        Malformed,
        Missing
    )
)]
async fn download_gdpr_export(
    State(state): State<AppState>,
    mut auth: Authorized<need::GdprRead>,
    Path(id): Path<i64>,
    Params(params): Params<ExportFileParams>,
) -> Result<Response, ApiError> {
    let file = params.file.unwrap_or_else(|| gdpr::DOCUMENT.to_owned());
    if !export_file_name(&file) {
        return Err(ApiError::Validation {
            field: Some("file".to_owned()),
            detail: format!(
                "{file:?} is not a file of an export: ask for {} or <table>.csv",
                gdpr::DOCUMENT
            ),
        });
    }
    let tx = auth.begin().await?;
    let row = q::get().bind(&tx, &id).opt().await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Err(ApiError::NotFound { entity: ENTITY, id });
    };
    // Only a completed export has files; an erasure since deleted them.
    if row.request_type != GdprRequestType::export
        || row.status != GdprRequestStatus::completed
        || row.result_location.is_none()
    {
        return Err(ApiError::NotFound {
            entity: "completed export of GDPR request",
            id,
        });
    }
    let Some(store) = state.store() else {
        return Err(ApiError::Unavailable(
            "this server has no archive store (TALLY_ARCHIVE_URL) to read exports from".into(),
        ));
    };
    let organization = auth.caller().organization.0;
    let bytes = gdpr::read_export(store, organization, id, &file)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .ok_or(ApiError::NotFound {
            entity: "file of the export of GDPR request",
            id,
        })?;
    let content_type = if file.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"gdpr-request-{id}-{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

get_route! {
    queries = q,
    row = GdprRequest,
    tag = "gdpr-requests",
    path = "/v1/gdpr-requests/{id}",
    id = "The request's id",
    read = GdprRead "gdpr.read",
    get = get_gdpr_request "get_gdpr_request" "Get a GDPR request.",
}

/// List GDPR requests, optionally in one state.
#[utoipa::path(
    get,
    path = "/v1/gdpr-requests",
    tag = "gdpr-requests",
    operation_id = "list_gdpr_requests",
    params(GdprParams),
    security(("bearer" = ["gdpr.read"])),
    responses(
        (status = 200, description = "A page of GDPR requests", body = Page<GdprRequest>),
        Denied,
        Malformed
    )
)]
async fn list_gdpr_requests(
    mut auth: Authorized<need::GdprRead>,
    Params(params): Params<GdprParams>,
) -> Result<Json<Page<GdprRequest>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &params.status, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, GdprRequest::from)))
}

/// File a GDPR request (as `pending`) for the GDPR job to carry out.
#[utoipa::path(
    post,
    path = "/v1/gdpr-requests",
    tag = "gdpr-requests",
    operation_id = "create_gdpr_request",
    request_body = NewGdprRequest,
    security(("bearer" = ["gdpr.write"])),
    responses(
        (status = 201, description = "Created", body = GdprRequest,
         headers(("location" = String, description = "The new request's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited
    )
)]
async fn create_gdpr_request(
    mut auth: Authorized<need::GdprWrite>,
    JsonBody(new): JsonBody<NewGdprRequest>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(&tx, &new.contact_id, &new.subject_email, &new.request_type)
        .one()
        .await
        .map_err(|e| match refused(ENTITY, FIELDS)(e) {
            // The address's domain check is named for the domain type, not the column.
            ApiError::Unprocessable {
                field: None,
                constraint,
            } if constraint == "email_address_format" => ApiError::Unprocessable {
                field: Some("subject_email".to_owned()),
                constraint,
            },
            other => other,
        })?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/gdpr-requests/{}", row.id),
        GdprRequest::from(row),
    ))
}

/// List what an erasure request removed, table by table (nothing until it is carried
/// out, and never for an export).
#[utoipa::path(
    get,
    path = "/v1/gdpr-requests/{id}/deletions",
    tag = "gdpr-requests",
    operation_id = "list_gdpr_deletions",
    params(("id" = i64, Path, description = "The request's id")),
    security(("bearer" = ["gdpr.read"])),
    responses(
        (status = 200, description = "The request's receipts", body = DataDeletions),
        Denied,
        Malformed,
        Missing
    )
)]
async fn list_gdpr_deletions(
    mut auth: Authorized<need::GdprRead>,
    Path(id): Path<i64>,
) -> Result<Json<DataDeletions>, ApiError> {
    let tx = auth.begin().await?;
    if q::get().bind(&tx, &id).opt().await?.is_none() {
        return Err(ApiError::NotFound { entity: ENTITY, id });
    }
    let rows = q::deletions().bind(&tx, &id).all().await?;
    tx.commit().await?;
    Ok(Json(DataDeletions {
        items: rows.into_iter().map(DataDeletion::from).collect(),
    }))
}
