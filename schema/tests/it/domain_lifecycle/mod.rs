//! The CRUD domains end to end through the generated queries, as a tenant: create, get,
//! list (each filter, keyset pages), update, soft delete and restore; uniqueness among
//! live rows only; the audit trail the database writes for every change (who, what,
//! only the changed columns); the campaign and lead status flows, every pair of states;
//! bulk assignment.
//!
//! Here: the fixture every test starts from (a fresh database with two organizations and
//! a tenant transaction as one user) and the helpers that spell out the audit entries a
//! change should write. Each module below covers one seam.

mod access;
mod audit;
mod campaigns;
mod contacts;
mod flows;
mod forms;
mod landing;
mod leads;
mod organizations;
mod parameters;

use chrono::{DateTime, SecondsFormat, Utc};
// Spelled `domains::` where a domain shares its name with one of the modules above.
use schema::domains::{self, contact_lists};
use schema::{Actor, DomainError, OrganizationId, Tenant};
use serde::Serialize;
use serde_json::{Value, json};
use testkit::TestDb;
use tokio_postgres::{Client, Transaction};

/// The tenant the tests act as, and the other one (both made by `admin_create`).
pub(crate) const ORG: i64 = 1;
pub(crate) const OTHER: i64 = 2;
/// The user every tenant transaction acts for.
pub(crate) const USER: i64 = 7;
pub(crate) const NO_TEXT: Option<&str> = None;
pub(crate) const NO_ID: Option<i64> = None;
pub(crate) const ALL: i64 = 1_000;

/// A fresh database with two organizations and the permission vocabulary, and the
/// owner's connection to it.
pub(crate) struct World {
    pub(crate) client: Client,
    _db: TestDb,
}

pub(crate) async fn world() -> World {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    for (id, name, domain) in [
        (ORG, "Acme", "acme.example"),
        (OTHER, "Globex", "globex.example"),
    ] {
        let org = domains::organizations::admin_create()
            .bind(&client, &name, &Some(domain))
            .one()
            .await
            .unwrap();
        assert_eq!(org.id, id, "organization ids of a fresh database");
    }
    World { client, _db: db }
}

impl World {
    /// A transaction as user 7 of organization 1.
    pub(crate) async fn tx(&mut self) -> Transaction<'_> {
        self.tx_as(ORG, Actor::User(USER)).await
    }

    pub(crate) async fn tx_as(&mut self, org: i64, actor: Actor) -> Transaction<'_> {
        Tenant::new(OrganizationId(org), actor)
            .begin(&mut self.client)
            .await
            .unwrap()
    }

    /// The newest audit entry's id: what a later `expect_audit` counts from.
    pub(crate) async fn mark(&self) -> i64 {
        self.client
            .query_one("SELECT coalesce(max(id), 0) FROM audit_logs", &[])
            .await
            .unwrap()
            .get(0)
    }

    pub(crate) async fn audit_since(&self, mark: i64) -> Vec<Entry> {
        self.client
            .query(
                "SELECT organization_id, action, entity_type, entity_id, actor, actor_user_id,
                        changes
                   FROM audit_logs WHERE id > $1 ORDER BY id",
                &[&mark],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| Entry {
                organization_id: r.get(0),
                action: r.get(1),
                entity_type: r.get(2),
                entity_id: r.get(3),
                actor: r.get(4),
                actor_user_id: r.get(5),
                changes: without_row_times(r.get(1), canonical(r.get(6))),
            })
            .collect()
    }

    /// Exactly these audit entries since `mark`, in any order.
    pub(crate) async fn expect_audit(&self, mark: i64, what: &str, expected: Vec<Entry>) {
        let mut actual = self.audit_since(mark).await;
        let mut expected = expected;
        actual.sort_by_key(Entry::key);
        expected.sort_by_key(Entry::key);
        assert_eq!(actual, expected, "{what}: audit entries");
    }
}

/// One audit_logs row, as the tests compare it.
#[derive(Debug, PartialEq)]
pub(crate) struct Entry {
    organization_id: i64,
    action: String,
    entity_type: String,
    entity_id: Option<i64>,
    actor: String,
    actor_user_id: Option<i64>,
    changes: Value,
}

impl Entry {
    fn key(&self) -> (String, Option<i64>, String, String) {
        (
            self.entity_type.clone(),
            self.entity_id,
            self.action.clone(),
            self.changes.to_string(),
        )
    }

    /// The same entry in another organization.
    pub(crate) fn in_org(self, organization_id: i64) -> Entry {
        Entry {
            organization_id,
            ..self
        }
    }

    /// The same entry by an actor that is not a user.
    pub(crate) fn by(self, actor: &str) -> Entry {
        Entry {
            actor: actor.to_owned(),
            actor_user_id: None,
            ..self
        }
    }
}

