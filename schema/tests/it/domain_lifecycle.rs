//! The CRUD domains end to end through the generated queries, as a tenant: create, get,
//! list (each filter, keyset pages), update, soft delete and restore; uniqueness among
//! live rows only; the audit trail the database writes for every change (who, what,
//! only the changed columns); the campaign and lead status flows, every pair of states;
//! bulk assignment.

use chrono::{DateTime, SecondsFormat, Utc};
use schema::domains::{
    assignments, audit, campaigns, contact_lists, contacts, email_templates, form_fields,
    form_responses, forms, gdpr, leads, organizations, roles, users, validation,
};
use schema::{
    Actor, AssignmentStatus, CampaignStatus, DomainError, GdprRequestStatus, GdprRequestType,
    LeadStatus, OrganizationId, PgEnum, Tenant, ValidationStatus,
};
use serde::Serialize;
use serde_json::{Value, json};
use testkit::TestDb;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Transaction};

use crate::common::app_tx;

/// The tenant the tests act as, and the other one (both made by `admin_create`).
const ORG: i64 = 1;
const OTHER: i64 = 2;
/// The user every tenant transaction acts for.
const USER: i64 = 7;
const NO_TEXT: Option<&str> = None;
const NO_ID: Option<i64> = None;
const ALL: i64 = 1_000;

/// A fresh database with two organizations and the permission vocabulary, and the
/// owner's connection to it.
struct World {
    client: Client,
    _db: TestDb,
}

async fn world() -> World {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    for (id, name, domain) in [
        (ORG, "Acme", "acme.example"),
        (OTHER, "Globex", "globex.example"),
    ] {
        let org = organizations::admin_create()
            .bind(&client, &name, &Some(domain))
            .one()
            .await
            .unwrap();
        assert_eq!(org.id, id, "organization ids of a fresh database");
    }
    client
        .batch_execute(
            "INSERT INTO permissions (key, description) VALUES
                 ('campaign.read', 'See campaigns'), ('campaign.write', 'Edit campaigns'),
                 ('contact.write', 'Edit contacts')",
        )
        .await
        .unwrap();
    World { client, _db: db }
}

impl World {
    /// A transaction as user 7 of organization 1.
    async fn tx(&mut self) -> Transaction<'_> {
        self.tx_as(ORG, Actor::User(USER)).await
    }

    async fn tx_as(&mut self, org: i64, actor: Actor) -> Transaction<'_> {
        Tenant::new(OrganizationId(org), actor)
            .begin(&mut self.client)
            .await
            .unwrap()
    }

    /// The newest audit entry's id: what a later `expect_audit` counts from.
    async fn mark(&self) -> i64 {
        self.client
            .query_one("SELECT coalesce(max(id), 0) FROM audit_logs", &[])
            .await
            .unwrap()
            .get(0)
    }

    async fn audit_since(&self, mark: i64) -> Vec<Entry> {
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
                changes: canonical(r.get(6)),
            })
            .collect()
    }

    /// Exactly these audit entries since `mark`, in any order.
    async fn expect_audit(&self, mark: i64, what: &str, expected: Vec<Entry>) {
        let mut actual = self.audit_since(mark).await;
        let mut expected = expected;
        actual.sort_by_key(Entry::key);
        expected.sort_by_key(Entry::key);
        assert_eq!(actual, expected, "{what}: audit entries");
    }
}

/// One audit_logs row, as the tests compare it.
#[derive(Debug, PartialEq)]
struct Entry {
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
    fn in_org(self, organization_id: i64) -> Entry {
        Entry {
            organization_id,
            ..self
        }
    }

    /// The same entry by an actor that is not a user.
    fn by(self, actor: &str) -> Entry {
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

/// A row as an audit entry holds it: every column but the bookkeeping timestamps,
/// without nulls.
fn row_json(row: &impl Serialize) -> Value {
    let mut value = serde_json::to_value(row).unwrap();
    let map = value.as_object_mut().unwrap();
    map.remove("created_at");
    map.remove("updated_at");
    strip_nulls(value)
}

/// An entry by user 7 in organization 1.
fn entry(action: &str, entity_type: &str, entity_id: Option<i64>, changes: Value) -> Entry {
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

fn inserted(entity_type: &str, row: &impl Serialize) -> Entry {
    let new = row_json(row);
    entry(
        "insert",
        entity_type,
        new["id"].as_i64(),
        json!({ "new": new }),
    )
}

fn updated(entity_type: &str, id: i64, old: Value, new: Value) -> Entry {
    entry(
        "update",
        entity_type,
        Some(id),
        json!({ "old": old, "new": new }),
    )
}

fn soft_deleted(entity_type: &str, id: i64, at: Option<DateTime<Utc>>) -> Entry {
    let at = at.expect("a soft-deleted row has deleted_at");
    entry(
        "soft_delete",
        entity_type,
        Some(id),
        json!({ "old": { "deleted_at": null }, "new": { "deleted_at": at } }),
    )
}

fn restored(entity_type: &str, id: i64, at: Option<DateTime<Utc>>) -> Entry {
    let at = at.expect("a restored row had deleted_at");
    entry(
        "restore",
        entity_type,
        Some(id),
        json!({ "old": { "deleted_at": at }, "new": { "deleted_at": null } }),
    )
}

fn deleted(entity_type: &str, row: &impl Serialize) -> Entry {
    let old = row_json(row);
    entry(
        "delete",
        entity_type,
        old["id"].as_i64(),
        json!({ "old": old }),
    )
}

fn ids<T>(rows: &[T], id: fn(&T) -> i64) -> Vec<i64> {
    rows.iter().map(id).collect()
}

/// `DomainError::Conflict` on `constraint`.
fn assert_conflict(result: Result<impl std::fmt::Debug, tokio_postgres::Error>, constraint: &str) {
    let err = DomainError::from_query("row", result.expect_err("a conflicting row was accepted"));
    assert!(
        matches!(&err, DomainError::Conflict { constraint: c } if c == constraint),
        "expected a conflict on {constraint}, got {err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Contact lists and contacts
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contact_lists_lifecycle() {
    let mut w = world().await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let mut made = Vec::new();
    for (name, description) in [
        ("Newsletter", Some("Opted in")),
        ("Trade show", None),
        ("Partners", None),
    ] {
        made.push(
            contact_lists::create()
                .bind(&tx, &name, &description)
                .one()
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        made.iter().map(|l| inserted("contact_lists", l)).collect(),
    )
    .await;
    let [first, second, third] = [made[0].id, made[1].id, made[2].id];

    let tx = w.tx().await;
    assert_eq!(
        contact_lists::get().bind(&tx, &first).opt().await.unwrap(),
        Some(made[0].clone())
    );
    let page = contact_lists::list().bind(&tx, &0, &2).all().await.unwrap();
    assert_eq!(ids(&page, |l| l.id), [first, second]);
    let page = contact_lists::list()
        .bind(&tx, &second, &2)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |l| l.id), [third], "the page after {second}");
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let renamed = contact_lists::update()
        .bind(&tx, &"Weekly newsletter", &Some("Opted in"), &first)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(renamed.name, "Weekly newsletter");
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "contact_lists",
            first,
            json!({"name": "Newsletter"}),
            json!({"name": "Weekly newsletter"}),
        )],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = contact_lists::soft_delete()
        .bind(&tx, &second)
        .one()
        .await
        .unwrap();
    assert_eq!(
        contact_lists::get().bind(&tx, &second).opt().await.unwrap(),
        None
    );
    let live = contact_lists::list()
        .bind(&tx, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(
        ids(&live, |l| l.id),
        [first, third],
        "a deleted list is not listed"
    );
    assert_eq!(
        contact_lists::soft_delete()
            .bind(&tx, &second)
            .opt()
            .await
            .unwrap(),
        None,
        "deleting twice"
    );
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete",
        vec![soft_deleted("contact_lists", second, gone.deleted_at)],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let back = contact_lists::restore()
        .bind(&tx, &second)
        .one()
        .await
        .unwrap();
    assert_eq!(back.deleted_at, None);
    assert_eq!(
        contact_lists::restore()
            .bind(&tx, &second)
            .opt()
            .await
            .unwrap(),
        None,
        "restoring a live list"
    );
    let live = contact_lists::list()
        .bind(&tx, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&live, |l| l.id), [first, second, third]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "restore",
        vec![restored("contact_lists", second, gone.deleted_at)],
    )
    .await;

    // The tenant reads a list's history, oldest first, and its whole trail, in pages.
    let tx = w.tx().await;
    let history = audit::for_entity()
        .bind(&tx, &"contact_lists", &Some(second), &0, &ALL)
        .all()
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["insert", "soft_delete", "restore"]);
    let page = audit::for_entity()
        .bind(&tx, &"contact_lists", &Some(second), &history[0].id, &1)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |e| e.id), [history[1].id]);
    let trail = audit::list().bind(&tx, &0, &ALL).all().await.unwrap();
    assert!(trail.iter().all(|e| e.organization_id == ORG));
    let trail_ids = ids(&trail, |e| e.id);
    assert!(history.iter().all(|e| trail_ids.contains(&e.id)));
    let rest = audit::list()
        .bind(&tx, &trail_ids[1], &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&rest, |e| e.id), trail_ids[2..]);
    tx.commit().await.unwrap();
}

