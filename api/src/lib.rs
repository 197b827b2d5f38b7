//! The HTTP API (`tally serve`): the platform's CRUD domains under `/v1`, authenticated
//! by API keys, with RFC 9457 problems for every error and an OpenAPI document
//! generated from the handlers (`/openapi.json`). docs/api.md is the client's guide.
//!
//! ```no_run
//! # async fn example(database: tokio_postgres::Config) -> Result<(), api::ServeError> {
//! let config = api::ServeConfig::new("127.0.0.1:8080".parse().unwrap(), database);
//! let server = api::bind(config).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
//!
//! # Layout
//!
//! - `server`: [`bind`], [`Server`], [`serve`]: the schema check, the listener, graceful
//!   shutdown; `config`: [`ServeConfig`] and its [`Limits`].
//! - `routes`: the [`router`] (layers, fallback, `/healthz`, `/metrics`,
//!   `/openapi.json`) and the [`openapi`] document; `docs`: the document's shared parts
//!   (security scheme, error responses).
//! - `domains`: one module per domain group (organization, members, roles, API keys,
//!   contact lists, contacts and their import, campaigns, leads, email templates, forms
//!   and fields, form responses, validation, audit, GDPR requests), each its handlers,
//!   request and response types and routes; `domains::rows` generates the get, delete
//!   and restore every soft-deletable resource has.
//! - `landing`: the public landing pages (a form to render, a submission to a contact,
//!   a lead, a form response and a FORM_SUBMIT event); `intake`: `POST /v1/events`;
//!   `events`: the producer both use.
//! - `auth`: bearer keys to a [`Caller`], the [`Permission`] a route needs, checked
//!   before the body is read; `keys`: making and revoking keys ([`create_key`],
//!   [`revoke_key`]).
//! - `problem`: [`Problem`] details and their kinds; `error`: [`ApiError`] and the
//!   problem each is; `extract`: axum's extractors with problem rejections; `page`:
//!   keyset pagination and PATCH helpers.
//! - `throttle`: the rate limits (Postgres token buckets per caller and organization,
//!   refusals remembered per replica); [`RateLimits`] are their defaults.
//! - `metrics`: every metric, with the middleware that records them; `state`: the
//!   [`AppState`] handlers share.

mod auth;
mod config;
mod docs;
mod domains;
mod error;
mod events;
mod extract;
mod intake;
mod key_cache;
mod keys;
mod landing;
mod metrics;
mod page;
mod problem;
mod routes;
mod server;
mod state;
mod throttle;

pub use auth::{Caller, Permission};
pub use config::{Bucket, Limits, RateLimits, ServeConfig};
pub use error::ApiError;
pub use events::{EventsConfig, EventsError};
pub use intake::{Intake, RefusedEvent};
pub use keys::{KeyError, NewKey, RoleRef, create_key, generate_key, revoke_key};
pub use landing::{LandingField, LandingPage, Submitted};
pub use page::{DEFAULT_LIMIT, MAX_LIMIT};
pub use problem::{PROBLEM_JSON, Problem, ProblemKind};
pub use routes::{openapi, router};
pub use server::{ServeError, Server, bind, serve};
pub use state::AppState;
