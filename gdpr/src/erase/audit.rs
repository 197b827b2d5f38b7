//! The audit trail: entries about the subject's rows keep their shape with every
//! personal value replaced by `"[erased]"`, entries anywhere else in the organization
//! lose the address wherever it appears, and entries about the subject or made by their
//! user account lose the client's address and user agent. The append-only trigger lets
//! exactly this through, in a transaction that set `tally.gdpr_erasing` (migration 0020).

use serde_json::Value;
use tokio_postgres::Client;

use super::{EraseStep, Run};
use crate::GdprError;
use crate::redact::AuditRedaction;

/// The personal columns of an audited table's rows, as its audit entries show them.
fn personal_columns(entity_type: &str) -> &'static [&'static str] {
    match entity_type {
        "contacts" => &[
            "email",
            "first_name",
            "last_name",
            "phone",
            "attributes",
            "validation_details",
        ],
        "leads" => &["notes"],
        "form_responses" => &["response_data", "ip_address", "user_agent"],
        "gdpr_requests" => &["subject_email"],
        "users" => &["email", "full_name", "password_hash"],
        // An assignment holds no personal column; its entries still lose the PII keys
        // and the address.
        _ => &[],
    }
}

/// Redacts the entries [`EraseStep::AuditLogs`] (everything about the subject, and the
/// address anywhere) or [`EraseStep::RequestAudit`] (the entries of the subject's GDPR
/// requests, written while the requests step replaced their address) call for.
pub(super) async fn redact(
    client: &mut Client,
    run: &mut Run<'_>,
    step: EraseStep,
) -> Result<(), GdprError> {
    if run.is_done(step, "") {
        return Ok(());
    }
    let (org, id) = (run.claimed.organization, run.claimed.id);
    let what = run.what("redacting the audit trail");
    let ids = &run.subject.contact_ids;
    let mut about: Vec<(&str, i64)> = Vec::new();
    let (needle, user) = if step == EraseStep::AuditLogs {
        let related = client
            .query_one(
                include_str!("related.sql"),
                &[&org, ids, &run.subject.needle, &run.marker, &id],
            )
            .await
            .map_err(GdprError::db(what.clone()))?;
        about.extend(ids.iter().map(|i| ("contacts", *i)));
        for (i, table) in [
            "leads",
            "form_responses",
            "campaign_contact_assignments",
            "gdpr_requests",
        ]
        .into_iter()
        .enumerate()
        {
            let rows: Vec<i64> = related.get(i);
            about.extend(rows.into_iter().map(|r| (table, r)));
        }
        if let Some(user) = run.subject.user_id {
            about.push(("users", user));
        }
        (run.subject.needle.as_str(), run.subject.user_id)
    } else {
        let requests: Vec<i64> = client
            .query_one(include_str!("request_ids.sql"), &[&org, &run.marker])
            .await
            .map_err(GdprError::db(what.clone()))?
            .get(0);
        about.extend(requests.into_iter().map(|r| ("gdpr_requests", r)));
        ("", None)
    };
    let types: Vec<&str> = about.iter().map(|(t, _)| *t).collect();
    let entity_ids: Vec<i64> = about.iter().map(|(_, i)| *i).collect();

    let tx = run.begin(client, step).await?;
    // Transaction-local: the trigger lets this transaction's redaction through, no other.
    tx.execute("SELECT set_config('tally.gdpr_erasing', 'on', true)", &[])
        .await
        .map_err(GdprError::db(what.clone()))?;
    let entries = tx
        .query(
            include_str!("audit_entries.sql"),
            &[&org, &types, &entity_ids, &user, &needle],
        )
        .await
        .map_err(GdprError::db(what.clone()))?;
    let (mut changed_ids, mut changes, mut clears) = (Vec::new(), Vec::new(), Vec::new());
    for e in &entries {
        let entity_type: &str = e.get(1);
        let old: Value = e.get(2);
        let about_subject: bool = e.get(3);
        let by_subject: bool = e.get(4);
        let has_client: bool = e.get(5);
        let redaction = AuditRedaction {
            about_subject,
            columns: personal_columns(entity_type),
            pii_keys: run.eraser.pii_keys,
            needle,
        };
        let new = redaction.apply(&old);
        let clear = (about_subject || by_subject) && has_client;
        if new != old || clear {
            changed_ids.push(e.get::<_, i64>(0));
            changes.push(new);
            clears.push(clear);
        }
    }
    let n = if changed_ids.is_empty() {
        0
    } else {
        tx.execute(
            include_str!("audit_update.sql"),
            &[&org, &changed_ids, &changes, &clears],
        )
        .await
        .map_err(GdprError::db(what))?
    };
    run.finish(tx, step, "", &[("audit_logs", n, true)], None)
        .await
}