/// A contact made in its own transaction (so each has its own created_at).
async fn new_contact(w: &mut World, list: i64, email: &str, first_name: &str) -> contacts::Contact {
    let tx = w.tx().await;
    let contact = contacts::create()
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

async fn new_list(w: &mut World, name: &str) -> i64 {
    let tx = w.tx().await;
    let list = contact_lists::create()
        .bind(&tx, &name, &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    list.id
}

#[tokio::test]
async fn contacts_lifecycle_filters_and_pages() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let other_list = new_list(&mut w, "Side").await;

    let mark = w.mark().await;
    let c1 = new_contact(&mut w, list, "ann@customer.example", "A").await;
    let c2 = new_contact(&mut w, list, "bob@customer.example", "Bob").await;
    let c3 = new_contact(&mut w, other_list, "cid@customer.example", "Cid").await;
    let c4 = new_contact(&mut w, list, "dee@customer.example", "Dee").await;
    w.expect_audit(
        mark,
        "create",
        [&c1, &c2, &c3, &c4]
            .iter()
            .map(|c| inserted("contacts", c))
            .collect(),
    )
    .await;
    assert!(
        c1.created_at < c2.created_at && c2.created_at < c3.created_at,
        "contacts made in separate transactions share created_at"
    );
    assert_eq!(c1.validation_status, ValidationStatus::pending);

    // The owner (the validation job) marks one valid: audited as the system.
    let mark = w.mark().await;
    w.client
        .execute(
            "UPDATE contacts SET validation_status = 'valid' WHERE id = $1",
            &[&c2.id],
        )
        .await
        .unwrap();
    w.expect_audit(
        mark,
        "the owner's change",
        vec![
            updated(
                "contacts",
                c2.id,
                json!({"validation_status": "pending"}),
                json!({"validation_status": "valid"}),
            )
            .by("system"),
        ],
    )
    .await;

    let tx = w.tx().await;
    assert_eq!(
        contacts::get().bind(&tx, &c1.id).opt().await.unwrap(),
        Some(c1.clone())
    );
    let list_ids = async |after: i64,
                          in_list: Option<i64>,
                          status: Option<ValidationStatus>,
                          from: Option<DateTime<Utc>>,
                          before: Option<DateTime<Utc>>,
                          limit: i64| {
        let rows = contacts::list()
            .bind(&tx, &after, &in_list, &status, &from, &before, &limit)
            .all()
            .await
            .unwrap();
        ids(&rows, |c| c.id)
    };
    assert_eq!(
        list_ids(0, None, None, None, None, ALL).await,
        [c1.id, c2.id, c3.id, c4.id]
    );
    assert_eq!(
        list_ids(0, Some(list), None, None, None, ALL).await,
        [c1.id, c2.id, c4.id],
        "by list"
    );
    assert_eq!(
        list_ids(0, None, Some(ValidationStatus::valid), None, None, ALL).await,
        [c2.id],
        "by status"
    );
    assert_eq!(
        list_ids(0, None, None, Some(c2.created_at), None, ALL).await,
        [c2.id, c3.id, c4.id],
        "created from"
    );
    assert_eq!(
        list_ids(0, None, None, None, Some(c2.created_at), ALL).await,
        [c1.id],
        "created before"
    );
    assert_eq!(
        list_ids(
            0,
            Some(list),
            Some(ValidationStatus::pending),
            Some(c1.created_at),
            Some(c4.created_at),
            ALL
        )
        .await,
        [c1.id],
        "every filter at once"
    );
    assert_eq!(
        list_ids(0, None, None, None, None, 2).await,
        [c1.id, c2.id],
        "first page"
    );
    assert_eq!(
        list_ids(c2.id, None, None, None, None, 2).await,
        [c3.id, c4.id],
        "the page after"
    );
    assert_eq!(
        list_ids(c1.id, Some(list), None, None, None, 1).await,
        [c2.id],
        "a page of a list"
    );
    tx.commit().await.unwrap();

    // An update of the first name only records the first name.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let renamed = contacts::update()
        .bind(
            &tx,
            &"ann@customer.example",
            &Some("B"),
            &NO_TEXT,
            &NO_TEXT,
            &json!({"source": "test"}),
            &c1.id,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(renamed.first_name.as_deref(), Some("B"));
    w.expect_audit(
        mark,
        "first name",
        vec![updated(
            "contacts",
            c1.id,
            json!({"first_name": "A"}),
            json!({"first_name": "B"}),
        )],
    )
    .await;

    // The same values again: no change, no audit entry.
    let mark = w.mark().await;
    let tx = w.tx().await;
    contacts::update()
        .bind(
            &tx,
            &"ann@customer.example",
            &Some("B"),
            &NO_TEXT,
            &NO_TEXT,
            &json!({"source": "test"}),
            &c1.id,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(mark, "a no-op update", vec![]).await;

    // Soft delete: gone from get and list, and its address is free in its list.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = contacts::soft_delete()
        .bind(&tx, &c1.id)
        .one()
        .await
        .unwrap();
    assert_eq!(contacts::get().bind(&tx, &c1.id).opt().await.unwrap(), None);
    let live = contacts::list()
        .bind(&tx, &0, &Some(list), &None, &None, &None, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&live, |c| c.id), [c2.id, c4.id]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete",
        vec![soft_deleted("contacts", c1.id, gone.deleted_at)],
    )
    .await;

    let again = new_contact(&mut w, list, "ANN@customer.example", "Ann").await;

    // Restoring the old one while the new one is live: a conflict, nothing changes.
    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_conflict(
        contacts::restore().bind(&tx, &c1.id).opt().await,
        "contacts_list_email_key",
    );
    tx.rollback().await.unwrap();
    w.expect_audit(mark, "a refused restore", vec![]).await;

    // Once the new one is deleted, the old one comes back.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let again_gone = contacts::soft_delete()
        .bind(&tx, &again.id)
        .one()
        .await
        .unwrap();
    let back = contacts::restore().bind(&tx, &c1.id).one().await.unwrap();
    assert_eq!(
        contacts::get().bind(&tx, &c1.id).opt().await.unwrap(),
        Some(back)
    );
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "swap",
        vec![
            soft_deleted("contacts", again.id, again_gone.deleted_at),
            restored("contacts", c1.id, gone.deleted_at),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Email templates, forms, form fields
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn email_templates_are_versioned_by_name() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let create = async |name: &str, subject: &str| {
        email_templates::create()
            .bind(&tx, &name, &subject, &"<p>Hi</p>", &Some("Hi"))
            .one()
            .await
            .unwrap()
    };
    let v1 = create("welcome", "Welcome").await;
    let v2 = create("welcome", "Welcome, again").await;
    let other = create("offer", "An offer").await;
    tx.commit().await.unwrap();
    assert_eq!((v1.version, v2.version, other.version), (1, 2, 1));
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("email_templates", &v1),
            inserted("email_templates", &v2),
            inserted("email_templates", &other),
        ],
    )
    .await;

    let tx = w.tx().await;
    assert_eq!(
        email_templates::get()
            .bind(&tx, &v2.id)
            .opt()
            .await
            .unwrap(),
        Some(v2.clone())
    );
    let page = email_templates::list()
        .bind(&tx, &0, &2)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |t| t.id), [v1.id, v2.id]);
    let page = email_templates::list()
        .bind(&tx, &v2.id, &2)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |t| t.id), [other.id]);
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = email_templates::soft_delete()
        .bind(&tx, &v1.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        email_templates::get()
            .bind(&tx, &v1.id)
            .opt()
            .await
            .unwrap(),
        None
    );
    let live = email_templates::list()
        .bind(&tx, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&live, |t| t.id), [v2.id, other.id]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete",
        vec![soft_deleted("email_templates", v1.id, gone.deleted_at)],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let back = email_templates::restore()
        .bind(&tx, &v1.id)
        .one()
        .await
        .unwrap();
    assert_eq!(back.version, 1);
    let v3 = create_in(&tx, "welcome").await;
    assert_eq!(v3.version, 3, "the next version after 1 and 2");
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "restore",
        vec![
            restored("email_templates", v1.id, gone.deleted_at),
            inserted("email_templates", &v3),
        ],
    )
    .await;
}

async fn create_in(tx: &Transaction<'_>, name: &str) -> email_templates::EmailTemplate {
    email_templates::create()
        .bind(tx, &name, &"Subject", &"<p>Body</p>", &NO_TEXT)
        .one()
        .await
        .unwrap()
}

