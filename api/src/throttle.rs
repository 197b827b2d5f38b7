//! Rate limits: a caller's and its organization's token buckets in Postgres
//! (`tally_take_tokens`, one statement, shared by every replica), in front of which each
//! replica remembers the refusals it was given: until a refused bucket can have a token
//! again, the replica answers 429 itself, so a client that floods a spent limit costs
//! no database round trip. Remembering a refusal never refuses a request the database
//! would allow, because no bucket refills earlier than it said.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use schema::OrganizationId;
use tokio_postgres::GenericClient;

use crate::config::{Bucket, RateLimits};
use crate::error::ApiError;

/// What a request spends tokens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// A change through an API key.
    Write,
    /// A contact import through an API key.
    Import,
    /// A landing-page submission, by the visitor's address.
    Landing,
    /// A request of the event intake through an API key.
    Events,
}

/// Who spends them: a key, or a landing page's visitor.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Spender<'a> {
    /// An API key, by id.
    Key(i64),
    /// A visitor, by address.
    Address(&'a std::net::IpAddr),
}

/// The rate limiter of one replica.
pub(crate) struct Throttle {
    defaults: RateLimits,
    /// Refused buckets, by (organization, bucket), until they can have a token.
    refused: Mutex<HashMap<(i64, String), Instant>>,
}

/// Refusals remembered before the expired ones are swept out.
const SWEEP_AT: usize = 10_000;

const TAKE: &str = "SELECT allowed, retry_after_ms, bucket \
                      FROM tally_take_tokens($1, $2, $3, $4, $5, $6, $7, $8, $9)";

impl Throttle {
    /// A limiter with `defaults` where an organization has no setting.
    pub(crate) fn new(defaults: RateLimits) -> Throttle {
        Throttle {
            defaults,
            refused: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token of `spender` and of `organization` for `action`, or answers why
    /// not as [`ApiError::RateLimited`].
    pub(crate) async fn take(
        &self,
        client: &impl GenericClient,
        organization: OrganizationId,
        spender: Spender<'_>,
        action: Action,
    ) -> Result<(), ApiError> {
        let plan = self.plan(spender, action);
        let org = organization.0;
        if let Some((bucket, retry_after)) = self.remembered(org, &plan) {
            return Err(plan.refusal(bucket, retry_after));
        }
        let row = client
            .query_one(
                TAKE,
                &[
                    &org,
                    &plan.caller_bucket,
                    &plan.caller_action,
                    &millis(plan.caller.refill),
                    &burst(plan.caller.burst),
                    &plan.org_bucket,
                    &plan.org_action,
                    &millis(plan.organization.refill),
                    &burst(plan.organization.burst),
                ],
            )
            .await?;
        let allowed: bool = row.try_get(0)?;
        if allowed {
            return Ok(());
        }
        let wait_ms: i64 = row.try_get(1)?;
        let bucket: String = row.try_get(2)?;
        let retry_after = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0));
        self.remember(org, &bucket, retry_after);
        Err(plan.refusal(&bucket, retry_after))
    }

    fn plan(&self, spender: Spender<'_>, action: Action) -> Plan {
        let d = &self.defaults;
        let (verb, caller, organization, caller_limit, org_limit) = match action {
            Action::Write => (
                "write",
                d.write_key,
                d.write_organization,
                "this API key's writes",
                "the organization's writes",
            ),
            Action::Import => (
                "import",
                d.import_key,
                d.import_organization,
                "this API key's imports",
                "the organization's imports",
            ),
            Action::Events => (
                "events",
                d.events_key,
                d.events_organization,
                "this API key's event requests",
                "the organization's event requests",
            ),
            Action::Landing => (
                "landing",
                d.landing_address,
                d.landing_organization,
                "this address's submissions",
                "the organization's landing pages",
            ),
        };
        let (caller_bucket, caller_action) = match spender {
            Spender::Key(id) => (format!("key:{id}:{verb}"), format!("{verb}.key")),
            Spender::Address(ip) => (format!("ip:{ip}:{verb}"), format!("{verb}.address")),
        };
        Plan {
            caller_bucket,
            caller_action,
            caller,
            caller_limit,
            org_bucket: format!("org:{verb}"),
            org_action: format!("{verb}.organization"),
            organization,
            org_limit,
        }
    }

    /// The bucket of a remembered refusal that still holds, and for how long.
    fn remembered<'p>(&self, org: i64, plan: &'p Plan) -> Option<(&'p str, Duration)> {
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        [&plan.caller_bucket, &plan.org_bucket]
            .into_iter()
            .filter_map(|bucket| {
                let until = refused.get(&(org, bucket.clone()))?;
                let wait = until.checked_duration_since(now)?;
                (!wait.is_zero()).then_some((bucket.as_str(), wait))
            })
            .max_by_key(|(_, wait)| *wait)
    }

    fn remember(&self, org: i64, bucket: &str, wait: Duration) {
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if refused.len() >= SWEEP_AT {
            refused.retain(|_, until| *until > now);
        }
        refused.insert((org, bucket.to_owned()), now + wait);
    }
}

/// The buckets and limits of one request.
struct Plan {
    caller_bucket: String,
    caller_action: String,
    caller: Bucket,
    caller_limit: &'static str,
    org_bucket: String,
    org_action: String,
    organization: Bucket,
    org_limit: &'static str,
}

impl Plan {
    fn refusal(&self, bucket: &str, retry_after: Duration) -> ApiError {
        let limit = if bucket == self.org_bucket {
            self.org_limit
        } else {
            self.caller_limit
        };
        ApiError::RateLimited { limit, retry_after }
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX).max(1)
}

fn burst(b: u32) -> i32 {
    i32::try_from(b).unwrap_or(i32::MAX).max(1)
}
