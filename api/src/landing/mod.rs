//! Landing pages, `/v1/public/organizations/{organization}/forms/{slug}`: no key. A page
//! is an active campaign of the organization with that `landing_page_slug`, a form
//! with an email field, and a contact list. `GET` returns the form to render; `POST`
//! of the answers checks them against the form's fields and, in one transaction with
//! the audit actor `landing`, finds or creates the contact in the campaign's list,
//! finds or creates its lead (status new), and stores the form response; then a
//! FORM_SUBMIT event is produced. A view that names a contact (`?contact=`) produces a
//! FORM_VIEW. Submissions are rate limited per address and per organization.
//!
//! Slugs are unique per organization only, so the address carries the organization.

mod answers;

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use schema::PooledTransaction as Transaction;
use schema::domains::{campaigns, contacts, form_fields, form_responses, forms, leads};
use schema::{
    Actor, CampaignId, CampaignStatus, ContactId, Event, EventType, OrganizationId, PgEnum as _,
    PooledClient, Tenant,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::docs::{BodyRefused, Limited, Malformed};
use crate::domains::refused;
use crate::error::ApiError;
use crate::events::derived_id;
use crate::extract::{JsonBody, Params, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::throttle::{Action, Spender};

/// The audit actor of every change a landing page makes.
const ACTOR: Actor = Actor::Process("landing");

/// A landing page's form, to render.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LandingPage {
    /// The campaign the page belongs to.
    pub campaign_id: i64,
    /// The campaign's name.
    pub campaign_name: String,
    /// The form's id.
    pub form_id: i64,
    /// The form's name.
    pub form_name: String,
    /// What the form is for.
    pub form_description: Option<String>,
    /// The fields, in display order.
    pub fields: Vec<LandingField>,
}

/// One field of a landing page's form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LandingField {
    /// The key its answer is sent under.
    pub key: String,
    /// What to show next to it.
    pub label: String,
    /// `text`, `email`, `phone`, `select`, `checkbox`, `textarea`, `number` or `date`.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Whether it must be answered.
    pub required: bool,
    /// A select's choices, or type-specific settings.
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
}

/// What a submission made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Submitted {
    /// The stored form response.
    pub response_id: i64,
    /// The submitter's contact, found by address in the campaign's list or created.
    pub contact_id: i64,
    /// The submitter's lead from this campaign, found or created (status new).
    pub lead_id: i64,
    /// Whether the contact was created by this submission.
    pub created_contact: bool,
    /// Whether the lead was created by this submission.
    pub created_lead: bool,
}

/// A landing page's address.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LandingPath {
    /// The organization's id.
    organization: i64,
    /// The campaign's `landing_page_slug`.
    slug: String,
}

/// A view's parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViewParams {
    /// The contact the visitor is, from the campaign's link; a FORM_VIEW event is
    /// produced for a contact of the organization.
    contact: Option<i64>,
}

/// This module's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_landing_page, submit_landing_page))
}

/// The landing page a request addresses, its visitor's address, and a connection.
struct Visit {
    organization: i64,
    slug: String,
    address: Option<IpAddr>,
    client: PooledClient,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(LandingPath { organization, slug }) =
            Path::<LandingPath>::from_request_parts(parts, state).await?;
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let client = state.pool().get().await?;
        if parts.method == axum::http::Method::POST {
            // Before the body is read: a flood costs no parsing.
            let unknown = IpAddr::from([0, 0, 0, 0]);
            state
                .throttle()
                .take(
                    &**client,
                    OrganizationId(organization),
                    Spender::Address(address.as_ref().unwrap_or(&unknown)),
                    Action::Landing,
                )
                .await?;
        }
        Ok(Visit {
            organization,
            slug,
            address,
            client,
        })
    }
}

/// The page's campaign, form and fields, or `NoLandingPage`.
async fn page(
    tx: &Transaction<'_>,
    organization: i64,
    slug: &str,
) -> Result<
    (
        campaigns::Campaign,
        forms::Form,
        Vec<form_fields::FormField>,
    ),
    ApiError,
