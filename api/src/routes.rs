//! The router: the domains under `/v1`, the operations endpoints, the fallback, and the
//! layers every request passes (trace span, metrics, problem bodies for layers' bare
//! errors, timeout, body limit).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router, middleware};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::{OpenApi as _, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::docs::ApiDoc;
use crate::metrics;
use crate::problem::{PROBLEM_JSON, Problem, ProblemKind};
use crate::state::AppState;

/// The OpenAPI document of every route, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// The application: every route with its layers, over `state`.
pub fn router(state: AppState) -> Router {
    let (routes, document) = api().split_for_parts();
    // Serialized once; a document of plain data always serializes.
    let document = OpenApiJson(Bytes::from(document.to_json().unwrap_or_default()));
    let limits = state.limits().clone();
    routes
        .fallback(not_found)
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request| {
                        tracing::info_span!(
                            "request",
                            method = %request.method(),
                            path = %request.uri().path(),
                            api_key = tracing::field::Empty,
                        )
                    }),
                )
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    metrics::track,
                ))
                .layer(middleware::map_response(problem_bodies))
                // A bare 503, which `problem_bodies` answers as `/problems/timeout`.
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    limits.request_timeout,
                ))
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
                // The limit above is the one in force, whatever its size.
                .layer(DefaultBodyLimit::disable())
                .layer(Extension(document)),
        )
        .with_state(state)
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::domains::routes())
        .merge(crate::landing::routes())
        .merge(crate::intake::routes())
        .routes(routes!(healthz))
        .routes(routes!(prometheus))
        .routes(routes!(openapi_json))
}

/// The health answer.
#[derive(Debug, Serialize, ToSchema)]
struct Health {
    /// `ok`.
    status: &'static str,
}

/// Whether the server can reach its database.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    operation_id = "healthz",
    security(()),
    responses(
        (status = 200, description = "A pooled connection answered", body = Health),
        (status = 503, description = "The database is unavailable (`/problems/unavailable`)",
         body = Problem, content_type = "application/problem+json")
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, crate::ApiError> {
    let client = state.pool().get().await?;
    client.simple_query("SELECT 1").await?;
    Ok(Json(Health { status: "ok" }))
}

/// The server's metrics in Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    operation_id = "metrics",
    security(()),
    responses((status = 200, description = "Prometheus text exposition", body = String,
               content_type = "text/plain"))
)]
async fn prometheus(State(state): State<AppState>) -> Response {
    let mut response = state.metrics().encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
async fn openapi_json(Extension(document): Extension<OpenApiJson>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document.0,
    )
        .into_response()
}

/// The document as served.
#[derive(Clone)]
struct OpenApiJson(Bytes);

async fn not_found() -> Problem {
    Problem::new(ProblemKind::NotFound, "no such route")
}

/// Gives an error response some layer made without a body (axum's 405, tower-http's
/// 413 and timeout) its problem body, keeping its headers (`Allow`).
async fn problem_bodies<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response.map(axum::body::Body::new);
    }
    let kind = ProblemKind::of_status(status);
    let detail = match kind {
        ProblemKind::MethodNotAllowed => "the route does not accept this method".to_owned(),
        ProblemKind::PayloadTooLarge => {
            "the request body is larger than the server accepts".to_owned()
        }
        ProblemKind::Timeout => {
            "the request took longer than the server's request timeout".to_owned()
        }
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    let problem = Problem {
        status: status.as_u16(),
        ..Problem::new(kind, detail)
    };
    let mut rebuilt = problem.into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    *rebuilt.headers_mut() = parts.headers;
    rebuilt
}
