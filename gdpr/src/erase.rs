//! Erasure: the subject's personal data removed everywhere it is held, in steps. Each
//! unit of work (a step, or one partition or archived object of a step) runs in one
//! transaction that also writes its receipt rows (`data_deletions`) and its progress row
//! (`gdpr_erasure_steps`), so a crash anywhere leaves every unit done or not done, and a
//! rerun does exactly the units not done. Every statement also leaves rows that have
//! nothing left to remove untouched, so a second erasure of the same person changes
//! nothing but its own bookkeeping.

mod archive;
mod audit;
mod records;

use std::collections::{BTreeMap, HashMap};

use archiver::ArchiveStore;
use tokio_postgres::{Client, Transaction};
use tracing::instrument;

use crate::erasure_log::{self, LoggedErasure, LoggedSwap};
use crate::request::{self, Claimed, SubjectKind};
use crate::subject::{self, Resolved};
use crate::{ErasureKey, GdprError, Progress, Stage};

/// The steps of an erasure, in the order they run. A contact's erasure runs every step
/// but [`EraseStep::UserAccount`]; a user's runs `Resolved`, `Exports`, `UserAccount`
/// and the last four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EraseStep {
    /// The subject's rows are found and recorded (`gdpr_subjects`).
    Resolved,
    /// The contacts are listed as erased, so ingest strips their later events.
    Marked,
    /// Events in the database lose IP address and PII keys, one partition per unit.
    Events,
    /// Archived days holding such events are rewritten without them, one day per unit.
    Archive,
    /// The replaced archive objects are deleted, one per unit.
    ArchiveCleanup,
    /// Form responses keep only choice answers, no IP address or user agent.
    FormResponses,
    /// Leads lose their notes.
    Leads,
    /// Validation logs of the address are deleted.
    ValidationLogs,
    /// Dead letters holding the subject's records are deleted.
    DeadLetters,
    /// Files of earlier exports about the subject are deleted, one export per unit.
    Exports,
    /// The contacts are anonymized (address replaced by its marker) and soft deleted.
    Contacts,
    /// A user's account is anonymized and their membership removed.
    UserAccount,
    /// Audit entries about the subject are redacted.
    AuditLogs,
    /// The subject's GDPR requests name it by its marker.
    Requests,
    /// Audit entries of those requests are redacted.
    RequestAudit,
    /// The request is completed, with an `erasure` audit entry.
    Completed,
}

impl EraseStep {
    /// The name `gdpr_erasure_steps.step` records.
    pub fn as_str(self) -> &'static str {
        match self {
            EraseStep::Resolved => "resolved",
            EraseStep::Marked => "marked",
            EraseStep::Events => "events",
            EraseStep::Archive => "archive",
            EraseStep::ArchiveCleanup => "archive_cleanup",
            EraseStep::FormResponses => "form_responses",
            EraseStep::Leads => "leads",
            EraseStep::ValidationLogs => "validation_logs",
            EraseStep::DeadLetters => "dead_letters",
            EraseStep::Exports => "exports",
            EraseStep::Contacts => "contacts",
            EraseStep::UserAccount => "user_account",
            EraseStep::AuditLogs => "audit_logs",
            EraseStep::Requests => "requests",
            EraseStep::RequestAudit => "request_audit",
            EraseStep::Completed => "completed",
        }
    }

    /// Every step, in order.
    pub const ALL: [EraseStep; 16] = [
        EraseStep::Resolved,
        EraseStep::Marked,
        EraseStep::Events,
        EraseStep::Archive,
        EraseStep::ArchiveCleanup,
        EraseStep::FormResponses,
        EraseStep::Leads,
        EraseStep::ValidationLogs,
        EraseStep::DeadLetters,
        EraseStep::Exports,
        EraseStep::Contacts,
        EraseStep::UserAccount,
        EraseStep::AuditLogs,
        EraseStep::Requests,
        EraseStep::RequestAudit,
        EraseStep::Completed,
    ];

    fn applies_to(self, kind: SubjectKind) -> bool {
        use EraseStep as S;
        match kind {
            SubjectKind::Contact => self != S::UserAccount,
            SubjectKind::User => matches!(
                self,
                S::Resolved
                    | S::Exports
                    | S::UserAccount
                    | S::AuditLogs
                    | S::Requests
                    | S::RequestAudit
                    | S::Completed
            ),
        }
    }
}

/// What an erasure needs besides the database.
pub(crate) struct Eraser<'a> {
    pub store: &'a ArchiveStore,
    pub key: &'a ErasureKey,
    pub pii_keys: &'a [String],
    /// The fault-injection hook (`GdprConfig::stop_after`); read in test builds only.
    #[cfg_attr(not(feature = "testsuite"), allow(dead_code))]
    pub stop_after: Option<EraseStep>,
    pub progress: &'a (dyn Fn(Progress) + Sync),
}