#[tokio::test]
async fn forms_and_their_fields_lifecycle() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let mut made = Vec::new();
    for name in ["Demo request", "Quote", "Survey"] {
        made.push(
            forms::create()
                .bind(&tx, &name, &Some("landing page"))
                .one()
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        made.iter().map(|f| inserted("forms", f)).collect(),
    )
    .await;
    let [f1, f2, f3] = [made[0].id, made[1].id, made[2].id];

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        forms::get().bind(&tx, &f1).opt().await.unwrap(),
        Some(made[0].clone())
    );
    assert_eq!(
        ids(&forms::list().bind(&tx, &0, &2).all().await.unwrap(), |f| f
            .id),
        [f1, f2]
    );
    assert_eq!(
        ids(
            &forms::list().bind(&tx, &f2, &2).all().await.unwrap(),
            |f| f.id
        ),
        [f3]
    );
    forms::update()
        .bind(&tx, &"Demo request", &NO_TEXT, &f1)
        .one()
        .await
        .unwrap();
    let gone = forms::soft_delete().bind(&tx, &f2).one().await.unwrap();
    assert_eq!(forms::get().bind(&tx, &f2).opt().await.unwrap(), None);
    assert_eq!(
        ids(
            &forms::list().bind(&tx, &0, &ALL).all().await.unwrap(),
            |f| f.id
        ),
        [f1, f3]
    );
    forms::restore().bind(&tx, &f2).one().await.unwrap();
    assert!(forms::get().bind(&tx, &f2).opt().await.unwrap().is_some());
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "update, soft delete, restore",
        vec![
            updated(
                "forms",
                f1,
                json!({"description": "landing page"}),
                json!({"description": null}),
            ),
            soft_deleted("forms", f2, gone.deleted_at),
            restored("forms", f2, gone.deleted_at),
        ],
    )
    .await;

    // Fields, in display order.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let field = async |key: &str, position: i32, options: Option<Value>| {
        form_fields::create()
            .bind(
                &tx,
                &f1,
                &key,
                &key.to_uppercase(),
                &"text",
                &true,
                &position,
                &options,
            )
            .one()
            .await
            .unwrap()
    };
    let email = field("email", 1, None).await;
    let size = field("size", 0, Some(json!(["1-10", "11+"]))).await;
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "fields",
        vec![
            inserted("form_fields", &email),
            inserted("form_fields", &size),
        ],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        form_fields::get().bind(&tx, &email.id).opt().await.unwrap(),
        Some(email.clone())
    );
    let listed = form_fields::list().bind(&tx, &f1).all().await.unwrap();
    assert_eq!(ids(&listed, |f| f.id), [size.id, email.id], "by position");
    assert!(
        form_fields::list()
            .bind(&tx, &f3)
            .all()
            .await
            .unwrap()
            .is_empty()
    );
    let relabelled = form_fields::update()
        .bind(
            &tx,
            &"Work email",
            &"email",
            &true,
            &1,
            &None::<Value>,
            &email.id,
        )
        .one()
        .await
        .unwrap();
    assert_eq!(relabelled.label, "Work email");
    let gone = form_fields::soft_delete()
        .bind(&tx, &email.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        form_fields::get().bind(&tx, &email.id).opt().await.unwrap(),
        None
    );
    assert_eq!(
        ids(
            &form_fields::list().bind(&tx, &f1).all().await.unwrap(),
            |f| f.id
        ),
        [size.id]
    );
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "field update, soft delete",
        vec![
            updated(
                "form_fields",
                email.id,
                json!({"label": "EMAIL", "field_type": "text"}),
                json!({"label": "Work email", "field_type": "email"}),
            ),
            soft_deleted("form_fields", email.id, gone.deleted_at),
        ],
    )
    .await;

    // The key of a deleted field is free; restoring the old one then conflicts.
    let tx = w.tx().await;
    let email_again = form_fields::create()
        .bind(
            &tx,
            &f1,
            &"email",
            &"Email",
            &"email",
            &true,
            &2,
            &None::<Value>,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = w.tx().await;
    assert_conflict(
        form_fields::restore().bind(&tx, &email.id).opt().await,
        "form_fields_key_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx().await;
    form_fields::soft_delete()
        .bind(&tx, &email_again.id)
        .one()
        .await
        .unwrap();
    form_fields::restore()
        .bind(&tx, &email.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------

async fn new_campaign(tx: &Transaction<'_>, name: &str, slug: Option<&str>) -> campaigns::Campaign {
    campaigns::create()
        .bind(tx, &name, &NO_ID, &NO_ID, &NO_ID, &slug)
        .one()
        .await
        .unwrap()
}

#[tokio::test]
async fn campaigns_lifecycle_and_slugs() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let tx = w.tx().await;
    let template = create_in(&tx, "welcome").await;
    let form = forms::create()
        .bind(&tx, &"Demo", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let spring = campaigns::create()
        .bind(
            &tx,
            &"Spring",
            &Some(template.id),
            &Some(form.id),
            &Some(list),
            &Some("spring"),
        )
        .one()
        .await
        .unwrap();
    let summer = new_campaign(&tx, "Summer", Some("summer")).await;
    let autumn = new_campaign(&tx, "Autumn", None).await;
    tx.commit().await.unwrap();
    assert_eq!(spring.status, CampaignStatus::draft);
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("campaigns", &spring),
            inserted("campaigns", &summer),
            inserted("campaigns", &autumn),
        ],
    )
    .await;

    let tx = w.tx().await;
    assert_eq!(
        campaigns::get().bind(&tx, &spring.id).opt().await.unwrap(),
        Some(spring.clone())
    );
    assert_eq!(
        campaigns::get_by_slug()
            .bind(&tx, &"spring")
            .opt()
            .await
            .unwrap(),
        Some(spring.clone())
    );
    let scheduled = campaigns::move_to()
        .bind(&tx, &CampaignStatus::scheduled, &None, &summer.id)
        .one()
        .await
        .unwrap();
    let by_status = async |status: Option<CampaignStatus>, after: i64, limit: i64| {
        let rows = campaigns::list()
            .bind(&tx, &after, &status, &limit)
            .all()
            .await
            .unwrap();
        ids(&rows, |c| c.id)
    };
    assert_eq!(
        by_status(None, 0, ALL).await,
        [spring.id, summer.id, autumn.id]
    );
    assert_eq!(
        by_status(Some(CampaignStatus::draft), 0, ALL).await,
        [spring.id, autumn.id]
    );
    assert_eq!(
        by_status(Some(CampaignStatus::scheduled), 0, ALL).await,
        [summer.id]
    );
    assert_eq!(
        by_status(Some(CampaignStatus::active), 0, ALL).await,
        [] as [i64; 0]
    );
    assert_eq!(by_status(None, 0, 2).await, [spring.id, summer.id]);
    assert_eq!(by_status(None, summer.id, 2).await, [autumn.id]);
    assert_eq!(
        by_status(Some(CampaignStatus::draft), spring.id, 1).await,
        [autumn.id]
    );
    tx.commit().await.unwrap();
    assert!(scheduled.scheduled_at.is_some());

    let mark = w.mark().await;
    let tx = w.tx().await;
    let renamed = campaigns::update()
        .bind(
            &tx,
            &"Spring sale",
            &Some(template.id),
            &Some(form.id),
            &Some(list),
            &Some("spring"),
            &spring.id,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(renamed.name, "Spring sale");
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "campaigns",
            spring.id,
            json!({"name": "Spring"}),
            json!({"name": "Spring sale"}),
        )],
    )
    .await;

    // A live slug is taken in its organization only.
    let tx = w.tx().await;
    assert_conflict(
        campaigns::create()
            .bind(&tx, &"Copy", &NO_ID, &NO_ID, &NO_ID, &Some("spring"))
            .one()
            .await,
        "campaigns_landing_page_slug_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx_as(OTHER, Actor::User(USER)).await;
    let elsewhere = new_campaign(&tx, "Globex spring", Some("spring")).await;
    tx.commit().await.unwrap();
    assert_eq!(elsewhere.organization_id, OTHER);

    // Soft delete frees the slug; restoring the old one while a new one holds it conflicts.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = campaigns::soft_delete()
        .bind(&tx, &spring.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        campaigns::get().bind(&tx, &spring.id).opt().await.unwrap(),
        None
    );
    assert_eq!(
        campaigns::get_by_slug()
            .bind(&tx, &"spring")
            .opt()
            .await
            .unwrap(),
        None
    );
    assert_eq!(by_status_in(&tx, None).await, [summer.id, autumn.id]);
    let reused = new_campaign(&tx, "Spring again", Some("spring")).await;
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete, slug reused",
        vec![
            soft_deleted("campaigns", spring.id, gone.deleted_at),
            inserted("campaigns", &reused),
        ],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_conflict(
        campaigns::restore().bind(&tx, &spring.id).opt().await,
        "campaigns_landing_page_slug_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx().await;
    assert_eq!(
        campaigns::get().bind(&tx, &spring.id).opt().await.unwrap(),
        None
    );
    let reused_gone = campaigns::soft_delete()
        .bind(&tx, &reused.id)
        .one()
        .await
        .unwrap();
    let back = campaigns::restore()
        .bind(&tx, &spring.id)
        .one()
        .await
        .unwrap();
    assert_eq!(back.landing_page_slug.as_deref(), Some("spring"));
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "restore",
        vec![
            soft_deleted("campaigns", reused.id, reused_gone.deleted_at),
            restored("campaigns", spring.id, gone.deleted_at),
        ],
    )
    .await;
}

