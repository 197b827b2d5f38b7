//! Erasures carried out again over a database restored from a backup (`tally gdpr
//! reapply`): the backup predates some erasures, so it holds their subjects' personal
//! data again and its manifest names archived objects those erasures replaced and
//! deleted. The erasure log ([`crate::erasure_log`]) outlives the database; from it the
//! manifest is pointed at the rewritten objects, and every logged subject that still has
//! personal data here, or whose contacts are not listed as erased, is erased again by a
//! new deletion request, with its receipt and audit entry like any other.

use std::collections::{BTreeSet, HashMap};

use archiver::Rewritten;
use schema::{AdvisoryLock, GdprRequestType};
use tokio_postgres::Client;

use crate::erasure_log::{self, LoggedErasure};
use crate::request::{self, Subject, SubjectKind};
use crate::{ERASED_DOMAIN, ErasureKey, GdprConfig, GdprError, Progress, process, subject};

/// What a reapply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReapplyReport {
    /// Entries in the erasure log.
    pub logged: usize,
    /// Archived days whose manifest row was pointed at the rewritten object.
    pub manifest_swaps: usize,
    /// Erasures carried out again: (organization, the logged request, the new request).
    pub erased_again: Vec<(i64, i64, i64)>,
    /// Logged erasures this database already reflects.
    pub up_to_date: usize,
}

/// Reapplies every logged erasure to the database `client` is connected to. Run it after
/// restoring a backup and before starting ingest: the contacts are then listed as erased
/// before any event of theirs is read again from Kafka. Running it again changes nothing.
pub async fn reapply(
    client: &mut Client,
    config: &GdprConfig,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ReapplyReport, GdprError> {
    let key = config.key.as_ref().ok_or(GdprError::NoKey)?;
    process::refuse_row_security(client).await?;
    let entries = erasure_log::read_all(&config.store).await?;
    let mut report = ReapplyReport {
        logged: entries.len(),
        manifest_swaps: swap_manifest(client, &entries).await?,
        ..ReapplyReport::default()
    };
    let mut plain: HashMap<(i64, SubjectKind), HashMap<String, String>> = HashMap::new();
    for entry in &entries {
        let Some(kind) = entry.subject_kind() else {
            return Err(GdprError::BadLogEntry {
                key: entry.key(),
                reason: format!("unknown subject kind {:?}", entry.kind),
            });
        };
        let org = entry.organization;
        if let std::collections::hash_map::Entry::Vacant(slot) = plain.entry((org, kind)) {
            slot.insert(plain_addresses(client, key, org, kind).await?);
        }
        let address = plain
            .get(&(org, kind))
            .and_then(|m| m.get(&entry.email_hash))
            .cloned();
        let unmarked = match kind {
            SubjectKind::Contact => unmarked_contacts(client, entry).await?,
            SubjectKind::User => Vec::new(),
        };
        if address.is_none() && unmarked.is_empty() {
            report.up_to_date += 1;
            continue;
        }
        // Without the address (the backup never had it), the marker names the subject:
        // the request finds the rows already carrying it, plus the logged contacts.
        let email = address
            .clone()
            .unwrap_or_else(|| format!("{}@{ERASED_DOMAIN}", entry.email_hash));
        let filed = request::file_request(
            client,
            org,
            GdprRequestType::deletion,
            &Subject { kind, email },
        )
        .await?;
        if kind == SubjectKind::Contact {
            save_subject(client, entry, filed.id, address.as_deref()).await?;
        }
        tracing::info!(
            organization = org,
            logged_request = entry.request,
            request = filed.id,
            "reapplying a logged erasure"
        );
        process::process_request(client, config, org, filed.id, true, progress).await?;
        if let Some(address) = address
            && let Some(m) = plain.get_mut(&(org, kind))
        {
            m.retain(|_, a| *a != address);
        }
        report.erased_again.push((org, entry.request, filed.id));
    }
    Ok(report)
}

/// Points each manifest row that still names an object a logged erasure replaced at
/// the rewritten object, in log order (an object rewritten twice is followed to the
/// last copy), under the archive's lock.
async fn swap_manifest(client: &Client, entries: &[LoggedErasure]) -> Result<usize, GdprError> {
    if entries.iter().all(|e| e.archive.is_empty()) {
        return Ok(0);
    }
    let lock_what = || "taking the archive lock to reapply erasures".to_owned();
    let locked = schema::advisory::try_lock(client, AdvisoryLock::Archive)
        .await
        .map_err(GdprError::db(lock_what()))?;
    if !locked {
        return Err(GdprError::Busy {
            what: "the archive (an archive or restore run)".into(),
        });
    }
    let mut swapped = 0;
    let mut result = Ok(());
    'entries: for entry in entries {
        for swap in &entry.archive {
            let new = Rewritten {
                key: swap.key.clone(),
                rows: swap.rows,
                bytes: swap.bytes,
                checksum: swap.checksum.clone(),
                changed: 0,
            };
            match archiver::swap_object(client, swap.day, &swap.replaced, &new).await {
                Ok(true) => {
                    tracing::info!(day = %swap.day, from = swap.replaced, to = swap.key, "manifest pointed at the rewritten object");
                    swapped += 1;
                }
                Ok(false) => {}
                Err(e) => {
                    result = Err(e.into());
                    break 'entries;
                }
            }
        }
    }
    if let Err(e) = schema::advisory::unlock(client, AdvisoryLock::Archive).await {
        tracing::warn!(error = %e, "could not release the archive lock");
    }
    result.map(|()| swapped)
}

