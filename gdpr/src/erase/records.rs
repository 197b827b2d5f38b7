//! The steps over tables in the database: erased contacts listed for ingest, events
//! partition by partition, the CRUD rows, dead letters, and the files of earlier exports.

use futures::TryStreamExt as _;
use object_store::ObjectStoreExt as _;
use object_store::path::Path;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::{EraseStep, Run};
use crate::GdprError;
use crate::export::export_prefix;

/// Lists the contacts as erased, under the lock that waits for ingest batches in flight
/// (migration 0020, `tally_gdpr_erased_version`): a batch that read the list before is
/// committed by the time this commits, so the events step, which comes after, sees its
/// rows.
pub(super) async fn mark(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    let step = EraseStep::Marked;
    if run.is_done(step, "") || run.subject.contact_ids.is_empty() {
        return Ok(());
    }
    let (org, id) = (run.claimed.organization, run.claimed.id);
    let tx = run.begin(client, step).await?;
    let what = run.what("listing the erased contacts");
    tx.execute("SELECT tally_gdpr_lock_erased()", &[])
        .await
        .map_err(GdprError::db(what.clone()))?;
    let n = tx
        .execute(
            include_str!("mark.sql"),
            &[&org, &run.subject.contact_ids, &id, &run.eraser.pii_keys],
        )
        .await
        .map_err(GdprError::db(what))?;
    run.finish(tx, step, "", &[("gdpr_erased_contacts", n, false)], None)
        .await
}

/// Every events partition in the database, one transaction each: the subject's events
/// lose their IP address and PII keys. Partitions made since an earlier run (late days)
/// are done too.
pub(super) async fn events(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    let step = EraseStep::Events;
    if run.subject.contact_ids.is_empty() {
        // No contact, no event: nothing to scan the partitions for.
        return Ok(());
    }
    let partitions = schema::day_partitions(&*client).await?;
    let total = partitions.len() as u64;
    let needle = run.subject.needle.clone();
    for (i, partition) in partitions.into_iter().enumerate() {
        let name = partition.name();
        run.tell(step, i as u64, total);
        if run.is_done(step, &name) {
            continue;
        }
        let (from, to) = partition.bounds();
        let tx = run.begin(client, step).await?;
        let n = tx
            .execute(
                include_str!("events.sql"),
                &[
                    &run.claimed.organization,
                    &run.subject.contact_ids,
                    &from,
                    &to,
                    &run.eraser.pii_keys,
                    &needle,
                ],
            )
            .await
            .map_err(GdprError::db(
                run.what(&format!("erasing events in {name}")),
            ))?;
        run.finish(tx, step, &name, &[(&name, n, false)], None)
            .await?;
    }
    Ok(())
}

/// A step that is one statement over one table, with a receipt for that table even when
/// it changed nothing (the receipt then says the table was looked at).
pub(super) async fn statement(
    client: &mut Client,
    run: &mut Run<'_>,
    step: EraseStep,
) -> Result<(), GdprError> {
    if run.is_done(step, "") {
        return Ok(());
    }
    let org = run.claimed.organization;
    let ids = &run.subject.contact_ids;
    let needle = &run.subject.needle;
    let marker = &run.marker;
    let user = run.subject.user_id;
    let request = run.claimed.id;
    let tx = run.begin(client, step).await?;
    let what = run.what(step.as_str());
    let mut receipts: Vec<(&str, u64, bool)> = Vec::new();
    let exec = async |sql: &str, params: &[&(dyn ToSql + Sync)]| {
        tx.execute(sql, params)
            .await
            .map_err(GdprError::db(what.clone()))
    };
    match step {
        EraseStep::FormResponses => {
            let n = exec(include_str!("form_responses.sql"), &[&org, ids, needle]).await?;
            receipts.push(("form_responses", n, true));
        }
        EraseStep::Leads => {
            let n = exec(include_str!("leads.sql"), &[&org, ids]).await?;
            receipts.push(("leads", n, true));
        }
        EraseStep::ValidationLogs => {
            let n = exec(include_str!("validation_logs.sql"), &[&org, ids]).await?;
            receipts.push(("validation_logs", n, true));
        }
        EraseStep::Contacts => {
            let n = exec(include_str!("contacts.sql"), &[&org, ids, marker]).await?;
            receipts.push(("contacts", n, true));
        }
        EraseStep::UserAccount => {
            // The account first: its audit entry goes to the organizations the user is
            // still a member of, this one.
            let mut n = 0;
            if let Some(user) = user {
                n = exec(include_str!("user.sql"), &[&user, marker]).await?;
            }
            let m = match user {
                Some(user) => exec(include_str!("memberships.sql"), &[&org, &user]).await?,
                None => 0,
            };
            receipts.push(("users", n, true));
            receipts.push(("memberships", m, true));
        }
        EraseStep::Requests => {
            let n = exec(
                include_str!("requests.sql"),
                &[&org, needle, ids, &request, marker],
            )
            .await?;
            receipts.push(("gdpr_requests", n, true));
        }
        _ => {}
    }
    run.finish(tx, step, "", &receipts, None).await
}

