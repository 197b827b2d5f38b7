//! The contacts created in a range of time, paged by (created_at, id).

use axum::Json;
use chrono::{DateTime, Utc};
use schema::domains::contacts as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Contact;
use crate::auth::{Authorized, need};
use crate::docs::{Denied, Malformed};
use crate::error::ApiError;
use crate::extract::Params;
use crate::page::PageRequest;

/// A range of creation times, paged by (created_at, id).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct CreatedParams {
    /// Contacts created at or after this instant (RFC 3339); for the next page, the
    /// previous page's `next_from`.
    from: DateTime<Utc>,
    /// Contacts created before this instant; unbounded when absent.
    before: Option<DateTime<Utc>>,
    /// With `from`, skips the contacts created at `from` whose id is not above this
    /// (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
}

/// A page of contacts in creation order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedPage {
    /// The contacts, oldest first.
    pub items: Vec<Contact>,
    /// Pass as `after` for the next page; null when this is the last one.
    pub next_after: Option<i64>,
    /// Pass as `from` for the next page; null when this is the last one.
    pub next_from: Option<DateTime<Utc>>,
}

/// List the contacts created in a range of time, oldest first.
#[utoipa::path(
    get,
    path = "/v1/contacts/created",
    tag = "contacts",
    operation_id = "list_contacts_created",
    params(CreatedParams),
    security(("bearer" = ["contact.read"])),
    responses(
        (status = 200, description = "A page of contacts in creation order", body = CreatedPage),
        Denied,
        Malformed
    )
)]
pub(super) async fn list_contacts_created(
    mut auth: Authorized<need::ContactRead>,
    Params(params): Params<CreatedParams>,
) -> Result<Json<CreatedPage>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let mut rows = q::list_created()
        .bind(
            &tx,
            &params.from,
            &page.after,
            &params.before,
            &page.fetch(),
        )
        .all()
        .await?;
    tx.commit().await?;
    let more = rows.len() as i64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let last = rows.last().filter(|_| more).map(|r| (r.id, r.created_at));
    Ok(Json(CreatedPage {
        items: rows.into_iter().map(Contact::from).collect(),
        next_after: last.map(|l| l.0),
        next_from: last.map(|l| l.1),
    }))
}
