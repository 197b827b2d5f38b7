//! The walk's example bodies and fixture rows of the content domains' routes.

use crate::{App, Org};

/// A valid body per operation of these domains (see `openapi_walk::EXAMPLES`).
pub const EXAMPLES: &[(&str, &str)] = &[];

/// The rows these domains' routes address, made in `org`: (resource segment or
/// placeholder name, id).
pub async fn rows(_app: &App, _org: &Org) -> Vec<(&'static str, i64)> {
    Vec::new()
}