> {
    let missing = || ApiError::NoLandingPage {
        organization,
        slug: slug.to_owned(),
    };
    let campaign = campaigns::get_by_slug()
        .bind(tx, &slug)
        .opt()
        .await?
        .filter(|c| c.status == CampaignStatus::active && c.contact_list_id.is_some())
        .ok_or_else(missing)?;
    let form_id = campaign.form_id.ok_or_else(missing)?;
    let form = forms::get()
        .bind(tx, &form_id)
        .opt()
        .await?
        .ok_or_else(missing)?;
    let fields = form_fields::list().bind(tx, &form_id).all().await?;
    if !fields.iter().any(|f| f.field_type == "email") {
        return Err(missing());
    }
    Ok((campaign, form, fields))
}

/// A landing page's form.
#[utoipa::path(
    get,
    path = "/v1/public/organizations/{organization}/forms/{slug}",
    tag = "public",
    operation_id = "get_landing_page",
    params(LandingPath, ViewParams),
    security(()),
    responses(
        (status = 200, description = "The form to render", body = LandingPage),
        (status = 404, description = "No active campaign with that slug, a form and a list (`/problems/not-found`)",
         body = Problem, content_type = "application/problem+json"),
        Malformed,
        (status = 503, description = "The database is unavailable (`/problems/unavailable`)",
         body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_landing_page(
    State(state): State<AppState>,
    mut visit: Visit,
    Params(view): Params<ViewParams>,
) -> Result<Json<LandingPage>, ApiError> {
    let tx = Tenant::new(OrganizationId(visit.organization), ACTOR)
        .begin_pooled_generic(&mut visit.client)
        .await?;
    let (campaign, form, fields) = page(&tx, visit.organization, &visit.slug).await?;
    let viewer = match view.contact {
        Some(id) => contacts::get().bind(&tx, &id).opt().await?.map(|c| c.id),
        None => None,
    };
    tx.commit().await?;
    if let Some(contact) = viewer {
        let event = form_event(
            EventType::FormView,
            uuid::Uuid::new_v4(),
            visit.organization,
            campaign.id,
            contact,
            Utc::now(),
            visit.address,
            json!({ "form_id": form.id }),
        );
        // A view is not worth holding the page for: it is sent in the background.
        let state = state.clone();
        tokio::spawn(async move { produce(&state, &event).await });
    }
    Ok(Json(LandingPage {
        campaign_id: campaign.id,
        campaign_name: campaign.name,
        form_id: form.id,
        form_name: form.name,
        form_description: form.description,
        fields: fields
            .into_iter()
            .map(|f| LandingField {
                key: f.field_key,
                label: f.label,
                field_type: f.field_type,
                required: f.required,
                options: f.options,
            })
            .collect(),
    }))
}

/// Submit a landing page's form: the answers by field key.
#[utoipa::path(
    post,
    path = "/v1/public/organizations/{organization}/forms/{slug}",
    tag = "public",
    operation_id = "submit_landing_page",
    params(LandingPath),
    request_body(content = Object, description = "The answers, by field key: text as strings, checkboxes as booleans, numbers as numbers, dates as YYYY-MM-DD"),
    security(()),
    responses(
        (status = 201, description = "Stored; the contact and lead it made or found", body = Submitted),
        (status = 404, description = "No active campaign with that slug, a form and a list (`/problems/not-found`)",
         body = Problem, content_type = "application/problem+json"),
        Malformed,
        BodyRefused,
        Limited,
        (status = 503, description = "The database is unavailable (`/problems/unavailable`)",
         body = Problem, content_type = "application/problem+json")
    )
)]
async fn submit_landing_page(
    State(state): State<AppState>,
    mut visit: Visit,
    headers: axum::http::HeaderMap,
    JsonBody(answers): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect::<String>());
    // Two first submissions of one address race to create its contact; the loser's
    // transaction fails on the unique address and its second attempt finds the
    // winner's contact.
    let mut attempt = 0;
    let (submitted, campaign, at) = loop {
        attempt += 1;
        match submit(&mut visit, &answers, user_agent.as_deref()).await {
            Err(ApiError::Conflict { .. }) if attempt < 3 => continue,
            other => break other?,
        }
    };
    let event = form_event(
        EventType::FormSubmit,
        derived_id("form_submit", visit.organization, submitted.response_id),
        visit.organization,
        campaign,
        submitted.contact_id,
        at,
        visit.address,
        json!({ "form_response_id": submitted.response_id, "lead_id": submitted.lead_id }),
    );
    // The response is stored: a broker failure is reported, not answered as a failed
    // submission the visitor would send again.
    produce(&state, &event).await;
    Ok((StatusCode::CREATED, Json(submitted)).into_response())
}

