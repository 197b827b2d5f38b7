//! The archived days: every object of the manifest is read, and one that holds the
//! subject's events with personal data is written anew without it, verified like the
//! archive verifies, swapped into the manifest in the unit's transaction, and its old
//! object deleted in a unit of its own once the swap has committed.

use archiver::{ArchivedEvent, SubjectRows};
use object_store::ObjectStoreExt as _;
use schema::AdvisoryLock;
use tokio_postgres::Client;

use super::{EraseStep, Run};
use crate::GdprError;
use crate::redact::EventStrip;

/// Rewrites every archived day holding the subject's personal data, holding the
/// archive's lock so that no archive or restore moves a day meanwhile.
pub(super) async fn rewrite(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    if run.subject.contact_ids.is_empty() {
        return Ok(());
    }
    let locked = schema::advisory::try_lock(&*client, AdvisoryLock::Archive)
        .await
        .map_err(GdprError::db(run.what("taking the archive lock")))?;
    if !locked {
        return Err(GdprError::Busy {
            what: "the archive (an archive or restore run)".into(),
        });
    }
    let result = rewrite_locked(client, run).await;
    if let Err(e) = schema::advisory::unlock(&*client, AdvisoryLock::Archive).await {
        // A broken connection has released the lock already.
        tracing::warn!(error = %e, "could not release the archive lock");
    }
    result
}

async fn rewrite_locked(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    let step = EraseStep::Archive;
    let store = run.eraser.store;
    let (org, id) = (run.claimed.organization, run.claimed.id);
    let manifest = archiver::list(&*client).await?;
    let rows = SubjectRows {
        organization_id: org,
        contact_ids: run.subject.contact_ids.iter().copied().collect(),
    };
    let needle = run.subject.needle.clone();
    let strip = EventStrip {
        pii_keys: run.eraser.pii_keys,
        needle: &needle,
    };
    let edit = |e: &mut ArchivedEvent| -> Result<bool, String> {
        let mut changed = e.ip_address.take().is_some();
        match strip.apply(&e.event_data) {
            Ok(Some(text)) => {
                e.event_data = text;
                changed = true;
            }
            Ok(None) => {}
            Err(err) => {
                return Err(format!(
                    "event_data of {} is not an object: {err}",
                    e.event_id
                ));
            }
        }
        Ok(changed)
    };
    let tag = format!("gdpr-{org}-{id}");
    let total = manifest.len() as u64;
    for (i, entry) in manifest.iter().enumerate() {
        run.tell(step, i as u64, total);
        let target = entry.day.to_string();
        if run.is_done(step, &target) {
            continue;
        }
        let new_key = archiver::rewritten_key(entry.day, &tag);
        let rewritten = archiver::rewrite_subject(store, entry, &rows, &new_key, &edit).await?;
        let tx = run.begin(client, step).await?;
        let Some(new) = rewritten else {
            run.finish(tx, step, &target, &[], None).await?;
            continue;
        };
        if !archiver::swap_object(&tx, entry.day, &entry.key, &new).await? {
            return Err(GdprError::ManifestChanged { day: entry.day });
        }
        let table = format!("archive {}", entry.key);
        run.finish(
            tx,
            step,
            &target,
            &[(&table, new.changed, false)],
            Some(&entry.key),
        )
        .await?;
    }
    Ok(())
}

/// Deletes the objects the rewrite replaced, each once its swap has committed.
pub(super) async fn cleanup(run: &mut Run<'_>, client: &mut Client) -> Result<(), GdprError> {
    let step = EraseStep::ArchiveCleanup;
    let store = run.eraser.store;
    for (day, old_key) in run.done_of(EraseStep::Archive) {
        let Some(old_key) = old_key else { continue };
        if run.is_done(step, &day) {
            continue;
        }
        match store.object_store().delete(&store.path(&old_key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(GdprError::store(old_key)(e)),
        }
        let tx = run.begin(client, step).await?;
        run.finish(tx, step, &day, &[], None).await?;
    }
    Ok(())
}
