//! Export: everything held about a subject, as one JSON document and a CSV file per
//! table, written to the object store under the archive URL. The CRUD rows and the
//! events still in the database are read as the tenant (row-level security), the
//! archived events from the archive's Parquet objects, without restoring them.

use std::collections::{BTreeMap, HashSet};

use archiver::{ArchiveStore, ArchivedEvent, SubjectRows};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use object_store::{ObjectStoreExt as _, PutPayload};
use schema::{Actor, OrganizationId, Tenant};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio_postgres::Client;
use tracing::instrument;

use crate::request::{Claimed, SubjectKind};
use crate::subject::Resolved;
use crate::{GdprError, Progress, Stage};

/// The name of the JSON document among an export's files.
pub const DOCUMENT: &str = "export.json";

/// The format the document declares, changed when its shape changes.
const FORMAT: &str = "tally-gdpr-export/1";

/// Where an export was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLocation {
    /// The document's URL: the archive URL and its key.
    pub url: String,
    /// The keys of its files (the document first, then one CSV per table), relative to
    /// the archive URL.
    pub keys: Vec<String>,
}

/// The key prefix of the files of request `request` of `organization`.
pub fn export_prefix(organization: i64, request: i64) -> String {
    format!("gdpr/exports/organization={organization}/request={request}/")
}

/// One file of an export: `export.json` or `<table>.csv`, as [`ExportLocation::keys`]
/// lists them; None when the export has no such file (or was erased since).
pub async fn read_export(
    store: &ArchiveStore,
    organization: i64,
    request: i64,
    file: &str,
) -> Result<Option<Bytes>, GdprError> {
    if file.is_empty() || file.contains('/') {
        return Ok(None);
    }
    let key = format!("{}{file}", export_prefix(organization, request));
    match store.object_store().get(&store.path(&key)).await {
        Ok(got) => Ok(Some(got.bytes().await.map_err(GdprError::store(&key))?)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(GdprError::store(key)(e)),
    }
}

/// An event in the export, from the database or from the archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct ExportedEvent {
    event_id: uuid::Uuid,
    organization_id: i64,
    campaign_id: i64,
    contact_id: i64,
    event_type: String,
    occurred_at: DateTime<Utc>,
    ip_address: Option<String>,
    event_data: Value,
    received_at: DateTime<Utc>,
    /// `database`, or the archived object's key.
    stored_in: String,
}

impl ExportedEvent {
    fn of(e: ArchivedEvent, stored_in: String) -> Result<ExportedEvent, GdprError> {
        let event_data =
            serde_json::from_str(&e.event_data).map_err(|source| GdprError::BadEventData {
                place: stored_in.clone(),
                source,
            })?;
        Ok(ExportedEvent {
            event_id: e.event_id,
            organization_id: e.organization_id,
            campaign_id: e.campaign_id,
            contact_id: e.contact_id,
            event_type: e.event_type,
            occurred_at: e.occurred_at,
            ip_address: e.ip_address,
            event_data,
            received_at: e.received_at,
            stored_in,
        })
    }
}

/// What an export wrote, for the request's audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exported {
    pub location: ExportLocation,
    /// Rows per table.
    pub rows: BTreeMap<String, usize>,
}