/// The addresses of `organization`'s contacts (or member users) that are not erased,
/// by their hash under `key`: one pass over the organization's rows.
async fn plain_addresses(
    client: &Client,
    key: &ErasureKey,
    organization: i64,
    kind: SubjectKind,
) -> Result<HashMap<String, String>, GdprError> {
    let sql = match kind {
        SubjectKind::Contact => include_str!("reapply/contact_addresses.sql"),
        SubjectKind::User => include_str!("reapply/user_addresses.sql"),
    };
    let pattern = format!("%@{ERASED_DOMAIN}");
    let rows = client
        .query(sql, &[&organization, &pattern])
        .await
        .map_err(GdprError::db(format!(
            "reading the addresses of organization {organization} to reapply erasures"
        )))?;
    let addresses: BTreeSet<String> = rows
        .iter()
        .map(|r| crate::normalize_email(r.get::<_, &str>(0)))
        .collect();
    Ok(addresses
        .into_iter()
        .map(|a| (key.hash(organization, &a), a))
        .collect())
}

/// The logged contacts that are not listed in `gdpr_erased_contacts` here: ingest
/// would store their events again with personal data.
async fn unmarked_contacts(client: &Client, entry: &LoggedErasure) -> Result<Vec<i64>, GdprError> {
    Ok(client
        .query(
            include_str!("reapply/unmarked.sql"),
            &[&entry.organization, &entry.contact_ids],
        )
        .await
        .map_err(GdprError::db(format!(
            "reading the erased contacts of organization {}",
            entry.organization
        )))?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Records the new request's subject before it runs: the contacts of the address here
/// and every logged contact (rows the backup predates included), under the logged hash
/// (the address, when found, was found by it), so that the erasure lists them all for
/// ingest.
async fn save_subject(
    client: &Client,
    entry: &LoggedErasure,
    request: i64,
    address: Option<&str>,
) -> Result<(), GdprError> {
    let org = entry.organization;
    let what = || format!("recording the subject of request {request} of organization {org}");
    let needle = address.map(crate::normalize_email).unwrap_or_default();
    let marker = format!("{}@{ERASED_DOMAIN}", entry.email_hash);
    let mut ids: BTreeSet<i64> = client
        .query(
            include_str!("subject/contacts.sql"),
            &[&org, &needle, &marker],
        )
        .await
        .map_err(GdprError::db(what()))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    ids.extend(entry.contact_ids.iter().copied());
    let ids: Vec<i64> = ids.into_iter().collect();
    subject::save(
        client,
        org,
        request,
        SubjectKind::Contact,
        &ids,
        None,
        &entry.email_hash,
    )
    .await
    .map_err(GdprError::db(what()))?;
    Ok(())
}
