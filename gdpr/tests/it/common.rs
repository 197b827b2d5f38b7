//! The tests' world: a migrated database seeded with the fixture, whose two oldest days
//! are archived to a local object store in a temporary directory, and independent ways
//! to look at everything it holds.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use archiver::{ArchivePolicy, ArchiveStore};
use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use chrono::{DateTime, Utc};
use gdpr::{ErasureKey, GdprConfig, GdprError, Outcome, Subject, SubjectKind};
use schema::GdprRequestType;
use serde_json::Value;
use testkit::{TestDb, at};
use tokio_postgres::Client;

pub const FIXTURE: &str = include_str!("fixture.sql");

/// The clock: the archive line is 2024-11-21, so the fixture's two 2024 days are
/// archived and its two 2026 days stay in the database.
pub fn now() -> DateTime<Utc> {
    at("2026-11-21T04:00:00Z")
}

/// The subject's address, as requests give it (another case than stored).
pub const ADA: &str = "ADA.Lovelace@example.com";

/// What must not be found anywhere once Ada is erased (lower-case; searched for in
/// lower-cased text): her address, IP addresses, names, phone, city, browser.
pub const NEEDLES: [&str; 8] = [
    "ada.lovelace@example.com",
    "203.0.113.77",
    "198.51.100.77",
    "adaqz",
    "lovelacqz",
    "londqz",
    "+44 7700 900123",
    "adaqzbrowser",
];

/// Ada's contacts in organization 1.
pub const ADA_CONTACTS: [i64; 2] = [100, 101];

pub fn key() -> ErasureKey {
    ErasureKey::new("a test key that is at least 32 bytes long").unwrap()
}

/// A directory removed when the test ends.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tally-gdpr-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct World {
    /// Kept for its lifetime: the database is dropped with it.
    pub _db: TestDb,
    pub client: Client,
    pub dir: TempDir,
    pub store: ArchiveStore,
    pub config: GdprConfig,
}

/// A fresh database with the fixture, its 2024 days archived and dropped.
pub async fn world() -> World {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(FIXTURE).await.unwrap();
    let dir = TempDir::new();
    let store = archiver::open_store(&format!("file://{}", dir.0.display())).unwrap();
    let report = archiver::archive(
        &mut client,
        &store,
        now(),
        &ArchivePolicy::default(),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        report.days_dropped, 2,
        "the fixture's 2024 days are archived"
    );
    let config = GdprConfig::new(store.clone(), Some(key()));
    World {
        _db: db,
        client,
        dir,
        store,
        config,
    }
}

/// Files a request about `email` in `org`.
pub async fn file(
    client: &Client,
    org: i64,
    request_type: GdprRequestType,
    kind: SubjectKind,
    email: &str,
) -> i64 {
    gdpr::file_request(
        client,
        org,
        request_type,
        &Subject {
            kind,
            email: email.to_owned(),
        },
    )
    .await
    .unwrap()
    .id
}

/// Carries out request `id` of `org`.
pub async fn process(
    client: &mut Client,
    config: &GdprConfig,
    org: i64,
    id: i64,
) -> Result<Outcome, GdprError> {
    gdpr::process_request(client, config, org, id, false, &|_| {}).await
}

