//! The OpenAPI document's shared parts: the bearer security scheme, the `Problem`
//! schema, and the sets of error responses routes list (`responses(..., Denied,
//! Missing)`), so every route documents the problems it can answer with.

use std::collections::BTreeMap;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::problem::{PROBLEM_JSON, Problem, ProblemKind};

/// The name of the security scheme routes refer to; its scopes are permission keys.
pub const BEARER: &str = "bearer";

/// The document's root: title, security scheme, shared schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tally",
        description = "The platform's CRUD domains. Authenticate with `Authorization: Bearer <API key>`; \
                       each operation's security requirement names the permission its key's role needs. \
                       Errors are RFC 9457 problem details (application/problem+json)."
    ),
    modifiers(&SecurityAddon),
    components(schemas(Problem)),
    tags(
        (name = "contact-lists", description = "Named lists of contacts"),
        (name = "contacts", description = "Recipients, one per address per list"),
        (name = "campaigns", description = "Campaigns and their status flow"),
        (name = "leads", description = "Interested contacts and their status flow"),
        (name = "organization", description = "The key's own organization"),
        (name = "members", description = "The organization's users and their roles"),
        (name = "roles", description = "Roles and the permissions they grant"),
        (name = "api-keys", description = "The organization's API keys (made and revoked with `tally api-key`)"),
        (name = "email-templates", description = "Versioned email templates"),
        (name = "forms", description = "Lead-capture forms and their fields"),
        (name = "form-responses", description = "Submissions of forms"),
        (name = "validation", description = "Address validation rules and their log"),
        (name = "audit", description = "The audit trail of every change"),
        (name = "gdpr-requests", description = "Data subjects' export and erasure requests"),
        (name = "dead-letters", description = "Records the ingest refused, with the reason"),
        (name = "events", description = "Campaign events over HTTP, produced to the events topic"),
        (name = "public", description = "Landing pages: no key, limited per address and organization"),
        (name = "operations", description = "Health, metrics and this document; no key needed"),
    )
)]
pub(crate) struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from `tally api-key create`; the scopes of an operation's \
                         requirement are the permission its key's role must grant",
                    ))
                    .build(),
            ),
        );
    }
}

fn problem(kind: ProblemKind, description: &str) -> (String, RefOr<Response>) {
    let response = ResponseBuilder::new()
        .description(format!("{description} (`{}`)", kind.type_uri()))
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    (kind.status().as_u16().to_string(), RefOr::T(response))
}

/// What any route with a key can answer: 401, 403, 503 and 500.
pub(crate) struct Denied;

impl IntoResponses for Denied {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            problem(
                ProblemKind::Unauthorized,
                "No API key, or an unknown or revoked one",
            ),
            problem(
                ProblemKind::Forbidden,
                "The key's role lacks the operation's permission",
            ),
            problem(
                ProblemKind::Unavailable,
                "The database is unavailable, or the request timed out (`/problems/timeout`)",
            ),
            problem(ProblemKind::Internal, "A fault of the server"),
        ])
    }
}

/// A route addressing one row: 404.
pub(crate) struct Missing;

impl IntoResponses for Missing {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([problem(
            ProblemKind::NotFound,
            "No live row with that id in the key's organization",
        )])
    }
}

/// A route with parameters or a body: 400 naming the field.
pub(crate) struct Malformed;

impl IntoResponses for Malformed {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([problem(
            ProblemKind::Validation,
            "A parameter or the body does not parse; `field` names it",
        )])
    }
}

/// A route with a JSON body: 413, 415 and 422.
pub(crate) struct BodyRefused;

impl IntoResponses for BodyRefused {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            problem(
                ProblemKind::PayloadTooLarge,
                "The body is larger than the server accepts",
            ),
            problem(
                ProblemKind::UnsupportedMediaType,
                "The body is not sent as application/json",
            ),
            problem(
                ProblemKind::Unprocessable,
                "The database refused a value (format, range, or a reference to a row the organization does not have); `field` names it",
            ),
        ])
    }
}

/// A write or import: 429 with `Retry-After` when the key's or the organization's rate
/// limit is spent.
pub(crate) struct Limited;

impl IntoResponses for Limited {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let kind = ProblemKind::RateLimited;
        let response = ResponseBuilder::new()
            .description(format!(
                "The key's or the organization's rate limit is spent; `Retry-After` says in how \
                 many seconds to try again (`{}`)",
                kind.type_uri()
            ))
            .header(
                "retry-after",
                utoipa::openapi::HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                    .description(Some("Seconds until a request may succeed"))
                    .build(),
            )
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        BTreeMap::from([(kind.status().as_u16().to_string(), RefOr::T(response))])
    }
}

/// A route writing a unique value: 409.
pub(crate) struct Taken;

impl IntoResponses for Taken {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([problem(
            ProblemKind::Conflict,
            "A live row already holds that value; `field` names it",
        )])
    }
}

/// A status move: 409 naming both states.
pub(crate) struct Refused;

impl IntoResponses for Refused {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([problem(
            ProblemKind::StatusMove,
            "The status flow does not allow the move; `from` and `to` name the states",
        )])
    }
}

/// The schema of a mirrored Postgres enum: a string of one of its labels.
pub(crate) fn pg_enum<E: schema::PgEnum>() -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(E::ALL.iter().map(|e| e.as_str())))
        .build()
}

/// `validation_status` labels.
pub(crate) fn validation_status() -> utoipa::openapi::Object {
    pg_enum::<schema::ValidationStatus>()
}

/// `campaign_status` labels.
pub(crate) fn campaign_status() -> utoipa::openapi::Object {
    pg_enum::<schema::CampaignStatus>()
}

/// `lead_status` labels.
pub(crate) fn lead_status() -> utoipa::openapi::Object {
    pg_enum::<schema::LeadStatus>()
}