async fn by_status_in(tx: &Transaction<'_>, status: Option<CampaignStatus>) -> Vec<i64> {
    let rows = campaigns::list()
        .bind(tx, &0, &status, &ALL)
        .all()
        .await
        .unwrap();
    ids(&rows, |c| c.id)
}

// ---------------------------------------------------------------------------------------
// Status flows
// ---------------------------------------------------------------------------------------

/// The moves the campaign flow allows (staying in a state is not a move: it is accepted
/// and changes nothing).
const CAMPAIGN_MOVES: &[(CampaignStatus, CampaignStatus)] = &[
    (CampaignStatus::draft, CampaignStatus::scheduled),
    (CampaignStatus::scheduled, CampaignStatus::draft),
    (CampaignStatus::scheduled, CampaignStatus::active),
    (CampaignStatus::active, CampaignStatus::completed),
];

/// Allowed moves that reach a state from draft.
fn campaign_path(to: CampaignStatus) -> &'static [CampaignStatus] {
    match to {
        CampaignStatus::draft => &[],
        CampaignStatus::scheduled => &[CampaignStatus::scheduled],
        CampaignStatus::active => &[CampaignStatus::scheduled, CampaignStatus::active],
        CampaignStatus::completed => &[
            CampaignStatus::scheduled,
            CampaignStatus::active,
            CampaignStatus::completed,
        ],
    }
}

async fn move_campaign(
    w: &mut World,
    id: i64,
    to: CampaignStatus,
) -> Result<campaigns::Campaign, DomainError> {
    let tx = w.tx().await;
    match campaigns::move_to().bind(&tx, &to, &None, &id).opt().await {
        Ok(row) => {
            tx.commit().await.unwrap();
            Ok(row.unwrap_or_else(|| panic!("campaign {id} not found")))
        }
        Err(e) => {
            tx.rollback().await.unwrap();
            Err(DomainError::from_query("campaign", e))
        }
    }
}

#[tokio::test]
async fn every_pair_of_campaign_states() {
    let mut w = world().await;
    let mut checked = 0;
    for &from in CampaignStatus::ALL {
        for &to in CampaignStatus::ALL {
            let (f, t) = (from.as_str(), to.as_str());
            let tx = w.tx().await;
            let campaign = new_campaign(&tx, &format!("{f} to {t}"), None).await;
            tx.commit().await.unwrap();
            for &step in campaign_path(from) {
                move_campaign(&mut w, campaign.id, step).await.unwrap();
            }
            let tx = w.tx().await;
            let before = campaigns::get()
                .bind(&tx, &campaign.id)
                .one()
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(before.status, from);

            let mark = w.mark().await;
            let result = move_campaign(&mut w, campaign.id, to).await;
            if from == to {
                let after = result.unwrap_or_else(|e| panic!("staying {f}: {e}"));
                assert_eq!(after.status, to);
                w.expect_audit(mark, &format!("staying {f}"), vec![]).await;
            } else if CAMPAIGN_MOVES.contains(&(from, to)) {
                let after = result.unwrap_or_else(|e| panic!("{f} -> {t} refused: {e}"));
                assert_eq!(after.status, to, "{f} -> {t}");
            } else {
                match result {
                    Err(DomainError::StatusMove {
                        entity,
                        from: named_from,
                        to: named_to,
                    }) => {
                        assert_eq!(
                            (entity, named_from.as_str(), named_to.as_str()),
                            ("campaign", f, t),
                            "{f} -> {t}: the refusal names another move"
                        );
                    }
                    other => panic!("{f} -> {t}: expected a refused move, got {other:?}"),
                }
                let tx = w.tx().await;
                let after = campaigns::get()
                    .bind(&tx, &campaign.id)
                    .one()
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                assert_eq!(after, before, "{f} -> {t}: refused, yet the row changed");
                w.expect_audit(mark, &format!("{f} -> {t} refused"), vec![])
                    .await;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}

#[tokio::test]
async fn campaign_moves_keep_their_timestamps() {
    let mut w = world().await;
    let tx = w.tx().await;
    let c = new_campaign(&tx, "Launch", None).await;
    tx.commit().await.unwrap();

    // draft -> scheduled without a time: now.
    let mark = w.mark().await;
    let scheduled = move_campaign(&mut w, c.id, CampaignStatus::scheduled)
        .await
        .unwrap();
    let at = scheduled
        .scheduled_at
        .expect("scheduled_at set when scheduled");
    w.expect_audit(
        mark,
        "draft -> scheduled",
        vec![updated(
            "campaigns",
            c.id,
            json!({"status": "draft", "scheduled_at": null}),
            json!({"status": "scheduled", "scheduled_at": at}),
        )],
    )
    .await;

    // scheduled -> draft clears it.
    let draft = move_campaign(&mut w, c.id, CampaignStatus::draft)
        .await
        .unwrap();
    assert_eq!(draft.scheduled_at, None, "scheduled_at kept back in draft");

    // draft -> scheduled at a given time.
    let when = testkit::at("2030-01-02T03:04:05Z");
    let tx = w.tx().await;
    let scheduled = campaigns::move_to()
        .bind(&tx, &CampaignStatus::scheduled, &Some(when), &c.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(scheduled.scheduled_at, Some(when));
    assert_eq!(scheduled.started_at, None);

    let active = move_campaign(&mut w, c.id, CampaignStatus::active)
        .await
        .unwrap();
    let started = active.started_at.expect("started_at set when active");
    assert_eq!(active.scheduled_at, Some(when), "scheduled_at kept");
    assert_eq!(active.completed_at, None);

    let mark = w.mark().await;
    let done = move_campaign(&mut w, c.id, CampaignStatus::completed)
        .await
        .unwrap();
    let completed = done.completed_at.expect("completed_at set when completed");
    assert!(
        completed >= started,
        "completed {completed} before started {started}"
    );
    assert_eq!(done.started_at, Some(started));
    w.expect_audit(
        mark,
        "active -> completed",
        vec![updated(
            "campaigns",
            c.id,
            json!({"status": "active", "completed_at": null}),
            json!({"status": "completed", "completed_at": completed}),
        )],
    )
    .await;
}

const LEAD_MOVES: &[(LeadStatus, LeadStatus)] = &[
    (LeadStatus::new, LeadStatus::qualified),
    (LeadStatus::new, LeadStatus::disqualified),
    (LeadStatus::qualified, LeadStatus::contacted),
    (LeadStatus::contacted, LeadStatus::converted),
];

fn lead_path(to: LeadStatus) -> &'static [LeadStatus] {
    match to {
        LeadStatus::new => &[],
        LeadStatus::qualified => &[LeadStatus::qualified],
        LeadStatus::disqualified => &[LeadStatus::disqualified],
        LeadStatus::contacted => &[LeadStatus::qualified, LeadStatus::contacted],
        LeadStatus::converted => &[
            LeadStatus::qualified,
            LeadStatus::contacted,
            LeadStatus::converted,
        ],
    }
}

async fn move_lead(w: &mut World, id: i64, to: LeadStatus) -> Result<leads::Lead, DomainError> {
    let tx = w.tx().await;
    match leads::move_to().bind(&tx, &to, &id).opt().await {
        Ok(row) => {
            tx.commit().await.unwrap();
            Ok(row.unwrap_or_else(|| panic!("lead {id} not found")))
        }
        Err(e) => {
            tx.rollback().await.unwrap();
            Err(DomainError::from_query("lead", e))
        }
    }
}

#[tokio::test]
async fn every_pair_of_lead_states() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "lead@customer.example", "Lee").await;
    let mut checked = 0;
    for &from in LeadStatus::ALL {
        for &to in LeadStatus::ALL {
            let tx = w.tx().await;
            let lead = leads::create()
                .bind(&tx, &contact.id, &NO_ID, &NO_ID, &50, &NO_TEXT)
                .one()
                .await
                .unwrap();
            tx.commit().await.unwrap();
            for &step in lead_path(from) {
                move_lead(&mut w, lead.id, step).await.unwrap();
            }
            let tx = w.tx().await;
            let before = leads::get().bind(&tx, &lead.id).one().await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(before.status, from);

            let mark = w.mark().await;
            let result = move_lead(&mut w, lead.id, to).await;
            if from == to {
                let after = result.unwrap_or_else(|e| panic!("staying {from:?}: {e}"));
                assert_eq!(after.status, to);
                w.expect_audit(mark, &format!("staying {from:?}"), vec![])
                    .await;
            } else if LEAD_MOVES.contains(&(from, to)) {
                let after = result.unwrap_or_else(|e| panic!("{from:?} -> {to:?} refused: {e}"));
                assert_eq!(after.status, to);
                w.expect_audit(
                    mark,
                    &format!("{from:?} -> {to:?}"),
                    vec![updated(
                        "leads",
                        lead.id,
                        json!({"status": from.as_str()}),
                        json!({"status": to.as_str()}),
                    )],
                )
                .await;
            } else {
                match result {
                    Err(DomainError::StatusMove {
                        entity,
                        from: named_from,
                        to: named_to,
                    }) => assert_eq!(
                        (entity, named_from.as_str(), named_to.as_str()),
                        ("lead", from.as_str(), to.as_str()),
                        "{from:?} -> {to:?}: the refusal names another move"
                    ),
                    other => panic!("{from:?} -> {to:?}: expected a refused move, got {other:?}"),
                }
                let tx = w.tx().await;
                let after = leads::get().bind(&tx, &lead.id).one().await.unwrap();
                tx.commit().await.unwrap();
                assert_eq!(
                    after, before,
                    "{from:?} -> {to:?}: refused, yet the row changed"
                );
                w.expect_audit(mark, &format!("{from:?} -> {to:?} refused"), vec![])
                    .await;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 25);
}

#[tokio::test]
async fn the_application_creates_campaigns_as_draft_and_leads_as_new() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "lead@customer.example", "Lee").await;
    for status in CampaignStatus::ALL
        .iter()
        .filter(|s| **s != CampaignStatus::draft)
    {
        let tx = app_tx(&mut w.client, Some(ORG)).await;
        let result = tx
            .execute(
                "INSERT INTO campaigns (organization_id, name, status,
                                        scheduled_at, started_at, completed_at)
                 VALUES ($1, 'Raw', $2, now(), now(), now())",
                &[&ORG, status],
            )
            .await;
        tx.rollback().await.unwrap();
        match result.map_err(|e| DomainError::from_query("campaign", e)) {
            Err(DomainError::StatusMove { from, to, .. }) => {
                assert_eq!((from.as_str(), to.as_str()), ("none", status.as_str()));
            }
            other => panic!("a campaign created as {}: {other:?}", status.as_str()),
        }
    }
    for status in LeadStatus::ALL.iter().filter(|s| **s != LeadStatus::new) {
        let tx = app_tx(&mut w.client, Some(ORG)).await;
        let result = tx
            .execute(
                "INSERT INTO leads (organization_id, contact_id, status) VALUES ($1, $2, $3)",
                &[&ORG, &contact.id, status],
            )
            .await;
        tx.rollback().await.unwrap();
        match result.map_err(|e| DomainError::from_query("lead", e)) {
            Err(DomainError::StatusMove { from, to, .. }) => {
                assert_eq!((from.as_str(), to.as_str()), ("none", status.as_str()));
            }
            other => panic!("a lead created as {status:?}: {other:?}"),
        }
    }
    // The owner (simulation, data loads) writes history in any state.
    w.client
        .execute(
            "INSERT INTO campaigns (organization_id, name, status, started_at)
             VALUES ($1, 'Imported', 'active', now())",
            &[&ORG],
        )
        .await
        .unwrap();
    w.client
        .execute(
            "INSERT INTO leads (organization_id, contact_id, status) VALUES ($1, $2, 'converted')",
            &[&ORG, &contact.id],
        )
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Leads, form responses, assignments
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn leads_lifecycle() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "lead@customer.example", "Lee").await;
    let tx = w.tx().await;
    let campaign = new_campaign(&tx, "Spring", None).await;
    let form = forms::create()
        .bind(&tx, &"Demo", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let l1 = leads::create()
        .bind(
            &tx,
            &contact.id,
            &Some(campaign.id),
            &Some(form.id),
            &10,
            &Some("Called back"),
        )
        .one()
        .await
        .unwrap();
    let l2 = leads::create()
        .bind(&tx, &contact.id, &NO_ID, &NO_ID, &20, &NO_TEXT)
        .one()
        .await
        .unwrap();
    let l3 = leads::create()
        .bind(&tx, &contact.id, &Some(campaign.id), &NO_ID, &30, &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(l1.status, LeadStatus::new);
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("leads", &l1),
            inserted("leads", &l2),
            inserted("leads", &l3),
        ],
    )
    .await;
    move_lead(&mut w, l2.id, LeadStatus::qualified)
        .await
        .unwrap();

    let tx = w.tx().await;
    assert_eq!(
        leads::get().bind(&tx, &l1.id).opt().await.unwrap(),
        Some(l1.clone())
    );
    let listed =
        async |after: i64, status: Option<LeadStatus>, campaign: Option<i64>, limit: i64| {
            let rows = leads::list()
                .bind(&tx, &after, &status, &campaign, &limit)
                .all()
                .await
                .unwrap();
            ids(&rows, |l| l.id)
        };
    assert_eq!(listed(0, None, None, ALL).await, [l1.id, l2.id, l3.id]);
    assert_eq!(
        listed(0, Some(LeadStatus::new), None, ALL).await,
        [l1.id, l3.id]
    );
    assert_eq!(
        listed(0, Some(LeadStatus::qualified), None, ALL).await,
        [l2.id]
    );
    assert_eq!(
        listed(0, None, Some(campaign.id), ALL).await,
        [l1.id, l3.id]
    );
    assert_eq!(
        listed(0, Some(LeadStatus::new), Some(campaign.id), 1).await,
        [l1.id]
    );
    assert_eq!(listed(l1.id, None, None, 1).await, [l2.id]);
    assert_eq!(listed(l2.id, None, None, 5).await, [l3.id]);
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let scored = leads::update()
        .bind(&tx, &90, &Some("Called back"), &l1.id)
        .one()
        .await
        .unwrap();
    assert_eq!(scored.score, 90);
    let gone = leads::soft_delete().bind(&tx, &l3.id).one().await.unwrap();
    assert_eq!(leads::get().bind(&tx, &l3.id).opt().await.unwrap(), None);
    assert_eq!(listed_leads(&tx).await, [l1.id, l2.id]);
    assert_eq!(
        leads::move_to()
            .bind(&tx, &LeadStatus::qualified, &l3.id)
            .opt()
            .await
            .unwrap(),
        None,
        "a deleted lead moved"
    );
    let back = leads::restore().bind(&tx, &l3.id).one().await.unwrap();
    assert_eq!(back.deleted_at, None);
    assert_eq!(listed_leads(&tx).await, [l1.id, l2.id, l3.id]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "update, soft delete, restore",
        vec![
            updated("leads", l1.id, json!({"score": 10}), json!({"score": 90})),
            soft_deleted("leads", l3.id, gone.deleted_at),
            restored("leads", l3.id, gone.deleted_at),
        ],
    )
    .await;
}

