//! The CRUD domains over HTTP, one module per domain group, each a small
//! `OpenApiRouter` of its routes; the handlers run the `schema` crate's generated
//! queries in the caller's tenant transaction.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use schema::DomainError;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod campaigns;
pub(crate) mod contact_lists;
pub(crate) mod contacts;
pub(crate) mod dead_letters;
pub(crate) mod email_templates;
pub(crate) mod form_responses;
pub(crate) mod forms;
pub(crate) mod gdpr;
pub(crate) mod leads;
pub(crate) mod members;
pub(crate) mod organization;
pub(crate) mod roles;
mod rows;
pub(crate) mod validation;

/// Every domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(contact_lists::routes())
        .merge(contacts::routes())
        .merge(campaigns::routes())
        .merge(leads::routes())
        .merge(organization::routes())
        .merge(members::routes())
        .merge(roles::routes())
        .merge(api_keys::routes())
        .merge(audit::routes())
        .merge(gdpr::routes())
        .merge(email_templates::routes())
        .merge(forms::routes())
        .merge(form_responses::routes())
        .merge(validation::routes())
        .merge(dead_letters::routes())
}

/// Maps a query's refusal for `entity`, naming the field among `fields`.
pub(crate) fn refused(
    entity: &'static str,
    fields: &'static [&'static str],
) -> impl Fn(tokio_postgres::Error) -> ApiError {
    move |e| ApiError::domain(entity, fields, DomainError::from_query(entity, e))
}

/// The paging parameters of a list without filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
}

impl PageParams {
    /// The validated page.
    pub(crate) fn page(&self) -> Result<crate::page::PageRequest, ApiError> {
        crate::page::PageRequest::new(self.after, self.limit)
    }
}

/// 201 with the new row and its `Location`.
pub(crate) fn created<T: serde::Serialize>(location: String, row: T) -> Response {
    let mut response = (axum::http::StatusCode::CREATED, axum::Json(row)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