/// Produces `event` when brokers are configured, counting the outcome.
async fn produce(state: &AppState, event: &Event) {
    if !state.events().enabled() {
        return;
    }
    let kind = event.event_type.as_str();
    match state.events().send(event).await {
        Ok(()) => state.metrics().event_sent(kind),
        Err(error) => {
            state.metrics().event_unsent(kind);
            tracing::error!(%error, "a landing-page event was not produced");
        }
    }
}

/// One submission's transaction: the stored rows, the campaign, and when.
async fn submit(
    visit: &mut Visit,
    answers: &Map<String, Value>,
    user_agent: Option<&str>,
) -> Result<(Submitted, i64, chrono::DateTime<Utc>), ApiError> {
    let organization = visit.organization;
    // Inserts and lookups by key: plans cached on the connection serve every submission.
    let tx = Tenant::new(OrganizationId(organization), ACTOR)
        .begin_pooled_generic(&mut visit.client)
        .await?;
    let (campaign, form, fields) = page(&tx, organization, &visit.slug).await?;
    let submitter = answers::check(&fields, answers)?;
    let list = campaign.contact_list_id.ok_or(ApiError::NoLandingPage {
        organization,
        slug: visit.slug.clone(),
    })?;
    let refused = refused("contact", &["email", "first_name", "last_name", "phone"]);
    let existing = contacts::get_by_email()
        .bind(&tx, &list, &submitter.email.as_str())
        .opt()
        .await?;
    let created_contact = existing.is_none();
    let contact = match existing {
        None => contacts::create()
            .bind(
                &tx,
                &list,
                &submitter.email.as_str(),
                &submitter.first_name.as_deref(),
                &submitter.last_name.as_deref(),
                &submitter.phone.as_deref(),
                &json!({}),
            )
            .one()
            .await
            .map_err(refused)?,
        Some(contact) => {
            // What the visitor says now is the contact's latest; an unanswered field
            // keeps what was known.
            let first_name = submitter.first_name.clone().or(contact.first_name.clone());
            let last_name = submitter.last_name.clone().or(contact.last_name.clone());
            let phone = submitter.phone.clone().or(contact.phone.clone());
            if (&first_name, &last_name, &phone)
                == (&contact.first_name, &contact.last_name, &contact.phone)
            {
                contact
            } else {
                contacts::update()
                    .bind(
                        &tx,
                        &contact.email.as_str(),
                        &first_name.as_deref(),
                        &last_name.as_deref(),
                        &phone.as_deref(),
                        &contact.attributes,
                        &contact.id,
                    )
                    .one()
                    .await
                    .map_err(refused)?
            }
        }
    };
    let existing = leads::get_for()
        .bind(&tx, &contact.id, &Some(campaign.id))
        .opt()
        .await?;
    let created_lead = existing.is_none();
    let lead = match existing {
        Some(lead) => lead,
        None => leads::create()
            .bind(
                &tx,
                &contact.id,
                &Some(campaign.id),
                &Some(form.id),
                &0,
                &None::<&str>,
            )
            .one()
            .await
            .map_err(crate::domains::refused("lead", &[]))?,
    };
    let response = form_responses::create()
        .bind(
            &tx,
            &form.id,
            &Some(campaign.id),
            &Some(contact.id),
            &Some(lead.id),
            &Value::Object(answers.clone()),
            &visit.address,
            &user_agent,
        )
        .one()
        .await
        .map_err(crate::domains::refused("form response", &[]))?;
    tx.commit().await?;
    Ok((
        Submitted {
            response_id: response.id,
            contact_id: contact.id,
            lead_id: lead.id,
            created_contact,
            created_lead,
        },
        campaign.id,
        response.submitted_at,
    ))
}

/// A landing page's event, without personal data in `event_data`.
#[allow(clippy::too_many_arguments)]
fn form_event(
    event_type: EventType,
    event_id: uuid::Uuid,
    organization: i64,
    campaign: i64,
    contact: i64,
    at: chrono::DateTime<Utc>,
    address: Option<IpAddr>,
    data: Value,
) -> Event {
    Event {
        event_id,
        organization_id: OrganizationId(organization),
        campaign_id: CampaignId(campaign),
        contact_id: ContactId(contact),
        event_type,
        occurred_at: at,
        ip_address: address,
        // A JSON value always serializes.
        event_data: serde_json::value::to_raw_value(&data).unwrap_or_default(),
    }
}