/// Timestamps in one spelling (Postgres writes `+00:00`, chrono `Z`), recursively.
fn canonical(value: Value) -> Value {
    match value {
        Value::String(s) => match DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Value::String(
                t.with_timezone(&Utc)
                    .to_rfc3339_opts(SecondsFormat::Micros, true),
            ),
            Err(_) => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        other => other,
    }
}

fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// A row as an audit entry holds it: every column without nulls (and, as the tests
/// compare it, without the row's own timestamps).
fn row_json(row: &impl Serialize) -> Value {
    let mut value = serde_json::to_value(row).unwrap();
    let map = value.as_object_mut().unwrap();
    map.remove("created_at");
    map.remove("updated_at");
    strip_nulls(value)
}

/// An insert's or delete's whole row holds its created_at and updated_at, which the
/// expectations written by hand cannot know: they are compared everywhere else.
fn without_row_times(action: &str, mut changes: Value) -> Value {
    if action == "insert" || action == "delete" {
        for side in ["new", "old"] {
            if let Some(row) = changes.get_mut(side).and_then(Value::as_object_mut) {
                row.remove("created_at");
                row.remove("updated_at");
            }
        }
    }
    changes
}

/// An entry by user 7 in organization 1.
pub(crate) fn entry(
    action: &str,
    entity_type: &str,
    entity_id: Option<i64>,
    changes: Value,
) -> Entry {
    Entry {
        organization_id: ORG,
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id,
        actor: format!("user:{USER}"),
        actor_user_id: Some(USER),
        changes: canonical(changes),
    }
}

pub(crate) fn inserted(entity_type: &str, row: &impl Serialize) -> Entry {
    let new = row_json(row);
    entry(
        "insert",
        entity_type,
        new["id"].as_i64(),
        json!({ "new": new }),
    )
}

pub(crate) fn updated(entity_type: &str, id: i64, old: Value, new: Value) -> Entry {
    entry(
        "update",
        entity_type,
        Some(id),
        json!({ "old": old, "new": new }),
    )
}

pub(crate) fn soft_deleted(entity_type: &str, id: i64, at: Option<DateTime<Utc>>) -> Entry {
    let at = at.expect("a soft-deleted row has deleted_at");
    entry(
        "soft_delete",
        entity_type,
        Some(id),
        json!({ "old": { "deleted_at": null }, "new": { "deleted_at": at } }),
    )
}

pub(crate) fn restored(entity_type: &str, id: i64, at: Option<DateTime<Utc>>) -> Entry {
    let at = at.expect("a restored row had deleted_at");
    entry(
        "restore",
        entity_type,
        Some(id),
        json!({ "old": { "deleted_at": at }, "new": { "deleted_at": null } }),
    )
}

pub(crate) fn deleted(entity_type: &str, row: &impl Serialize) -> Entry {
    let old = row_json(row);
    entry(
        "delete",
        entity_type,
        old["id"].as_i64(),
        json!({ "old": old }),
    )
}

pub(crate) fn ids<T>(rows: &[T], id: fn(&T) -> i64) -> Vec<i64> {
    rows.iter().map(id).collect()
}

/// `DomainError::Conflict` on `constraint`.
pub(crate) fn assert_conflict(
    result: Result<impl std::fmt::Debug, tokio_postgres::Error>,
    constraint: &str,
) {
    let err = DomainError::from_query("row", result.expect_err("a conflicting row was accepted"));
    assert!(
        matches!(&err, DomainError::Conflict { constraint: c } if c == constraint),
        "expected a conflict on {constraint}, got {err:?}"
    );
}

/// A contact made in its own transaction (so each has its own created_at).
pub(crate) async fn new_contact(
    w: &mut World,
    list: i64,
    email: &str,
    first_name: &str,
) -> domains::contacts::Contact {
    let tx = w.tx().await;
    let contact = domains::contacts::create()
        .bind(
            &tx,
            &list,
            &email,
            &Some(first_name),
            &NO_TEXT,
            &NO_TEXT,
            &json!({"source": "test"}),
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    contact
}

pub(crate) async fn new_list(w: &mut World, name: &str) -> i64 {
    let tx = w.tx().await;
    let list = contact_lists::create()
        .bind(&tx, &name, &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    list.id
}

pub(crate) async fn new_campaign(
    tx: &Transaction<'_>,
    name: &str,
    slug: Option<&str>,
) -> domains::campaigns::Campaign {
    domains::campaigns::create()
        .bind(tx, &name, &NO_ID, &NO_ID, &NO_ID, &slug)
        .one()
        .await
        .unwrap()
}