async fn listed_leads(tx: &Transaction<'_>) -> Vec<i64> {
    let rows = leads::list()
        .bind(tx, &0, &None, &None, &ALL)
        .all()
        .await
        .unwrap();
    ids(&rows, |l| l.id)
}

#[tokio::test]
async fn form_responses_lifecycle() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "dan@customer.example", "Dan").await;
    let tx = w.tx().await;
    let campaign = new_campaign(&tx, "Spring", None).await;
    let form = forms::create()
        .bind(&tx, &"Demo", &NO_TEXT)
        .one()
        .await
        .unwrap();
    let other_form = forms::create()
        .bind(&tx, &"Quote", &NO_TEXT)
        .one()
        .await
        .unwrap();
    let lead = leads::create()
        .bind(
            &tx,
            &contact.id,
            &Some(campaign.id),
            &Some(form.id),
            &0,
            &NO_TEXT,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let ip: Option<std::net::IpAddr> = Some("203.0.113.7".parse().unwrap());
    let r1 = form_responses::create()
        .bind(
            &tx,
            &form.id,
            &Some(campaign.id),
            &Some(contact.id),
            &Some(lead.id),
            &json!({"email": "dan@customer.example", "size": "11+"}),
            &ip,
            &Some("Mozilla/5.0"),
        )
        .one()
        .await
        .unwrap();
    let r2 = form_responses::create()
        .bind(
            &tx,
            &form.id,
            &NO_ID,
            &NO_ID,
            &NO_ID,
            &json!({"email": "anon@x.example"}),
            &None,
            &NO_TEXT,
        )
        .one()
        .await
        .unwrap();
    let r3 = form_responses::create()
        .bind(
            &tx,
            &other_form.id,
            &Some(campaign.id),
            &NO_ID,
            &NO_ID,
            &json!({}),
            &None,
            &NO_TEXT,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("form_responses", &r1),
            inserted("form_responses", &r2),
            inserted("form_responses", &r3),
        ],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        form_responses::get().bind(&tx, &r1.id).opt().await.unwrap(),
        Some(r1.clone())
    );
    let listed = async |after: i64, form: Option<i64>, campaign: Option<i64>, limit: i64| {
        let rows = form_responses::list()
            .bind(&tx, &after, &form, &campaign, &limit)
            .all()
            .await
            .unwrap();
        ids(&rows, |r| r.id)
    };
    assert_eq!(listed(0, None, None, ALL).await, [r1.id, r2.id, r3.id]);
    assert_eq!(listed(0, Some(form.id), None, ALL).await, [r1.id, r2.id]);
    assert_eq!(
        listed(0, None, Some(campaign.id), ALL).await,
        [r1.id, r3.id]
    );
    assert_eq!(
        listed(0, Some(form.id), Some(campaign.id), ALL).await,
        [r1.id]
    );
    assert_eq!(listed(0, None, None, 2).await, [r1.id, r2.id]);
    assert_eq!(listed(r2.id, None, None, 2).await, [r3.id]);
    let gone = form_responses::soft_delete()
        .bind(&tx, &r2.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        form_responses::get().bind(&tx, &r2.id).opt().await.unwrap(),
        None
    );
    assert_eq!(listed(0, None, None, ALL).await, [r1.id, r3.id]);
    form_responses::restore()
        .bind(&tx, &r2.id)
        .one()
        .await
        .unwrap();
    assert_eq!(listed(0, None, None, ALL).await, [r1.id, r2.id, r3.id]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete, restore",
        vec![
            soft_deleted("form_responses", r2.id, gone.deleted_at),
            restored("form_responses", r2.id, gone.deleted_at),
        ],
    )
    .await;
}