/// Dead letters holding the subject's records are deleted: a letter of the organization
/// whose payload is an event of one of the contacts, or any letter whose payload holds
/// the address.
pub(super) async fn dead_letters(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    let step = EraseStep::DeadLetters;
    if run.is_done(step, "") {
        return Ok(());
    }
    let org = run.claimed.organization;
    let tx = run.begin(client, step).await?;
    let what = run.what("erasing dead letters");
    let rows = tx
        .query(include_str!("dead_letters.sql"), &[&org])
        .await
        .map_err(GdprError::db(what.clone()))?;
    let needle = run.subject.needle.as_bytes();
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| {
            let payload: &[u8] = r.get(1);
            holds_subject(payload, org, &run.subject.contact_ids, needle)
        })
        .map(|r| r.get(0))
        .collect();
    let n = if ids.is_empty() {
        0
    } else {
        tx.execute(include_str!("delete_dead_letters.sql"), &[&ids])
            .await
            .map_err(GdprError::db(what))?
    };
    run.finish(tx, step, "", &[("dead_letters", n, true)], None)
        .await
}

/// Whether a dead letter's payload (any bytes) is an event of the subject or holds the
/// address.
fn holds_subject(payload: &[u8], org: i64, contacts: &[i64], needle: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Ids {
        organization_id: Option<serde_json::Value>,
        contact_id: Option<serde_json::Value>,
    }
    let as_i64 = |v: &Option<serde_json::Value>| {
        v.as_ref().and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
    };
    if let Ok(ids) = serde_json::from_slice::<Ids>(payload)
        && as_i64(&ids.organization_id) == Some(org)
        && as_i64(&ids.contact_id).is_some_and(|c| contacts.contains(&c))
    {
        return true;
    }
    !needle.is_empty()
        && payload
            .to_ascii_lowercase()
            .windows(needle.len())
            .any(|w| w == needle)
}

/// The files of earlier exports about the subject are deleted, one export per unit
/// (their requests lose their location in the requests step).
pub(super) async fn exports(client: &mut Client, run: &mut Run<'_>) -> Result<(), GdprError> {
    let step = EraseStep::Exports;
    let org = run.claimed.organization;
    let requests: Vec<i64> = client
        .query(
            include_str!("exports.sql"),
            &[
                &org,
                &run.subject.needle,
                &run.marker,
                &run.subject.contact_ids,
            ],
        )
        .await
        .map_err(GdprError::db(run.what("listing earlier exports")))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let store = run.eraser.store;
    for request in requests {
        let prefix = export_prefix(org, request);
        if run.is_done(step, &prefix) {
            continue;
        }
        let location = store.path(&prefix);
        let files: Vec<Path> = store
            .object_store()
            .list(Some(&location))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(GdprError::store(&prefix))?;
        for file in &files {
            match store.object_store().delete(file).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(GdprError::store(file.to_string())(e)),
            }
        }
        let tx = run.begin(client, step).await?;
        let table = format!("export {prefix}");
        run.finish(
            tx,
            step,
            &prefix,
            &[(&table, files.len() as u64, true)],
            None,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::holds_subject;

    #[test]
    fn a_dead_letter_is_the_subjects_by_its_ids_or_by_the_address() {
        let ev = br#"{"organization_id": 7, "contact_id": 42, "event_type": "BOGUS"}"#;
        assert!(holds_subject(ev, 7, &[42], b""));
        assert!(!holds_subject(ev, 8, &[42], b""), "another organization's");
        assert!(!holds_subject(ev, 7, &[43], b"ada@example.com"));
        let text = br#"{"organization_id": "7", "contact_id": "42"}"#;
        assert!(holds_subject(text, 7, &[42], b""), "ids as strings");
        assert!(holds_subject(
            b"\xff garbage ADA@example.com",
            7,
            &[],
            b"ada@example.com"
        ));
        assert!(!holds_subject(b"\xff garbage", 7, &[], b""));
    }
}