/// Reads everything about `subject` and writes the export of `claimed`.
#[instrument(skip_all, fields(organization = claimed.organization, request = claimed.id))]
pub(crate) async fn export(
    client: &mut Client,
    store: &ArchiveStore,
    claimed: &Claimed,
    subject: &Resolved,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Exported, GdprError> {
    progress(Progress::of(Stage::ReadingDatabase));
    let (mut tables, hot) = read_database(client, claimed, subject).await?;
    let mut events = hot;
    if subject.kind == SubjectKind::Contact && !subject.contact_ids.is_empty() {
        // Listed after the database was read: a day dropped since was in the manifest
        // before its rows left the database, so every event is read once or twice (the
        // same row from both places, kept once) and never missed.
        let archived = read_archive(client, store, subject, progress).await?;
        let seen: HashSet<(uuid::Uuid, DateTime<Utc>)> =
            events.iter().map(|e| (e.event_id, e.occurred_at)).collect();
        events.extend(
            archived
                .into_iter()
                .filter(|e| !seen.contains(&(e.event_id, e.occurred_at))),
        );
        events.sort_by_key(|e| (e.occurred_at, e.event_id));
        let events = serde_json::to_value(&events).map_err(|e| GdprError::Encode {
            format: "JSON",
            reason: e.to_string(),
        })?;
        tables.insert("events".into(), events);
    }
    progress(Progress::of(Stage::Writing));
    write(store, claimed, tables).await
}

/// The CRUD rows and the events in the database, read as the tenant in one transaction.
async fn read_database(
    client: &mut Client,
    claimed: &Claimed,
    subject: &Resolved,
) -> Result<(Map<String, Value>, Vec<ExportedEvent>), GdprError> {
    let what = || {
        format!(
            "reading the subject of request {} of organization {}",
            claimed.id, claimed.organization
        )
    };
    let tenant = Tenant::new(OrganizationId(claimed.organization), Actor::Process("gdpr"));
    let tx = tenant.begin(client).await.map_err(GdprError::db(what()))?;
    // Timestamps in the document in one zone, whatever the server's default.
    tx.batch_execute("SET LOCAL TimeZone = 'UTC'")
        .await
        .map_err(GdprError::db(what()))?;
    let (document, events) = match (subject.kind, subject.user_id) {
        (SubjectKind::Contact, _) => {
            let doc: Value = tx
                .query_one(
                    include_str!("export/contact_records.sql"),
                    &[&subject.contact_ids, &subject.needle],
                )
                .await
                .map_err(GdprError::db(what()))?
                .get(0);
            let rows = tx
                .query(include_str!("export/events.sql"), &[&subject.contact_ids])
                .await
                .map_err(GdprError::db(what()))?;
            let events = rows
                .iter()
                .map(|r| {
                    ExportedEvent::of(
                        ArchivedEvent {
                            event_id: r.get(0),
                            organization_id: r.get(1),
                            campaign_id: r.get(2),
                            contact_id: r.get(3),
                            event_type: r.get(4),
                            occurred_at: r.get(5),
                            ip_address: r.get(6),
                            event_data: r.get(7),
                            received_at: r.get(8),
                        },
                        "database".into(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            (doc, events)
        }
        (SubjectKind::User, Some(user)) => {
            let doc: Value = tx
                .query_one(
                    include_str!("export/user_records.sql"),
                    &[&user, &subject.needle],
                )
                .await
                .map_err(GdprError::db(what()))?
                .get(0);
            (doc, Vec::new())
        }
        (SubjectKind::User, None) => (Value::Object(Map::new()), Vec::new()),
    };
    tx.commit().await.map_err(GdprError::db(what()))?;
    let tables = match document {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Ok((tables, events))
}

/// The subject's rows in every archived day's object.
async fn read_archive(
    client: &Client,
    store: &ArchiveStore,
    subject: &Resolved,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<ExportedEvent>, GdprError> {
    let manifest = archiver::list(client).await?;
    let rows = SubjectRows {
        organization_id: subject.organization,
        contact_ids: subject.contact_ids.iter().copied().collect(),
    };
    let mut found = Vec::new();
    for (done, entry) in manifest.iter().enumerate() {
        progress(Progress {
            stage: Stage::ReadingArchive,
            done: done as u64,
            total: manifest.len() as u64,
        });
        for e in archiver::subject_events(store, entry, &rows).await? {
            found.push(ExportedEvent::of(e, entry.key.clone())?);
        }
    }
    Ok(found)
}

/// Writes the document and the CSV files; the document last, so a document that exists
/// belongs to a complete export.
async fn write(
    store: &ArchiveStore,
    claimed: &Claimed,
    tables: Map<String, Value>,
) -> Result<Exported, GdprError> {
    let prefix = export_prefix(claimed.organization, claimed.id);
    let mut keys = vec![format!("{prefix}{DOCUMENT}")];
    let mut rows = BTreeMap::new();
    for (table, value) in &tables {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        rows.insert(table.clone(), items.len());
        let key = format!("{prefix}{table}.csv");
        put(store, &key, csv(items)?).await?;
        keys.push(key);
    }
    let document = serde_json::json!({
        "format": FORMAT,
        "organization_id": claimed.organization,
        "request_id": claimed.id,
        "subject": {"kind": claimed.subject.kind.as_str(), "email": claimed.subject.email},
        "generated_at": Utc::now(),
        "tables": tables,
    });
    let body = serde_json::to_vec_pretty(&document).map_err(|e| GdprError::Encode {
        format: "JSON",
        reason: e.to_string(),
    })?;
    put(store, &keys[0], body).await?;
    let url = format!("{}/{}", store.url().trim_end_matches('/'), keys[0]);
    tracing::info!(
        organization = claimed.organization,
        request = claimed.id,
        url,
        files = keys.len(),
        "export written"
    );
    Ok(Exported {
        location: ExportLocation { url, keys },
        rows,
    })
}

async fn put(store: &ArchiveStore, key: &str, body: Vec<u8>) -> Result<(), GdprError> {
    store
        .object_store()
        .put(&store.path(key), PutPayload::from(body))
        .await
        .map_err(GdprError::store(key))?;
    Ok(())
}

/// A table's rows as CSV: a column per key (in the order keys first appear), strings as
/// they are, null as an empty field, anything else as JSON.
fn csv(rows: &[Value]) -> Result<Vec<u8>, GdprError> {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        if let Value::Object(map) = row {
            for k in map.keys() {
                if !columns.contains(&k.as_str()) {
                    columns.push(k);
                }
            }
        }
    }
    if columns.is_empty() {
        // No row, no column: an empty file rather than one empty field.
        return Ok(Vec::new());
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| GdprError::Encode {
        format: "CSV",
        reason: e.to_string(),
    };
    out.write_record(&columns).map_err(fail)?;
    for row in rows {
        let cells = columns.iter().map(|c| match row.get(*c) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        });
        out.write_record(cells).map_err(fail)?;
    }
    out.into_inner().map_err(|e| fail(e.into_error().into()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn csv_has_a_column_per_key_and_json_for_nested_values() {
        let rows = [
            json!({"id": 1, "email": "a@b.c", "data": {"k": [1, 2]}}),
            json!({"id": 2, "notes": "line, with \"quotes\"", "email": null}),
        ];
        let text = String::from_utf8(csv(&rows).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            text,
            "data,email,id,notes\n\"{\"\"k\"\":[1,2]}\",a@b.c,1,\n,,2,\"line, with \"\"quotes\"\"\"\n"
        );
        assert_eq!(csv(&[]).unwrap_or_default(), b"");
    }

    #[test]
    fn export_files_live_under_the_request() {
        assert_eq!(
            export_prefix(7, 12),
            "gdpr/exports/organization=7/request=12/"
        );
    }
}