/// One erasure in progress: the request, its subject, and the units already done.
pub(crate) struct Run<'a> {
    pub eraser: &'a Eraser<'a>,
    pub claimed: &'a Claimed,
    pub subject: Resolved,
    /// The subject's address replaced by its marker.
    pub marker: String,
    /// Units done: (step, target) with their detail.
    done: HashMap<(String, String), Option<String>>,
    /// Receipt rows written by this run, per table, for the report.
    pub receipts: BTreeMap<String, u64>,
}

impl Run<'_> {
    /// Whether unit (`step`, `target`) is done.
    pub fn is_done(&self, step: EraseStep, target: &str) -> bool {
        self.done
            .contains_key(&(step.as_str().to_owned(), target.to_owned()))
    }

    /// The units of `step` that are done, with their detail.
    pub fn done_of(&self, step: EraseStep) -> Vec<(String, Option<String>)> {
        let mut units: Vec<_> = self
            .done
            .iter()
            .filter(|((s, _), _)| s == step.as_str())
            .map(|((_, t), d)| (t.clone(), d.clone()))
            .collect();
        units.sort();
        units
    }

    /// `what` for error messages: the request and organization.
    pub fn what(&self, doing: &str) -> String {
        format!(
            "{doing} for request {} of organization {}",
            self.claimed.id, self.claimed.organization
        )
    }

    /// A unit's transaction, under the job's actor.
    pub async fn begin<'c>(
        &self,
        client: &'c mut Client,
        step: EraseStep,
    ) -> Result<Transaction<'c>, GdprError> {
        request::begin(client, self.what(step.as_str())).await
    }

    /// Ends a unit: its receipts (table, rows; written when `always` or rows > 0) and
    /// progress row, then the commit; then the fault-injection hook.
    pub async fn finish(
        &mut self,
        tx: Transaction<'_>,
        step: EraseStep,
        target: &str,
        receipts: &[(&str, u64, bool)],
        detail: Option<&str>,
    ) -> Result<(), GdprError> {
        let what = self.what(step.as_str());
        let (org, id) = (self.claimed.organization, self.claimed.id);
        let mut changed = 0;
        for (table, rows, always) in receipts {
            changed += rows;
            if *always || *rows > 0 {
                tx.execute(
                    include_str!("erase/receipt.sql"),
                    &[&org, &id, table, &(*rows as i64)],
                )
                .await
                .map_err(GdprError::db(what.clone()))?;
                *self.receipts.entry((*table).to_owned()).or_default() += rows;
            }
        }
        tx.execute(
            include_str!("erase/unit_done.sql"),
            &[
                &org,
                &id,
                &step.as_str(),
                &target,
                &(changed as i64),
                &detail,
            ],
        )
        .await
        .map_err(GdprError::db(what.clone()))?;
        tx.commit().await.map_err(GdprError::db(what))?;
        self.done.insert(
            (step.as_str().to_owned(), target.to_owned()),
            detail.map(str::to_owned),
        );
        tracing::info!(
            organization = org,
            request = id,
            step = step.as_str(),
            target,
            rows = changed,
            "erasure unit done"
        );
        self.stop(step)
    }

    fn stop(&self, step: EraseStep) -> Result<(), GdprError> {
        #[cfg(feature = "testsuite")]
        if self.eraser.stop_after == Some(step) {
            return Err(GdprError::Stopped { step });
        }
        #[cfg(not(feature = "testsuite"))]
        let _ = step;
        Ok(())
    }

    /// Tells the caller which step is running.
    pub fn tell(&self, step: EraseStep, done: u64, total: u64) {
        (self.eraser.progress)(Progress {
            stage: Stage::Erasing(step),
            done,
            total,
        });
    }
}

/// What an erasure did, table by table (receipts written by this run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// Rows whose personal data went, per table, partition or object, in this run.
    pub receipts: BTreeMap<String, u64>,
}