#[tokio::test]
async fn assignments_lifecycle() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let mut people = Vec::new();
    for name in ["ann", "bob", "cid"] {
        people.push(new_contact(&mut w, list, &format!("{name}@customer.example"), name).await);
    }
    let tx = w.tx().await;
    let campaign = new_campaign(&tx, "Spring", None).await;
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let mut made = Vec::new();
    for p in &people {
        made.push(
            assignments::assign()
                .bind(&tx, &campaign.id, &p.id)
                .one()
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "assign",
        made.iter()
            .map(|a| inserted("campaign_contact_assignments", a))
            .collect(),
    )
    .await;
    let [a1, a2, a3] = [made[0].id, made[1].id, made[2].id];

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        assignments::get().bind(&tx, &a1).opt().await.unwrap(),
        Some(made[0])
    );
    let sent_at = testkit::at("2030-01-01T09:00:00Z");
    let sent = assignments::mark()
        .bind(&tx, &AssignmentStatus::sent, &Some(sent_at), &a2)
        .one()
        .await
        .unwrap();
    assert_eq!(sent.sent_at, Some(sent_at));
    let listed = async |after: i64, status: Option<AssignmentStatus>, limit: i64| {
        let rows = assignments::list()
            .bind(&tx, &campaign.id, &after, &status, &limit)
            .all()
            .await
            .unwrap();
        ids(&rows, |a| a.id)
    };
    assert_eq!(listed(0, None, ALL).await, [a1, a2, a3]);
    assert_eq!(
        listed(0, Some(AssignmentStatus::pending), ALL).await,
        [a1, a3]
    );
    assert_eq!(listed(0, Some(AssignmentStatus::sent), ALL).await, [a2]);
    assert_eq!(listed(0, None, 2).await, [a1, a2]);
    assert_eq!(listed(a2, None, 2).await, [a3]);
    let gone = assignments::soft_delete()
        .bind(&tx, &a3)
        .one()
        .await
        .unwrap();
    assert_eq!(assignments::get().bind(&tx, &a3).opt().await.unwrap(), None);
    assert_eq!(listed(0, None, ALL).await, [a1, a2]);
    assignments::restore().bind(&tx, &a3).one().await.unwrap();
    assert_eq!(listed(0, None, ALL).await, [a1, a2, a3]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "mark, soft delete, restore",
        vec![
            updated(
                "campaign_contact_assignments",
                a2,
                json!({"status": "pending", "sent_at": null}),
                json!({"status": "sent", "sent_at": sent_at}),
            ),
            soft_deleted("campaign_contact_assignments", a3, gone.deleted_at),
            restored("campaign_contact_assignments", a3, gone.deleted_at),
        ],
    )
    .await;
}

#[tokio::test]
async fn assign_list_takes_the_live_valid_contacts_once() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let other_list = new_list(&mut w, "Side").await;
    let mut by_status = Vec::new();
    for (name, status) in [
        ("v1", "valid"),
        ("v2", "valid"),
        ("pending", "pending"),
        ("invalid", "invalid"),
        ("risky", "risky"),
        ("deleted", "valid"),
    ] {
        let c = new_contact(&mut w, list, &format!("{name}@customer.example"), name).await;
        by_status.push((c.id, status));
    }
    let elsewhere = new_contact(&mut w, other_list, "side@customer.example", "side").await;
    for (id, status) in by_status.iter().chain([(elsewhere.id, "valid")].iter()) {
        w.client
            .execute(
                &format!("UPDATE contacts SET validation_status = '{status}' WHERE id = $1"),
                &[id],
            )
            .await
            .unwrap();
    }
    let deleted = by_status[5].0;
    let tx = w.tx().await;
    contacts::soft_delete()
        .bind(&tx, &deleted)
        .one()
        .await
        .unwrap();
    let campaign = new_campaign(&tx, "Spring", None).await;
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let n = assignments::assign_list()
        .bind(&tx, &list, &campaign.id)
        .await
        .unwrap();
    let assigned = assignments::list()
        .bind(&tx, &campaign.id, &0, &None, &ALL)
        .all()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(n, 2, "the two live, valid contacts of the list");
    let mut contact_ids: Vec<i64> = assigned.iter().map(|a| a.contact_id).collect();
    contact_ids.sort_unstable();
    assert_eq!(contact_ids, [by_status[0].0, by_status[1].0]);
    w.expect_audit(
        mark,
        "bulk assignment",
        assigned
            .iter()
            .map(|a| inserted("campaign_contact_assignments", a))
            .collect(),
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let again = assignments::assign_list()
        .bind(&tx, &list, &campaign.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(again, 0, "a second run assigns nothing");
    w.expect_audit(mark, "a second run", vec![]).await;
}

// ---------------------------------------------------------------------------------------
// Roles, permissions, memberships, users
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn roles_permissions_and_memberships() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let mut made = Vec::new();
    for name in ["admin", "editor", "viewer"] {
        made.push(
            roles::create()
                .bind(&tx, &name, &Some(format!("{name}s")))
                .one()
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        made.iter().map(|r| inserted("roles", r)).collect(),
    )
    .await;
    let [admin, editor, viewer] = [made[0].id, made[1].id, made[2].id];

    let tx = w.tx().await;
    assert_eq!(
        roles::get().bind(&tx, &admin).opt().await.unwrap(),
        Some(made[0].clone())
    );
    assert_conflict(
        roles::create().bind(&tx, &"admin", &NO_TEXT).one().await,
        "roles_name_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx().await;
    assert_eq!(
        ids(&roles::list().bind(&tx, &0, &2).all().await.unwrap(), |r| r
            .id),
        [admin, editor]
    );
    assert_eq!(
        ids(
            &roles::list().bind(&tx, &editor, &2).all().await.unwrap(),
            |r| r.id
        ),
        [viewer]
    );
    let keys: Vec<String> = roles::permissions()
        .bind(&tx)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(keys, ["campaign.read", "campaign.write", "contact.write"]);
    tx.commit().await.unwrap();

    // Update.
    let mark = w.mark().await;
    let tx = w.tx().await;
    roles::update()
        .bind(&tx, &"editor", &Some("Edits campaigns"), &editor)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "update",
        vec![updated(
            "roles",
            editor,
            json!({"description": "editors"}),
            json!({"description": "Edits campaigns"}),
        )],
    )
    .await;

    // Grants are idempotent, and so are revokes.
    let permission_id = |key: &str| match key {
        "campaign.read" => 1_i64,
        "campaign.write" => 2,
        _ => 3,
    };
    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        roles::grant()
            .bind(&tx, &admin, &"campaign.write")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        roles::grant()
            .bind(&tx, &admin, &"campaign.read")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        roles::grant()
            .bind(&tx, &admin, &"campaign.read")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        roles::grant().bind(&tx, &admin, &"no.such").await.unwrap(),
        0
    );
    let granted: Vec<String> = roles::role_permissions()
        .bind(&tx, &admin)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(granted, ["campaign.read", "campaign.write"], "by key");
    tx.commit().await.unwrap();
    let grant_entry = |key: &str, action: &str| {
        let row =
            json!({"organization_id": ORG, "role_id": admin, "permission_id": permission_id(key)});
        let changes = if action == "insert" {
            json!({"new": row})
        } else {
            json!({"old": row})
        };
        entry(action, "role_permissions", None, changes)
    };
    w.expect_audit(
        mark,
        "grants",
        vec![
            grant_entry("campaign.write", "insert"),
            grant_entry("campaign.read", "insert"),
        ],
    )
    .await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        roles::revoke()
            .bind(&tx, &admin, &"campaign.write")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        roles::revoke()
            .bind(&tx, &admin, &"campaign.write")
            .await
            .unwrap(),
        0
    );
    let left: Vec<String> = roles::role_permissions()
        .bind(&tx, &admin)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(left, ["campaign.read"]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "revoke",
        vec![grant_entry("campaign.write", "delete")],
    )
    .await;

    // Members: a new user joins with a role, changes role, leaves.
    let tx = w.tx().await;
    let joined = users::create()
        .bind(&tx, &"eve@acme.example", &"Eve", &viewer)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mark = w.mark().await;
    let tx = w.tx().await;
    let members = roles::members().bind(&tx, &0, &ALL).all().await.unwrap();
    assert_eq!(ids(&members, |m| m.id), [joined.membership_id]);
    let moved = roles::change_member_role()
        .bind(&tx, &editor, &joined.membership_id)
        .one()
        .await
        .unwrap();
    assert_eq!(moved.role_id, editor);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "change role",
        vec![updated(
            "memberships",
            joined.membership_id,
            json!({"role_id": viewer}),
            json!({"role_id": editor}),
        )],
    )
    .await;

    // A role in use cannot be deleted; an unused one can.
    let tx = w.tx().await;
    let refused = roles::delete().bind(&tx, &editor).opt().await;
    let err = DomainError::from_query("role", refused.expect_err("deleted a role in use"));
    assert!(matches!(err, DomainError::Invalid { .. }), "{err:?}");
    tx.rollback().await.unwrap();
    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = roles::delete().bind(&tx, &viewer).one().await.unwrap();
    assert_eq!(roles::get().bind(&tx, &viewer).opt().await.unwrap(), None);
    let left = roles::remove_member()
        .bind(&tx, &joined.membership_id)
        .one()
        .await
        .unwrap();
    assert!(
        roles::members()
            .bind(&tx, &0, &ALL)
            .all()
            .await
            .unwrap()
            .is_empty()
    );
    let again = roles::add_member()
        .bind(&tx, &joined.user_id, &admin)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "delete role, remove and add member",
        vec![
            deleted("roles", &gone),
            deleted("memberships", &left),
            inserted("memberships", &again),
        ],
    )
    .await;
}

