//! Carrying out requests: one by id (the CLI), or every pending one (the job).

use archiver::ArchiveStore;
use chrono::{DateTime, Utc};
use schema::{AdvisoryLock, GdprRequestType};
use tokio_postgres::Client;
use tracing::instrument;

use crate::erase::{self, Erased, Eraser};
use crate::export::{self, ExportLocation};
use crate::request::{self, Claimed, Overdue};
use crate::{EraseStep, ErasureKey, GdprError, Progress, subject};

/// What carrying out requests needs besides the database.
#[derive(Debug, Clone)]
pub struct GdprConfig {
    /// The archive's store: archived events are read there, exports written there.
    pub store: ArchiveStore,
    /// The key erased addresses are hashed under; erasures refuse to run without it.
    pub key: Option<ErasureKey>,
    /// The keys removed from the subject's `event_data` and audit entries (the
    /// anonymization's, `TALLY_PII_KEYS`).
    pub pii_keys: Vec<String>,
    /// Test hook: an erasure returns `GdprError::Stopped` right after the first unit of
    /// this step has committed, leaving the state a crash there would.
    #[cfg(feature = "testsuite")]
    pub stop_after: Option<EraseStep>,
}

impl GdprConfig {
    /// A configuration with the default PII keys of the anonymization.
    pub fn new(store: ArchiveStore, key: Option<ErasureKey>) -> GdprConfig {
        GdprConfig {
            store,
            key,
            pii_keys: anonymizer_keys(),
            #[cfg(feature = "testsuite")]
            stop_after: None,
        }
    }

    fn stop_after(&self) -> Option<EraseStep> {
        #[cfg(feature = "testsuite")]
        return self.stop_after;
        #[cfg(not(feature = "testsuite"))]
        None
    }
}

/// The PII keys the anonymization removes by default (`TALLY_PII_KEYS` unset).
fn anonymizer_keys() -> Vec<String> {
    anonymizer::DEFAULT_PII_KEYS
        .iter()
        .map(|k| (*k).to_owned())
        .collect()
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An export, written there.
    Exported(ExportLocation),
    /// An erasure, with what this run removed.
    Erased(Erased),
    /// The request was completed already (or failed, and no retry was asked for).
    AlreadyFinished,
}

/// Carries out request `id` of `organization`, resuming it if a run stopped; a failed
/// request is run again only when `retry_failed`. The request ends `completed`, or
/// `failed` with the error; an error that may pass (the database or the store away, a
/// lock held elsewhere) leaves it `processing`, to be resumed by the next run.
#[instrument(skip_all, fields(organization, request = id))]
pub async fn process_request(
    client: &mut Client,
    config: &GdprConfig,
    organization: i64,
    id: i64,
    retry_failed: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, GdprError> {
    refuse_row_security(client).await?;
    let name = format!("gdpr.request.{organization}.{id}");
    let lock = AdvisoryLock::Job(&name);
    let locked = schema::advisory::try_lock(&*client, lock)
        .await
        .map_err(GdprError::db(format!(
            "locking request {id} of organization {organization}"
        )))?;
    if !locked {
        return Err(GdprError::Busy {
            what: format!("request {id} of organization {organization}"),
        });
    }
    let result = claim_and_run(client, config, organization, id, retry_failed, progress).await;
    if let Err(e) = schema::advisory::unlock(&*client, lock).await {
        tracing::warn!(error = %e, "could not release the request's lock");
    }
    result
}

async fn claim_and_run(
    client: &mut Client,
    config: &GdprConfig,
    organization: i64,
    id: i64,
    retry_failed: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, GdprError> {
    let Some(claimed) = request::claim(client, organization, id, retry_failed).await? else {
        return Ok(Outcome::AlreadyFinished);
    };
    match run(client, config, &claimed, progress).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            let message = e.to_string();
            let recorded = if e.is_transient() {
                tracing::warn!(organization, request = id, error = %message, "request stopped, to be resumed");
                request::still_processing(client, &claimed, &message).await
            } else {
                tracing::error!(organization, request = id, error = %message, "request failed");
                request::finish(client, &claimed, Err(&message), None).await
            };
            if let Err(r) = recorded {
                tracing::error!(error = %r, "could not record how the request ended");
            }
            Err(e)
        }
    }
}

async fn run(
    client: &mut Client,
    config: &GdprConfig,
    claimed: &Claimed,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, GdprError> {
    match claimed.request_type {
        GdprRequestType::export => {
            let subject = subject::resolve(&*client, claimed, config.key.as_ref()).await?;
            let exported =
                export::export(client, &config.store, claimed, &subject, progress).await?;
            let changes = serde_json::json!({
                "request": claimed.id,
                "location": exported.location.url,
                "contacts": subject.contact_ids,
                "user": subject.user_id,
                "rows": exported.rows,
            });
            request::finish(
                client,
                claimed,
                Ok(Some(&exported.location.url)),
                Some(("export", &changes)),
            )
            .await?;
            Ok(Outcome::Exported(exported.location))
        }
        GdprRequestType::deletion => {
            let key = config.key.as_ref().ok_or(GdprError::NoKey)?;
            let eraser = Eraser {
                store: &config.store,
                key,
                pii_keys: &config.pii_keys,
                stop_after: config.stop_after(),
                progress,
            };
            Ok(Outcome::Erased(
                erase::erase(client, &eraser, claimed).await?,
            ))
        }
    }
}

/// The owner is exempt from row-level security (enabled, not forced); any other role
/// would see no tenant's rows without a tenant set, and erase nothing.
pub(crate) async fn refuse_row_security(client: &Client) -> Result<(), GdprError> {
    let row = client
        .query_one(
            "SELECT row_security_active('contacts'), row_security_active('events'), \
                    row_security_active('audit_logs')",
            &[],
        )
        .await
        .map_err(GdprError::db("checking row-level security"))?;
    for (i, table) in ["contacts", "events", "audit_logs"].into_iter().enumerate() {
        if row.get::<_, bool>(i) {
            return Err(GdprError::RowSecurity { table });
        }
    }
    Ok(())
}

/// What a pass over the pending requests did.
#[derive(Debug, Default)]
pub struct PendingReport {
    /// Requests completed by this pass.
    pub completed: u64,
    /// Requests that failed or stopped, with why (stopped ones stay processing).
    pub errors: Vec<(i64, i64, GdprError)>,
    /// Requests another runner was carrying out.
    pub busy: u64,
    /// Requests past the legal deadline and not completed, after the pass.
    pub overdue: Vec<Overdue>,
}

/// Carries out every pending request (and resumes every stopped one), oldest first, then
/// lists those past the deadline at `now`. A request's error does not stop the others.
pub async fn process_pending(
    client: &mut Client,
    config: &GdprConfig,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<PendingReport, GdprError> {
    let mut report = PendingReport::default();
    for (org, id) in request::pending(client).await? {
        match process_request(client, config, org, id, false, progress).await {
            Ok(Outcome::AlreadyFinished) => {}
            Ok(_) => report.completed += 1,
            Err(GdprError::Busy { .. }) => report.busy += 1,
            Err(e) => report.errors.push((org, id, e)),
        }
    }
    report.overdue = request::overdue(client, now).await?;
    for o in &report.overdue {
        tracing::warn!(
            organization = o.organization,
            request = o.id,
            request_type = o.request_type,
            status = o.status,
            requested_at = %o.requested_at,
            "GDPR request past the 30-day deadline"
        );
    }
    Ok(report)
}