/// Carries out the erasure of `claimed`, resuming after the units an earlier run did.
#[instrument(skip_all, fields(organization = claimed.organization, request = claimed.id))]
pub(crate) async fn erase(
    client: &mut Client,
    eraser: &Eraser<'_>,
    claimed: &Claimed,
) -> Result<Erased, GdprError> {
    let (org, id) = (claimed.organization, claimed.id);
    let done = client
        .query(include_str!("erase/done.sql"), &[&org, &id])
        .await
        .map_err(GdprError::db(format!(
            "reading the progress of request {id} of organization {org}"
        )))?
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect();
    let (subject, new) = subject::resolve_once(client, claimed, eraser.key).await?;
    let hash = subject.email_hash.clone().unwrap_or_default();
    let mut run = Run {
        eraser,
        claimed,
        marker: format!("{hash}@{}", crate::key::ERASED_DOMAIN),
        subject,
        done,
        receipts: BTreeMap::new(),
    };
    if new {
        tracing::info!(
            organization = org,
            request = id,
            contacts = run.subject.contact_ids.len(),
            user = ?run.subject.user_id,
            "erasure subject resolved"
        );
        run.stop(EraseStep::Resolved)?;
    }
    for step in EraseStep::ALL {
        if step == EraseStep::Resolved || !step.applies_to(run.subject.kind) {
            continue;
        }
        run.tell(step, 0, 0);
        match step {
            EraseStep::Resolved => {}
            EraseStep::Marked => records::mark(client, &mut run).await?,
            EraseStep::Events => records::events(client, &mut run).await?,
            EraseStep::Archive => archive::rewrite(client, &mut run).await?,
            EraseStep::ArchiveCleanup => archive::cleanup(&mut run, client).await?,
            EraseStep::FormResponses
            | EraseStep::Leads
            | EraseStep::ValidationLogs
            | EraseStep::Contacts
            | EraseStep::UserAccount
            | EraseStep::Requests => records::statement(client, &mut run, step).await?,
            EraseStep::DeadLetters => records::dead_letters(client, &mut run).await?,
            EraseStep::Exports => records::exports(client, &mut run).await?,
            EraseStep::AuditLogs | EraseStep::RequestAudit => {
                audit::redact(client, &mut run, step).await?
            }
            EraseStep::Completed => complete(client, &mut run).await?,
        }
    }
    Ok(Erased {
        receipts: run.receipts,
    })
}

/// The last unit: the request completed, with an `erasure` audit entry that sums the
/// receipts, in one transaction.
async fn complete(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    if run.is_done(EraseStep::Completed, "") {
        return Ok(());
    }
    let (org, id) = (run.claimed.organization, run.claimed.id);
    // The log entry goes first: a crash before the commit writes it again on the rerun,
    // and a completed request always has one.
    let entry = log_entry(client, run).await?;
    erasure_log::write(run.eraser.store, &entry).await?;
    let tx = run.begin(client, EraseStep::Completed).await?;
    let what = run.what("completing");
    let receipts: BTreeMap<String, i64> = tx
        .query(include_str!("erase/receipts.sql"), &[&org, &id])
        .await
        .map_err(GdprError::db(what.clone()))?
        .iter()
        .fold(BTreeMap::new(), |mut sum, r| {
            *sum.entry(r.get::<_, String>(0)).or_default() += r.get::<_, i64>(1);
            sum
        });
    let changes = serde_json::json!({
        "request": id,
        "contacts": run.subject.contact_ids,
        "user": run.subject.user_id,
        "receipt": receipts,
    });
    request::audit(&tx, run.claimed, "erasure", &changes).await?;
    tx.execute(
        include_str!("request/finish.sql"),
        &[&org, &id, &true, &None::<&str>, &None::<&str>],
    )
    .await
    .map_err(GdprError::db(what))?;
    run.finish(tx, EraseStep::Completed, "", &[], None).await
}

/// The erasure log's entry of this erasure: the subject by its hash, and each archived
/// object it replaced as the manifest now records it.
async fn log_entry(client: &Client, run: &Run<'_>) -> Result<LoggedErasure, GdprError> {
    let (org, id) = (run.claimed.organization, run.claimed.id);
    let manifest = archiver::list(client).await?;
    let tag = format!("gdpr-{org}-{id}");
    let mut archive = Vec::new();
    for (day, replaced) in run.done_of(EraseStep::Archive) {
        let Some(replaced) = replaced else { continue };
        let Some(entry) = manifest.iter().find(|e| e.day.to_string() == day) else {
            continue;
        };
        // Only the object this erasure wrote: a later archive run may have replaced it.
        if entry.key == archiver::rewritten_key(entry.day, &tag) {
            archive.push(LoggedSwap {
                day: entry.day,
                replaced,
                key: entry.key.clone(),
                rows: entry.rows,
                bytes: entry.bytes,
                checksum: entry.checksum.clone(),
            });
        }
    }
    Ok(LoggedErasure {
        organization: org,
        request: id,
        kind: run.subject.kind.as_str().to_owned(),
        email_hash: run.subject.email_hash.clone().unwrap_or_default(),
        contact_ids: run.subject.contact_ids.clone(),
        user_id: run.subject.user_id,
        archive,
        erased_at: chrono::Utc::now(),
    })
}