/// Every (table, column, needle) where a needle is found, in every text, jsonb, inet and
/// bytea column of every table and partition, rows of organization 2 (another
/// controller, who keeps Ada's address) aside.
pub async fn scan_database(client: &Client) -> Vec<String> {
    let columns = client
        .query(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                    EXISTS (SELECT 1 FROM pg_attribute o WHERE o.attrelid = c.oid
                              AND o.attname = 'organization_id' AND NOT o.attisdropped)
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             JOIN pg_type t ON t.oid = a.atttypid
             WHERE c.relkind = 'r'
               AND (t.typcategory = 'S' OR t.typname IN ('jsonb', 'json', 'inet', 'bytea')
                    OR (t.typtype = 'd' AND t.typbasetype = 'text'::regtype))
             ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    let mut found = Vec::new();
    for col in &columns {
        let (table, column, ty, has_org): (String, String, String, bool) =
            (col.get(0), col.get(1), col.get(2), col.get(3));
        let text = if ty == "bytea" {
            format!("lower(encode({column}, 'escape'))")
        } else {
            format!("lower({column}::text)")
        };
        let others = if has_org {
            "AND organization_id IS DISTINCT FROM 2"
        } else {
            ""
        };
        for needle in NEEDLES {
            let sql = format!("SELECT count(*) FROM {table} WHERE strpos({text}, $1) > 0 {others}");
            let n: i64 = client.query_one(&sql, &[&needle]).await.unwrap().get(0);
            if n > 0 {
                found.push(format!("{table}.{column} holds {needle:?} in {n} row(s)"));
            }
        }
    }
    found
}

/// Every file of the store's directory: Parquet objects row by row (organization 2's
/// rows aside), anything else as text; where a needle is found.
pub fn scan_store(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for path in files(dir) {
        let name = path.display().to_string();
        if name.ends_with(".parquet") {
            for batch in read_parquet(&path) {
                let org = column::<Int64Array>(&batch, "organization_id");
                for i in 0..batch.num_rows() {
                    if org.value(i) == 2 {
                        continue;
                    }
                    for (f, field) in batch.schema().fields().iter().enumerate() {
                        let Some(s) = batch.column(f).as_any().downcast_ref::<StringArray>() else {
                            continue;
                        };
                        if s.is_null(i) {
                            continue;
                        }
                        let v = s.value(i).to_lowercase();
                        for needle in NEEDLES.iter().filter(|n| v.contains(*n)) {
                            found.push(format!("{name} row {i} {} holds {needle:?}", field.name()));
                        }
                    }
                }
            }
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_lowercase();
            for needle in NEEDLES.iter().filter(|n| text.contains(*n)) {
                found.push(format!("{name} holds {needle:?}"));
            }
        }
    }
    found
}

/// Every file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

pub fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> &'a T {
    batch
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

/// Ada's events in the archive's Parquet files: (contact, ip, event_data).
pub fn archived_subject_rows(dir: &Path) -> Vec<(i64, Option<String>, Value)> {
    let mut rows = Vec::new();
    for path in files(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
    {
        for batch in read_parquet(path) {
            let org = column::<Int64Array>(&batch, "organization_id");
            let contact = column::<Int64Array>(&batch, "contact_id");
            let ip = column::<StringArray>(&batch, "ip_address");
            let data = column::<StringArray>(&batch, "event_data");
            for i in 0..batch.num_rows() {
                if org.value(i) == 1 && ADA_CONTACTS.contains(&contact.value(i)) {
                    rows.push((
                        contact.value(i),
                        (!ip.is_null(i)).then(|| ip.value(i).to_owned()),
                        serde_json::from_str(data.value(i)).unwrap(),
                    ));
                }
            }
        }
    }
    rows
}

/// Keys with an `_at` suffix (timestamps of the run) removed, at any depth.
fn timeless(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.retain(|k, _| !k.ends_with("_at"));
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// Everything the erasure may touch, as comparable text: rows without the times of the
/// run (and without generated ids where reruns make different ones), the audit trail
/// without entries about GDPR requests and receipts (their history differs with the
/// number of runs), the manifest, and the store's files but the erasure log (an entry
/// per completed request: the requests' own bookkeeping).
pub async fn state(client: &Client, dir: &Path) -> String {
    let mut out = String::new();
    for (name, sql) in [
        (
            "contacts",
            "SELECT to_jsonb(t) - 'updated_at' - 'deleted_at' || jsonb_build_object('deleted', t.deleted_at IS NOT NULL) FROM contacts t ORDER BY organization_id, id",
        ),
        (
            "leads",
            "SELECT to_jsonb(t) - 'updated_at' FROM leads t ORDER BY organization_id, id",
        ),
        (
            "form_responses",
            "SELECT to_jsonb(t) FROM form_responses t ORDER BY organization_id, id",
        ),
        (
            "validation_logs",
            "SELECT to_jsonb(t) FROM validation_logs t ORDER BY organization_id, id",
        ),
        (
            "assignments",
            "SELECT to_jsonb(t) - 'updated_at' FROM campaign_contact_assignments t ORDER BY organization_id, id",
        ),
        (
            "events",
            "SELECT to_jsonb(t) FROM events t ORDER BY event_id",
        ),
        (
            "dead_letters",
            "SELECT to_jsonb(t) - 'received_at' FROM dead_letters t ORDER BY id",
        ),
        (
            "users",
            "SELECT to_jsonb(t) - 'updated_at' FROM users t ORDER BY id",
        ),
        (
            "memberships",
            "SELECT to_jsonb(t) - 'updated_at' FROM memberships t ORDER BY organization_id, id",
        ),
        (
            "erased",
            "SELECT jsonb_build_object('o', organization_id, 'c', contact_id, 'k', pii_keys) FROM gdpr_erased_contacts ORDER BY 1",
        ),
        (
            "manifest",
            "SELECT jsonb_build_object('day', day, 'key', object_key, 'rows', row_count, 'checksum', checksum) FROM archived_partitions ORDER BY day",
        ),
        (
            "audit",
            "SELECT jsonb_build_object('o', organization_id, 'type', entity_type, 'id', entity_id, 'action', action, 'actor', actor, 'changes', changes, 'ip', ip_address, 'ua', user_agent) FROM audit_logs WHERE entity_type NOT IN ('gdpr_requests', 'data_deletions') ORDER BY 1",
        ),
    ] {
        out.push_str(&format!("== {name}\n"));
        for row in client.query(sql, &[]).await.unwrap() {
            out.push_str(&timeless(row.get::<_, Value>(0)).to_string());
            out.push('\n');
        }
    }
    out.push_str("== files\n");
    for f in files(dir) {
        let rel = f.strip_prefix(dir).unwrap().display().to_string();
        if rel.starts_with(gdpr::ERASURE_LOG_PREFIX) {
            continue;
        }
        out.push_str(&rel);
        out.push('\n');
    }
    out
}

/// The receipts of a request: (table, rows), in the order written.
pub async fn receipts(client: &Client, org: i64, id: i64) -> Vec<(String, i64)> {
    client
        .query(
            "SELECT table_name, rows_deleted FROM data_deletions
             WHERE organization_id = $1 AND gdpr_request_id = $2 ORDER BY id",
            &[&org, &id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A request's status.
pub async fn status(
    client: &Client,
    org: i64,
    id: i64,
) -> (String, Option<String>, Option<String>) {
    let row = client
        .query_one(
            "SELECT status::text, result_location, error FROM gdpr_requests
             WHERE organization_id = $1 AND id = $2",
            &[&org, &id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}