#[tokio::test]
async fn users_join_through_a_membership() {
    let mut w = world().await;
    let tx = w.tx().await;
    let role = roles::create()
        .bind(&tx, &"member", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = w.tx_as(OTHER, Actor::User(USER)).await;
    let other_role = roles::create()
        .bind(&tx, &"member", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let ann = users::create()
        .bind(&tx, &"ann@acme.example", &"Ann", &role.id)
        .one()
        .await
        .unwrap();
    let ben = users::create()
        .bind(&tx, &"ben@acme.example", &"Ben", &role.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let membership = |user: i64, id: i64| {
        inserted(
            "memberships",
            &json!({"organization_id": ORG, "id": id, "user_id": user, "role_id": role.id}),
        )
    };
    // The user row is audited in the organization that made it (no password: stripped).
    let user = |id: i64, email: &str, name: &str| {
        inserted(
            "users",
            &json!({"id": id, "email": email, "full_name": name}),
        )
    };
    w.expect_audit(
        mark,
        "create",
        vec![
            user(ann.user_id, "ann@acme.example", "Ann"),
            membership(ann.user_id, ann.membership_id),
            user(ben.user_id, "ben@acme.example", "Ben"),
            membership(ben.user_id, ben.membership_id),
        ],
    )
    .await;

    // A user of the other organization only.
    let tx = w.tx_as(OTHER, Actor::User(USER)).await;
    let cat = users::create()
        .bind(&tx, &"cat@globex.example", &"Cat", &other_role.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let tx = w.tx().await;
    let got = users::get()
        .bind(&tx, &ann.user_id)
        .opt()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.email.as_str(), got.full_name.as_str()),
        ("ann@acme.example", "Ann")
    );
    assert_eq!(
        users::get_by_email()
            .bind(&tx, &"BEN@acme.example")
            .opt()
            .await
            .unwrap()
            .map(|u| u.id),
        Some(ben.user_id),
        "by email, whatever the case"
    );
    assert_eq!(
        users::get().bind(&tx, &cat.user_id).opt().await.unwrap(),
        None
    );
    let listed = users::list().bind(&tx, &0, &ALL).all().await.unwrap();
    assert_eq!(
        ids(&listed, |u| u.id),
        [ann.user_id, ben.user_id],
        "members only"
    );
    let page = users::list()
        .bind(&tx, &ann.user_id, &1)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |u| u.id), [ben.user_id]);
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let renamed = users::update()
        .bind(&tx, &"ann@acme.example", &"Ann Smith", &ann.user_id)
        .one()
        .await
        .unwrap();
    assert_eq!(renamed.full_name, "Ann Smith");
    assert_eq!(
        users::update()
            .bind(&tx, &"cat@acme.example", &"Cat", &cat.user_id)
            .opt()
            .await
            .unwrap(),
        None,
        "renamed a user of another organization"
    );
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "users",
            ann.user_id,
            json!({"full_name": "Ann"}),
            json!({"full_name": "Ann Smith"}),
        )],
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Validation rules, GDPR requests, organizations
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn validation_rules_are_versioned() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let mx1 = validation::create()
        .bind(&tx, &"mx", &"mx", &json!({"timeout_ms": 2000}))
        .one()
        .await
        .unwrap();
    let block = validation::create()
        .bind(&tx, &"blocklist", &"blocklist", &json!({"domains": []}))
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((mx1.version, mx1.is_active), (1, true));
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("validation_rules", &mx1),
            inserted("validation_rules", &block),
        ],
    )
    .await;

    // A second active version is refused; deactivate first.
    let tx = w.tx().await;
    assert_conflict(
        validation::create()
            .bind(&tx, &"mx", &"mx", &json!({"timeout_ms": 500}))
            .one()
            .await,
        "validation_rules_active_key",
    );
    tx.rollback().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let retired = validation::deactivate()
        .bind(&tx, &"mx")
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&retired, |r| r.id), [mx1.id]);
    let mx2 = validation::create()
        .bind(&tx, &"mx", &"mx", &json!({"timeout_ms": 500}))
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((mx2.version, mx2.is_active), (2, true));
    w.expect_audit(
        mark,
        "new version",
        vec![
            updated(
                "validation_rules",
                mx1.id,
                json!({"is_active": true}),
                json!({"is_active": false}),
            ),
            inserted("validation_rules", &mx2),
        ],
    )
    .await;

    let tx = w.tx().await;
    let old = validation::get().bind(&tx, &mx1.id).one().await.unwrap();
    assert_eq!((old.version, old.is_active), (1, false));
    let listed = async |after: i64, active: Option<bool>, limit: i64| {
        ids(
            &validation::list()
                .bind(&tx, &after, &active, &limit)
                .all()
                .await
                .unwrap(),
            |r| r.id,
        )
    };
    assert_eq!(listed(0, None, ALL).await, [mx1.id, block.id, mx2.id]);
    assert_eq!(listed(0, Some(true), ALL).await, [block.id, mx2.id]);
    assert_eq!(listed(0, Some(false), ALL).await, [mx1.id]);
    assert_eq!(listed(0, None, 2).await, [mx1.id, block.id]);
    assert_eq!(listed(block.id, None, 2).await, [mx2.id]);
    tx.commit().await.unwrap();

    // A contact's checks, newest first (written by the import, as the owner).
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "dan@customer.example", "Dan").await;
    w.client
        .execute(
            "INSERT INTO validation_logs (organization_id, contact_id, rule_id, result, details,
                                          validated_at)
             VALUES ($1, $2, $3, 'valid', '{}', '2030-01-01T00:00:00Z'),
                    ($1, $2, $4, 'risky', '{}', '2030-01-02T00:00:00Z')",
            &[&ORG, &contact.id, &mx2.id, &block.id],
        )
        .await
        .unwrap();
    let tx = w.tx().await;
    let logs = validation::logs()
        .bind(&tx, &contact.id, &10)
        .all()
        .await
        .unwrap();
    let rules: Vec<i64> = logs.iter().map(|l| l.rule_id).collect();
    assert_eq!(rules, [block.id, mx2.id], "newest first");
    assert_eq!(
        validation::logs()
            .bind(&tx, &contact.id, &1)
            .all()
            .await
            .unwrap()
            .len(),
        1
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn gdpr_requests_are_recorded() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "dan@customer.example", "Dan").await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let export = gdpr::create()
        .bind(
            &tx,
            &Some(contact.id),
            &"dan@customer.example",
            &GdprRequestType::export,
        )
        .one()
        .await
        .unwrap();
    let erase = gdpr::create()
        .bind(
            &tx,
            &NO_ID,
            &"gone@customer.example",
            &GdprRequestType::deletion,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(export.status, GdprRequestStatus::pending);
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("gdpr_requests", &export),
            inserted("gdpr_requests", &erase),
        ],
    )
    .await;

    // The GDPR job (the owner) completes the erasure and records its receipt.
    w.client
        .execute(
            "UPDATE gdpr_requests SET status = 'completed', completed_at = now() WHERE id = $1",
            &[&erase.id],
        )
        .await
        .unwrap();
    w.client
        .execute(
            "INSERT INTO data_deletions (organization_id, gdpr_request_id, table_name, rows_deleted)
             VALUES ($1, $2, 'contacts', 1)",
            &[&ORG, &erase.id],
        )
        .await
        .unwrap();

    let tx = w.tx().await;
    assert_eq!(
        gdpr::get().bind(&tx, &export.id).opt().await.unwrap(),
        Some(export.clone())
    );
    let listed = async |after: i64, status: Option<GdprRequestStatus>, limit: i64| {
        ids(
            &gdpr::list()
                .bind(&tx, &after, &status, &limit)
                .all()
                .await
                .unwrap(),
            |r| r.id,
        )
    };
    assert_eq!(listed(0, None, ALL).await, [export.id, erase.id]);
    assert_eq!(
        listed(0, Some(GdprRequestStatus::pending), ALL).await,
        [export.id]
    );
    assert_eq!(
        listed(0, Some(GdprRequestStatus::completed), ALL).await,
        [erase.id]
    );
    assert_eq!(listed(0, None, 1).await, [export.id]);
    assert_eq!(listed(export.id, None, 1).await, [erase.id]);
    let receipts = gdpr::deletions().bind(&tx, &erase.id).all().await.unwrap();
    assert_eq!(
        receipts
            .iter()
            .map(|d| (d.table_name.as_str(), d.rows_deleted))
            .collect::<Vec<_>>(),
        [("contacts", 1)]
    );
    assert!(
        gdpr::deletions()
            .bind(&tx, &export.id)
            .all()
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn organizations_as_a_tenant_and_as_the_operator() {
    let mut w = world().await;

    // Made by the operator (world()): audited in the new organization, by the system.
    let made: Vec<Entry> = w.audit_since(0).await;
    let acme = organizations::admin_list()
        .bind(&w.client, &0, &1)
        .one()
        .await
        .unwrap();
    assert_eq!(acme.id, ORG);
    assert!(
        made.contains(&inserted("organizations", &acme).by("system")),
        "no audit entry for making organization {ORG}: {made:?}"
    );

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(organizations::get().bind(&tx).one().await.unwrap(), acme);
    let renamed = organizations::update()
        .bind(&tx, &"Acme Leads", &Some("acme.example"))
        .one()
        .await
        .unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (ORG, "Acme Leads"));
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "organizations",
            ORG,
            json!({"name": "Acme"}),
            json!({"name": "Acme Leads"}),
        )],
    )
    .await;

    // The operator retires one: gone for its tenant and from the list, its domain free.
    let initech = organizations::admin_create()
        .bind(&w.client, &"Initech", &Some("initech.example"))
        .one()
        .await
        .unwrap();
    let all = organizations::admin_list()
        .bind(&w.client, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&all, |o| o.id), [ORG, OTHER, initech.id]);
    assert_eq!(
        ids(
            &organizations::admin_list()
                .bind(&w.client, &ORG, &1)
                .all()
                .await
                .unwrap(),
            |o| o.id
        ),
        [OTHER]
    );
    let mark = w.mark().await;
    let gone = organizations::admin_soft_delete()
        .bind(&w.client, &initech.id)
        .one()
        .await
        .unwrap();
    w.expect_audit(
        mark,
        "retire",
        vec![
            soft_deleted("organizations", initech.id, gone.deleted_at)
                .in_org(initech.id)
                .by("system"),
        ],
    )
    .await;
    let tx = w.tx_as(initech.id, Actor::User(USER)).await;
    assert_eq!(organizations::get().bind(&tx).opt().await.unwrap(), None);
    tx.commit().await.unwrap();
    let all = organizations::admin_list()
        .bind(&w.client, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&all, |o| o.id), [ORG, OTHER]);
    let successor = organizations::admin_create()
        .bind(&w.client, &"Initech 2", &Some("INITECH.example"))
        .one()
        .await
        .unwrap();
    assert_conflict(
        organizations::admin_restore()
            .bind(&w.client, &initech.id)
            .opt()
            .await,
        "organizations_domain_key",
    );
    organizations::admin_soft_delete()
        .bind(&w.client, &successor.id)
        .one()
        .await
        .unwrap();
    let mark = w.mark().await;
    let back = organizations::admin_restore()
        .bind(&w.client, &initech.id)
        .one()
        .await
        .unwrap();
    assert_eq!(back.deleted_at, None);
    w.expect_audit(
        mark,
        "restore",
        vec![
            restored("organizations", initech.id, gone.deleted_at)
                .in_org(initech.id)
                .by("system"),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// The audit trail whoever writes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn changes_are_audited_whoever_makes_them() {
    let mut w = world().await;

    // Raw SQL as the application role, with a tenant and no actor: the system.
    let mark = w.mark().await;
    let tx = app_tx(&mut w.client, Some(ORG)).await;
    let id: i64 = tx
        .query_one(
            "INSERT INTO contact_lists (organization_id, name) VALUES ($1, 'Raw') RETURNING id",
            &[&ORG],
        )
        .await
        .unwrap()
        .get(0);
    tx.execute(
        "UPDATE contact_lists SET name = 'Raw 2' WHERE id = $1",
        &[&id],
    )
    .await
    .unwrap();
    tx.execute("DELETE FROM contact_lists WHERE id = $1", &[&id])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = json!({"organization_id": ORG, "id": id, "name": "Raw"});
    w.expect_audit(
        mark,
        "raw SQL as the application role",
        vec![
            entry("insert", "contact_lists", Some(id), json!({"new": row})).by("system"),
            updated(
                "contact_lists",
                id,
                json!({"name": "Raw"}),
                json!({"name": "Raw 2"}),
            )
            .by("system"),
            entry(
                "delete",
                "contact_lists",
                Some(id),
                json!({"old": {"organization_id": ORG, "id": id, "name": "Raw 2"}}),
            )
            .by("system"),
        ],
    )
    .await;

    // Other actors are named as the tenant transaction says.
    for (actor, name) in [
        (Actor::ApiKey(3), "api_key:3"),
        (Actor::Process("import"), "import"),
        (Actor::System, "system"),
    ] {
        let mark = w.mark().await;
        let tx = w.tx_as(ORG, actor).await;
        let list = contact_lists::create()
            .bind(&tx, &"By someone", &NO_TEXT)
            .one()
            .await
            .unwrap();
        tx.commit().await.unwrap();
        w.expect_audit(mark, name, vec![inserted("contact_lists", &list).by(name)])
            .await;
    }

    // The owner, outside any tenant: audited in the row's organization.
    let mark = w.mark().await;
    let id: i64 = w
        .client
        .query_one(
            "INSERT INTO contact_lists (organization_id, name) VALUES ($1, 'Owner''s')
             RETURNING id",
            &[&OTHER],
        )
        .await
        .unwrap()
        .get(0);
    w.expect_audit(
        mark,
        "the owner",
        vec![
            entry(
                "insert",
                "contact_lists",
                Some(id),
                json!({"new": {"organization_id": OTHER, "id": id, "name": "Owner's"}}),
            )
            .in_org(OTHER)
            .by("system"),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_application_cannot_change_the_audit_trail() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    contact_lists::create()
        .bind(&tx, &"Audited", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = w.audit_since(0).await;
    assert_eq!(w.audit_since(mark).await.len(), 1);
    for sql in [
        "UPDATE audit_logs SET actor = 'user:1'",
        "UPDATE audit_logs SET changes = '{}' WHERE entity_type = 'contact_lists'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ] {
        let tx = w.tx().await;
        let err = tx
            .batch_execute(sql)
            .await
            .expect_err(&format!("{sql}: accepted from the application role"));
        tx.rollback().await.unwrap();
        assert_eq!(
            err.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: refused for another reason: {}",
            schema::describe_pg_error(&err)
        );
    }
    assert_eq!(w.audit_since(0).await, before, "the trail changed");
}

/// The generated queries with plain strings for their `email_address` parameters, as a
/// caller would write them.
#[tokio::test]
async fn email_parameters_take_plain_strings() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let tx = w.tx().await;
    let role = roles::create()
        .bind(&tx, &"member", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = w.tx().await;
    let mut failures = Vec::new();
    let mut note = |what: &str, result: Result<(), tokio_postgres::Error>| {
        if let Err(e) = result {
            failures.push(format!("{what}: {}", schema::describe_pg_error(&e)));
        }
    };
    tx.batch_execute("SAVEPOINT s").await.unwrap();
    let made = contacts::create()
        .bind(
            &tx,
            &list,
            &"dan@customer.example",
            &NO_TEXT,
            &NO_TEXT,
            &NO_TEXT,
            &json!({}),
        )
        .one()
        .await;
    let id = made.as_ref().map(|c| c.id).unwrap_or_default();
    note("contacts::create", made.map(drop));
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "contacts::update",
        contacts::update()
            .bind(
                &tx,
                &String::from("dan@customer.example"),
                &NO_TEXT,
                &NO_TEXT,
                &NO_TEXT,
                &json!({}),
                &id,
            )
            .opt()
            .await
            .map(drop),
    );
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "gdpr::create",
        gdpr::create()
            .bind(
                &tx,
                &NO_ID,
                &"dan@customer.example",
                &GdprRequestType::export,
            )
            .one()
            .await
            .map(drop),
    );
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "users::create",
        users::create()
            .bind(&tx, &"eve@acme.example", &"Eve", &role.id)
            .one()
            .await
            .map(drop),
    );
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "users::update",
        users::update()
            .bind(&tx, &"eve@acme.example", &"Eve", &0)
            .opt()
            .await
            .map(drop),
    );
    tx.rollback().await.unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
