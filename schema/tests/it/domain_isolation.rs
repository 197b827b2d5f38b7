//! Tenant isolation of the generated domain queries: every query annotated in
//! `schema/queries/*.sql` is run as organization A with organization B's ids, and must
//! neither show, change nor point at anything of B's. The queries are enumerated from the
//! annotation files at run time, so a new query without a check here fails by name.
//! And a pooled connection carries no tenant, actor or role from one transaction into
//! the next.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use schema::domains::{
    api_keys, assignments, audit, campaigns, contact_lists, contacts, dead_letters,
    email_templates, form_fields, form_responses, forms, gdpr, leads, organizations, roles, users,
    validation,
};
use schema::{
    Actor, AssignmentStatus, CampaignStatus, GdprRequestType, LeadStatus, OrganizationId, Tenant,
    ValidationStatus,
};
use serde_json::json;
use testkit::TestDb;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Transaction};

const TWO_TENANTS: &str = include_str!("../fixtures/two_tenants.sql");
const DOMAINS: &str = include_str!("../fixtures/domains.sql");

/// The tenant every check runs as.
const A: OrganizationId = OrganizationId(1);
/// The tenant whose rows must stay out of reach.
const B: i64 = 2;

// B's live rows (two_tenants.sql) and soft-deleted ones (domains.sql).
const B_LIST: i64 = 21;
const B_CONTACT: i64 = 21;
const B_TEMPLATE: i64 = 21;
const B_FORM: i64 = 21;
const B_FIELD: i64 = 21;
/// Scheduled; B_DRAFT is a draft with the slug `globex-winter`.
const B_CAMPAIGN: i64 = 21;
const B_DRAFT: i64 = 22;
const B_ASSIGNMENT: i64 = 21;
/// In state `new`.
const B_LEAD: i64 = 21;
const B_RESPONSE: i64 = 21;
const B_GDPR: i64 = 21;
const B_RULE: i64 = 21;
const B_RULE_NAME: &str = "no-disposable";
/// B's dead letter (an `invalid_field`), from two_tenants.sql.
const B_LETTER: i64 = 2;
const B_ADMIN_ROLE: i64 = 21;
const B_VIEWER_ROLE: i64 = 22;
const B_MEMBERSHIP: i64 = 21;
/// Bob: a member of B only.
const B_USER: i64 = 2;
const B_USER_EMAIL: &str = "bob@globex.example";
/// Every soft-deleted row of B's has this id.
const B_DELETED: i64 = 29;

// A's own rows.
const A_LIST: i64 = 11;
const A_CONTACT: i64 = 11;
/// Not assigned to B_CAMPAIGN, so an assignment of it is refused for isolation only.
const A_PENDING_CONTACT: i64 = 12;
const A_FORM: i64 = 11;
const A_CAMPAIGN: i64 = 11;
const A_ROLE: i64 = 12;
const A_MEMBERSHIP: i64 = 11;
/// Users with a membership of A: Alice and Carol (Carol is also in B).
const A_USERS: &[i64] = &[1, 3];

/// Annotated queries that are not tenant queries, and why.
const EXEMPT: &[(&str, &str)] = &[
    (
        "organizations::admin_create",
        "operator query: creates a tenant, run by the owner outside any tenant transaction",
    ),
    (
        "organizations::admin_list",
        "operator query: lists every tenant, run by the owner outside any tenant transaction",
    ),
    (
        "organizations::admin_soft_delete",
        "operator query: retires a tenant, run by the owner outside any tenant transaction",
    ),
    (
        "organizations::admin_restore",
        "operator query: brings a tenant back, run by the owner outside any tenant transaction",
    ),
    (
        "roles::permissions",
        "global reference data: the permission vocabulary is the same for every tenant",
    ),
    (
        "api_keys::admin_create",
        "operator query: makes a key for a named organization, run by the owner",
    ),
    (
        "api_keys::admin_revoke",
        "operator query: revokes a key of a named organization, run by the owner",
    ),
    (
        "api_keys::authenticate",
        "runs before any tenant is known: a key's hash finds its own organization only \
         (tested in tenancy::an_api_key_authenticates_as_its_organization_only)",
    ),
];

/// What a check found wrong, or nothing.
type Outcome = Result<(), String>;
type CheckFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;
/// Runs one query as A with B's ids, inside A's tenant transaction.
type Check = for<'a> fn(&'a Transaction<'a>) -> CheckFuture<'a>;

/// `checks! { "module::query" => |tx| { ... } ... }`: the table of checks, one per
/// annotated tenant query.
macro_rules! checks {
    ($($name:literal => |$tx:ident| $body:block)*) => {
        vec![$(($name, {
            fn check<'a>($tx: &'a Transaction<'a>) -> CheckFuture<'a> {
                Box::pin(async move { $body })
            }
            check as Check
        })),*]
    };
}

fn pg(e: tokio_postgres::Error) -> String {
    schema::describe_pg_error(&e)
}

/// A get, update, move, soft delete or restore of B's row: nothing found.
fn nothing<T: Debug>(what: &str, result: Result<Option<T>, tokio_postgres::Error>) -> Outcome {
    match result.map_err(pg)? {
        None => Ok(()),
        Some(row) => Err(format!("{what}: reached organization {B}'s row: {row:?}")),
    }
}

/// A statement without rows: it touched nothing.
fn no_rows(what: &str, result: Result<u64, tokio_postgres::Error>) -> Outcome {
    match result.map_err(pg)? {
        0 => Ok(()),
        n => Err(format!("{what}: affected {n} rows of organization {B}")),
    }
}

/// A list: only A's rows.
fn only_a<T: Debug>(
    what: &str,
    result: Result<Vec<T>, tokio_postgres::Error>,
    organization: fn(&T) -> i64,
) -> Outcome {
    let rows = result.map_err(pg)?;
    match rows.iter().find(|r| organization(r) != A.0) {
        None => Ok(()),
        Some(row) => Err(format!(
            "{what}: listed a row of another organization: {row:?}"
        )),
    }
}

/// A list keyed on one of B's ids: empty.
fn empty<T: Debug>(what: &str, result: Result<Vec<T>, tokio_postgres::Error>) -> Outcome {
    let rows = result.map_err(pg)?;
    if rows.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: listed organization {B}'s rows: {rows:?}"))
    }
}

/// A create or update that points at B's row: refused by row-level security or by the
/// composite foreign key, whichever comes first. Runs under a savepoint so the checks of
/// the same query can go on.
async fn refused<T: Debug>(
    tx: &Transaction<'_>,
    what: &str,
    attempt: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Outcome {
    tx.batch_execute("SAVEPOINT attempt").await.map_err(pg)?;
    let result = attempt.await;
    tx.batch_execute("ROLLBACK TO SAVEPOINT attempt")
        .await
        .map_err(pg)?;
    match result {
        Ok(row) => Err(format!(
            "{what}: accepted a reference to organization {B}'s row: {row:?}"
        )),
        Err(e)
            if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION)
                || e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) =>
        {
            Ok(())
        }
        Err(e) => Err(format!("{what}: refused for another reason: {}", pg(e))),
    }
}

/// A create that names nothing of B's: made in A.
fn made_in_a<T: Debug>(
    what: &str,
    result: Result<T, tokio_postgres::Error>,
    organization: fn(&T) -> i64,
) -> Result<T, String> {
    let row = result.map_err(pg)?;
    if organization(&row) == A.0 {
        Ok(row)
    } else {
        Err(format!(
            "{what}: made outside organization {}: {row:?}",
            A.0
        ))
    }
}

const NO_TEXT: Option<&str> = None;
const NO_ID: Option<i64> = None;
const ALL: i64 = 1_000;

/// One check per annotated tenant query (see [`EXEMPT`] for the others).
fn isolation_checks() -> Vec<(&'static str, Check)> {
    checks! {
        // --- assignments ---------------------------------------------------------
        "assignments::assign_list" => |tx| {
            no_rows("B's list into B's campaign",
                assignments::assign_list().bind(tx, &B_LIST, &B_CAMPAIGN).await)?;
            no_rows("B's list into A's campaign",
                assignments::assign_list().bind(tx, &B_LIST, &A_CAMPAIGN).await)?;
            no_rows("A's list into B's campaign",
                assignments::assign_list().bind(tx, &A_LIST, &B_CAMPAIGN).await)
        }
        "assignments::assign" => |tx| {
            refused(tx, "B's contact to B's campaign",
                assignments::assign().bind(tx, &B_CAMPAIGN, &B_CONTACT).one()).await?;
            refused(tx, "B's contact to A's campaign",
                assignments::assign().bind(tx, &A_CAMPAIGN, &B_CONTACT).one()).await?;
            refused(tx, "A's contact to B's campaign",
                assignments::assign().bind(tx, &B_CAMPAIGN, &A_PENDING_CONTACT).one()).await
        }
        "assignments::get" => |tx| {
            nothing("live", assignments::get().bind(tx, &B_ASSIGNMENT).opt().await)?;
            nothing("deleted", assignments::get().bind(tx, &B_DELETED).opt().await)
        }
        "assignments::list" => |tx| {
            empty("B's campaign",
                assignments::list().bind(tx, &B_CAMPAIGN, &0, &None, &ALL).all().await)?;
            only_a("A's campaign",
                assignments::list()
                    .bind(tx, &A_CAMPAIGN, &0, &Some(AssignmentStatus::pending), &ALL).all().await,
                |r| r.organization_id)
        }
        "assignments::mark" => |tx| {
            nothing("mark", assignments::mark()
                .bind(tx, &AssignmentStatus::failed, &None, &B_ASSIGNMENT).opt().await)
        }
        "assignments::soft_delete" => |tx| {
            nothing("soft delete", assignments::soft_delete().bind(tx, &B_ASSIGNMENT).opt().await)
        }
        "assignments::restore" => |tx| {
            nothing("restore", assignments::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- audit ---------------------------------------------------------------
        "audit::for_entity" => |tx| {
            only_a("B's campaign (fixture entry)",
                audit::for_entity().bind(tx, &"campaign", &Some(B_CAMPAIGN), &0, &ALL).all().await,
                |r| r.organization_id)?;
            only_a("B's contact (trigger entry)",
                audit::for_entity().bind(tx, &"contacts", &Some(B_CONTACT), &0, &ALL).all().await,
                |r| r.organization_id)
        }
        "api_keys::list" => |tx| {
            only_a("keys", api_keys::list().bind(tx, &0, &100_000).all().await, |r| r.organization_id)
        }
        "audit::list" => |tx| {
            only_a("trail", audit::list().bind(tx, &0, &100_000).all().await, |r| r.organization_id)
        }
        // --- campaigns -----------------------------------------------------------
        "campaigns::create" => |tx| {
            refused(tx, "with B's template", campaigns::create()
                .bind(tx, &"Stolen", &Some(B_TEMPLATE), &NO_ID, &NO_ID, &NO_TEXT).one()).await?;
            refused(tx, "with B's form", campaigns::create()
                .bind(tx, &"Stolen", &NO_ID, &Some(B_FORM), &NO_ID, &NO_TEXT).one()).await?;
            refused(tx, "with B's list", campaigns::create()
                .bind(tx, &"Stolen", &NO_ID, &NO_ID, &Some(B_LIST), &NO_TEXT).one()).await
        }
        "campaigns::get" => |tx| {
            nothing("live", campaigns::get().bind(tx, &B_CAMPAIGN).opt().await)?;
            nothing("deleted", campaigns::get().bind(tx, &B_DELETED).opt().await)
        }
        "campaigns::get_by_slug" => |tx| {
            nothing("B's slug", campaigns::get_by_slug().bind(tx, &"globex-winter").opt().await)?;
            // Both organizations use `november-demo`: A gets its own.
            match campaigns::get_by_slug().bind(tx, &"november-demo").opt().await.map_err(pg)? {
                Some(c) if c.id == A_CAMPAIGN && c.organization_id == A.0 => Ok(()),
                other => Err(format!("shared slug: expected A's campaign, got {other:?}")),
            }
        }
        "campaigns::list" => |tx| {
            only_a("all", campaigns::list().bind(tx, &0, &None, &ALL).all().await,
                |r| r.organization_id)?;
            only_a("scheduled", campaigns::list()
                .bind(tx, &0, &Some(CampaignStatus::scheduled), &ALL).all().await,
                |r| r.organization_id)
        }
        "campaigns::update" => |tx| {
            nothing("B's campaign", campaigns::update()
                .bind(tx, &"Renamed", &NO_ID, &NO_ID, &NO_ID, &NO_TEXT, &B_CAMPAIGN).opt().await)?;
            refused(tx, "A's campaign to B's template", campaigns::update()
                .bind(tx, &"Acme November", &Some(B_TEMPLATE), &NO_ID, &NO_ID, &NO_TEXT,
                    &A_CAMPAIGN)
                .opt()).await?;
            refused(tx, "A's campaign to B's form", campaigns::update()
                .bind(tx, &"Acme November", &NO_ID, &Some(B_FORM), &NO_ID, &NO_TEXT, &A_CAMPAIGN)
                .opt()).await?;
            refused(tx, "A's campaign to B's list", campaigns::update()
                .bind(tx, &"Acme November", &NO_ID, &NO_ID, &Some(B_LIST), &NO_TEXT, &A_CAMPAIGN)
                .opt()).await
        }
        "campaigns::move_to" => |tx| {
            nothing("scheduled -> active", campaigns::move_to()
                .bind(tx, &CampaignStatus::active, &None, &B_CAMPAIGN).opt().await)?;
            nothing("draft -> scheduled", campaigns::move_to()
                .bind(tx, &CampaignStatus::scheduled, &None, &B_DRAFT).opt().await)
        }
        "campaigns::soft_delete" => |tx| {
            nothing("soft delete", campaigns::soft_delete().bind(tx, &B_CAMPAIGN).opt().await)
        }
        "campaigns::restore" => |tx| {
            nothing("restore", campaigns::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- contact lists -------------------------------------------------------
        "contact_lists::create" => |tx| {
            made_in_a("create", contact_lists::create().bind(tx, &"Globex prospects", &NO_TEXT)
                .one().await, |r| r.organization_id).map(drop)
        }
        "contact_lists::get" => |tx| {
            nothing("live", contact_lists::get().bind(tx, &B_LIST).opt().await)?;
            nothing("deleted", contact_lists::get().bind(tx, &B_DELETED).opt().await)
        }
        "contact_lists::list" => |tx| {
            only_a("all", contact_lists::list()
                .bind(tx, &0, &ALL).all().await, |r| r.organization_id)
        }
        "contact_lists::update" => |tx| {
            nothing("update", contact_lists::update()
                .bind(tx, &"Renamed", &NO_TEXT, &B_LIST).opt().await)
        }
        "contact_lists::soft_delete" => |tx| {
            nothing("soft delete", contact_lists::soft_delete().bind(tx, &B_LIST).opt().await)
        }
        "contact_lists::restore" => |tx| {
            nothing("restore", contact_lists::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- contacts ------------------------------------------------------------
        "contacts::create" => |tx| {
            refused(tx, "into B's list", contacts::create()
                .bind(tx, &B_LIST, &"mallory@evil.example", &NO_TEXT, &NO_TEXT, &NO_TEXT,
                    &json!({}))
                .one()).await
        }
        "contacts::get" => |tx| {
            nothing("live", contacts::get().bind(tx, &B_CONTACT).opt().await)?;
            nothing("deleted", contacts::get().bind(tx, &B_DELETED).opt().await)
        }
        "contacts::get_by_email" => |tx| {
            nothing("B's contact in B's list", contacts::get_by_email()
                .bind(tx, &B_LIST, &"frank@prospect.example").opt().await)
        }
        "contacts::list" => |tx| {
            only_a("all", contacts::list()
                .bind(tx, &0, &None, &None, &ALL).all().await,
                |r| r.organization_id)?;
            empty("B's list", contacts::list()
                .bind(tx, &0, &Some(B_LIST), &None, &ALL).all().await)?;
            only_a("risky", contacts::list()
                .bind(tx, &0, &None, &Some(ValidationStatus::risky), &ALL)
                .all().await,
                |r| r.organization_id)
        }
        "contacts::list_created" => |tx| {
            only_a("created in a range", contacts::list_created()
                .bind(tx, &testkit::at("2000-01-01T00:00:00Z"), &0,
                      &Some(testkit::at("2100-01-01T00:00:00Z")), &ALL).all().await,
                |r| r.organization_id)
        }
        "contacts::update" => |tx| {
            nothing("update", contacts::update()
                .bind(tx, &"frank@prospect.example", &Some("Mallory"), &NO_TEXT, &NO_TEXT,
                    &json!({}), &B_CONTACT)
                .opt().await)
        }
        "contacts::soft_delete" => |tx| {
            nothing("soft delete", contacts::soft_delete().bind(tx, &B_CONTACT).opt().await)
        }
        "contacts::restore" => |tx| {
            nothing("restore", contacts::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- dead letters -----------------------------------------------------------
        "dead_letters::get" => |tx| {
            nothing("B's letter", dead_letters::get().bind(tx, &65_536, &B_LETTER).opt().await)
        }
        "dead_letters::list" => |tx| {
            only_a("all", dead_letters::list().bind(tx, &0, &NO_TEXT, &None, &ALL).all().await,
                |r| r.organization_id)?;
            // B's letter has this reason too.
            only_a("by reason", dead_letters::list()
                .bind(tx, &0, &Some("invalid_field"), &None, &ALL).all().await,
                |r| r.organization_id)
        }
        // --- email templates -----------------------------------------------------
        "email_templates::create" => |tx| {
            // B has `offer` version 1; A's first `offer` is A's version 1.
            let t = made_in_a("create", email_templates::create()
                .bind(tx, &"offer", &"Acme offer", &"<p>Acme</p>", &NO_TEXT).one().await,
                |r| r.organization_id)?;
            if t.version == 1 {
                Ok(())
            } else {
                Err(format!("versioned after organization {B}'s template of that name: {t:?}"))
            }
        }
        "email_templates::get" => |tx| {
            nothing("live", email_templates::get().bind(tx, &B_TEMPLATE).opt().await)?;
            nothing("deleted", email_templates::get().bind(tx, &B_DELETED).opt().await)
        }
        "email_templates::list" => |tx| {
            only_a("all", email_templates::list()
                .bind(tx, &0, &ALL).all().await, |r| r.organization_id)
        }
        "email_templates::soft_delete" => |tx| {
            nothing("soft delete", email_templates::soft_delete().bind(tx, &B_TEMPLATE).opt().await)
        }
        "email_templates::restore" => |tx| {
            nothing("restore", email_templates::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- forms and their fields ----------------------------------------------
        "forms::create" => |tx| {
            made_in_a("create", forms::create().bind(tx, &"Globex quote", &NO_TEXT).one().await,
                |r| r.organization_id).map(drop)
        }
        "forms::get" => |tx| {
            nothing("live", forms::get().bind(tx, &B_FORM).opt().await)?;
            nothing("deleted", forms::get().bind(tx, &B_DELETED).opt().await)
        }
        "forms::list" => |tx| {
            only_a("all", forms::list().bind(tx, &0, &ALL).all().await, |r| r.organization_id)
        }
        "forms::update" => |tx| {
            nothing("update", forms::update().bind(tx, &"Renamed", &NO_TEXT, &B_FORM).opt().await)
        }
        "forms::soft_delete" => |tx| {
            nothing("soft delete", forms::soft_delete().bind(tx, &B_FORM).opt().await)
        }
        "forms::restore" => |tx| {
            nothing("restore", forms::restore().bind(tx, &B_DELETED).opt().await)
        }
        "form_fields::create" => |tx| {
            refused(tx, "on B's form", form_fields::create()
                .bind(tx, &B_FORM, &"phone", &"Phone", &"text", &false, &5,
                    &None::<serde_json::Value>)
                .one()).await
        }
        "form_fields::get" => |tx| {
            nothing("live", form_fields::get().bind(tx, &B_FIELD).opt().await)?;
            nothing("deleted", form_fields::get().bind(tx, &B_DELETED).opt().await)
        }
        "form_fields::list" => |tx| {
            empty("B's form", form_fields::list().bind(tx, &B_FORM).all().await)
        }
        "form_fields::update" => |tx| {
            nothing("update", form_fields::update()
                .bind(tx, &"Renamed", &"text", &false, &0, &None::<serde_json::Value>, &B_FIELD)
                .opt().await)
        }
        "form_fields::soft_delete" => |tx| {
            nothing("soft delete", form_fields::soft_delete().bind(tx, &B_FIELD).opt().await)
        }
        "form_fields::restore" => |tx| {
            nothing("restore", form_fields::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- form responses ------------------------------------------------------
        "form_responses::create" => |tx| {
            let answer = json!({"email": "x@y.example"});
            let none_ip: Option<std::net::IpAddr> = None;
            refused(tx, "to B's form", form_responses::create()
                .bind(tx, &B_FORM, &NO_ID, &NO_ID, &NO_ID, &answer, &none_ip, &NO_TEXT)
                .one()).await?;
            refused(tx, "for B's campaign", form_responses::create()
                .bind(tx, &A_FORM, &Some(B_CAMPAIGN), &NO_ID, &NO_ID, &answer, &none_ip, &NO_TEXT)
                .one()).await?;
            refused(tx, "from B's contact", form_responses::create()
                .bind(tx, &A_FORM, &NO_ID, &Some(B_CONTACT), &NO_ID, &answer, &none_ip, &NO_TEXT)
                .one()).await?;
            refused(tx, "for B's lead", form_responses::create()
                .bind(tx, &A_FORM, &NO_ID, &NO_ID, &Some(B_LEAD), &answer, &none_ip, &NO_TEXT)
                .one()).await
        }
        "form_responses::get" => |tx| {
            nothing("live", form_responses::get().bind(tx, &B_RESPONSE).opt().await)?;
            nothing("deleted", form_responses::get().bind(tx, &B_DELETED).opt().await)
        }
        "form_responses::list" => |tx| {
            only_a("all", form_responses::list().bind(tx, &0, &None, &None, &ALL).all().await,
                |r| r.organization_id)?;
            empty("B's form", form_responses::list()
                .bind(tx, &0, &Some(B_FORM), &None, &ALL).all().await)?;
            empty("B's campaign",
                form_responses::list().bind(tx, &0, &None, &Some(B_CAMPAIGN), &ALL).all().await)
        }
        "form_responses::soft_delete" => |tx| {
            nothing("soft delete", form_responses::soft_delete().bind(tx, &B_RESPONSE).opt().await)
        }
        "form_responses::restore" => |tx| {
            nothing("restore", form_responses::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- GDPR ----------------------------------------------------------------
        "gdpr::create" => |tx| {
            refused(tx, "about B's contact", gdpr::create()
                .bind(tx, &Some(B_CONTACT), &"frank@prospect.example",
                    &GdprRequestType::export)
                .one()).await
        }
        "gdpr::get" => |tx| {
            nothing("get", gdpr::get().bind(tx, &B_GDPR).opt().await)
        }
        "gdpr::list" => |tx| {
            only_a("all", gdpr::list()
                .bind(tx, &0, &None, &ALL).all().await, |r| r.organization_id)?;
            only_a("completed", gdpr::list()
                .bind(tx, &0, &Some(schema::GdprRequestStatus::completed), &ALL).all().await,
                |r| r.organization_id)
        }
        "gdpr::deletions" => |tx| {
            empty("B's request", gdpr::deletions().bind(tx, &B_GDPR).all().await)
        }
        // --- leads ---------------------------------------------------------------
        "leads::create" => |tx| {
            refused(tx, "from B's contact", leads::create()
                .bind(tx, &B_CONTACT, &NO_ID, &NO_ID, &0, &NO_TEXT).one()).await?;
            refused(tx, "for B's campaign", leads::create()
                .bind(tx, &A_CONTACT, &Some(B_CAMPAIGN), &NO_ID, &0, &NO_TEXT).one()).await?;
            refused(tx, "through B's form", leads::create()
                .bind(tx, &A_CONTACT, &NO_ID, &Some(B_FORM), &0, &NO_TEXT).one()).await
        }
        "leads::get" => |tx| {
            nothing("live", leads::get().bind(tx, &B_LEAD).opt().await)?;
            nothing("deleted", leads::get().bind(tx, &B_DELETED).opt().await)
        }
        "leads::get_for" => |tx| {
            nothing("B's contact's lead", leads::get_for()
                .bind(tx, &B_CONTACT, &Some(B_CAMPAIGN)).opt().await)
        }
        "leads::list" => |tx| {
            only_a("all", leads::list().bind(tx, &0, &None, &None, &ALL).all().await,
                |r| r.organization_id)?;
            only_a("new", leads::list()
                .bind(tx, &0, &Some(LeadStatus::new), &None, &ALL).all().await,
                |r| r.organization_id)?;
            empty("B's campaign", leads::list()
                .bind(tx, &0, &None, &Some(B_CAMPAIGN), &ALL).all().await)
        }
        "leads::update" => |tx| {
            nothing("update", leads::update().bind(tx, &99, &Some("mine"), &B_LEAD).opt().await)
        }
        "leads::move_to" => |tx| {
            nothing("new -> qualified", leads::move_to()
                .bind(tx, &LeadStatus::qualified, &B_LEAD).opt().await)
        }
        "leads::soft_delete" => |tx| {
            nothing("soft delete", leads::soft_delete().bind(tx, &B_LEAD).opt().await)
        }
        "leads::restore" => |tx| {
            nothing("restore", leads::restore().bind(tx, &B_DELETED).opt().await)
        }
        // --- organizations (the tenant's own row) ---------------------------------
        "organizations::get" => |tx| {
            match organizations::get().bind(tx).opt().await.map_err(pg)? {
                Some(o) if o.id == A.0 => Ok(()),
                other => Err(format!("expected organization {}, got {other:?}", A.0)),
            }
        }
        "organizations::update" => |tx| {
            let all: Vec<_> = organizations::update()
                .bind(tx, &"Acme Leads (renamed)", &Some("acme.example"))
                .all().await.map_err(pg)?;
            if all.len() == 1 && all[0].id == A.0 {
                Ok(())
            } else {
                Err(format!("expected to rename organization {} only, renamed {all:?}", A.0))
            }
        }
        // --- roles, permissions, memberships --------------------------------------
        "roles::create" => |tx| {
            made_in_a("create", roles::create().bind(tx, &"auditor", &NO_TEXT).one().await,
                |r| r.organization_id).map(drop)
        }
        "roles::get" => |tx| {
            nothing("get", roles::get().bind(tx, &B_ADMIN_ROLE).opt().await)
        }
        "roles::list" => |tx| {
            only_a("all", roles::list().bind(tx, &0, &ALL).all().await, |r| r.organization_id)
        }
        "roles::update" => |tx| {
            nothing("update", roles::update()
                .bind(tx, &"owned", &NO_TEXT, &B_ADMIN_ROLE).opt().await)
        }
        "roles::delete" => |tx| {
            nothing("delete", roles::delete().bind(tx, &B_VIEWER_ROLE).opt().await)
        }
        "roles::grant" => |tx| {
            no_rows("grant", roles::grant().bind(tx, &B_VIEWER_ROLE, &"contact.write").await)
        }
        "roles::revoke" => |tx| {
            no_rows("revoke", roles::revoke().bind(tx, &B_ADMIN_ROLE, &"campaign.read").await)
        }
        "roles::role_permissions" => |tx| {
            empty("B's role", roles::role_permissions().bind(tx, &B_ADMIN_ROLE).all().await)
        }
        "roles::add_member" => |tx| {
            refused(tx, "with B's role", roles::add_member()
                .bind(tx, &B_USER, &B_ADMIN_ROLE).one()).await
        }
        "roles::members" => |tx| {
            only_a("all", roles::members().bind(tx, &0, &ALL).all().await, |r| r.organization_id)
        }
        "roles::members_of" => |tx| {
            empty("B's user", roles::members_of().bind(tx, &[B_USER].as_slice()).all().await)
        }
        "roles::change_member_role" => |tx| {
            nothing("B's membership", roles::change_member_role()
                .bind(tx, &A_ROLE, &B_MEMBERSHIP).opt().await)?;
            refused(tx, "A's membership to B's role", roles::change_member_role()
                .bind(tx, &B_ADMIN_ROLE, &A_MEMBERSHIP).opt()).await
        }
        "roles::remove_member" => |tx| {
            nothing("remove", roles::remove_member().bind(tx, &B_MEMBERSHIP).opt().await)
        }
        // --- users -----------------------------------------------------------------
        "users::create" => |tx| {
            refused(tx, "with B's role", users::create()
                .bind(tx, &"mallory@evil.example", &"Mallory", &B_ADMIN_ROLE).one()).await
        }
        "users::get" => |tx| {
            nothing("B's user", users::get().bind(tx, &B_USER).opt().await)
        }
        "users::get_by_email" => |tx| {
            nothing("B's user", users::get_by_email().bind(tx, &B_USER_EMAIL).opt().await)
        }
        "users::list" => |tx| {
            let members = users::list().bind(tx, &0, &ALL).all().await.map_err(pg)?;
            match members.iter().find(|u| !A_USERS.contains(&u.id)) {
                None => Ok(()),
                Some(u) => Err(format!("listed a user who is not a member: {u:?}")),
            }
        }
        "users::update" => |tx| {
            nothing("B's user", users::update()
                .bind(tx, &"mallory@evil.example", &"Mallory", &B_USER).opt().await)
        }
        // --- validation ------------------------------------------------------------
        "validation::deactivate" => |tx| {
            empty("B's rule", validation::deactivate().bind(tx, &B_RULE_NAME).all().await)
        }
        "validation::create" => |tx| {
            // B has version 1 of this rule; A's first is A's version 1, B's stays active.
            let rule = made_in_a("create", validation::create()
                .bind(tx, &B_RULE_NAME, &"blocklist", &json!({"domains": []})).one().await,
                |r| r.organization_id)?;
            if rule.version == 1 && rule.is_active {
                Ok(())
            } else {
                Err(format!("versioned after organization {B}'s rule of that name: {rule:?}"))
            }
        }
        "validation::get" => |tx| {
            nothing("get", validation::get().bind(tx, &B_RULE).opt().await)
        }
        "validation::list" => |tx| {
            only_a("all", validation::list().bind(tx, &0, &None, &ALL).all().await,
                |r| r.organization_id)?;
            only_a("active", validation::list().bind(tx, &0, &Some(true), &ALL).all().await,
                |r| r.organization_id)
        }
        "validation::logs" => |tx| {
            empty("B's contact", validation::logs().bind(tx, &B_CONTACT, &ALL).all().await)
        }
    }
}

/// `module::query` for every `--! query` annotation in `schema/queries/*.sql`.
fn annotated_queries() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let module = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("--!") else {
                continue;
            };
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                !name.is_empty(),
                "{}: annotation without a name: {line}",
                path.display()
            );
            names.insert(format!("{module}::{name}"));
        }
    }
    assert!(
        !names.is_empty(),
        "no annotated queries in {}",
        dir.display()
    );
    names
}

#[test]
fn every_tenant_query_has_an_isolation_check() {
    let annotated = annotated_queries();
    let checks = isolation_checks();
    let covered: BTreeSet<String> = checks.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(covered.len(), checks.len(), "a query is checked twice");
    let exempt: BTreeSet<String> = EXEMPT.iter().map(|(n, _)| (*n).to_owned()).collect();

    let unchecked: Vec<_> = annotated
        .iter()
        .filter(|n| !covered.contains(*n) && !exempt.contains(*n))
        .collect();
    assert!(
        unchecked.is_empty(),
        "schema/queries declares {unchecked:?} without an isolation check: add a check to \
         isolation_checks() in schema/tests/it/domain_isolation.rs (or, for a query that is not \
         a tenant's, an entry with the reason to EXEMPT)"
    );
    let stale: Vec<_> = covered
        .union(&exempt)
        .filter(|n| !annotated.contains(*n))
        .collect();
    assert!(
        stale.is_empty(),
        "isolation checks or exemptions for {stale:?}, which no file in schema/queries declares"
    );
    let both: Vec<_> = covered.intersection(&exempt).collect();
    assert!(both.is_empty(), "{both:?} are both checked and exempt");
}

/// Every row of organization B's, as the owner sees it: per table, the sorted `to_jsonb`
/// of its rows (and B's organization row and B's own users).
async fn rows_of_b(client: &Client) -> BTreeMap<String, String> {
    let tables: Vec<String> = testkit::column(
        client,
        "SELECT c.relname::text FROM pg_class c
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id'
                              AND NOT a.attisdropped
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            AND NOT c.relispartition
          ORDER BY 1",
    )
    .await;
    let agg = "coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text";
    let mut queries: Vec<(String, String)> = tables
        .iter()
        .map(|t| {
            let sql = format!("SELECT {agg} FROM {t} t WHERE organization_id = $1");
            (t.clone(), sql)
        })
        .collect();
    queries.push((
        "organizations".to_owned(),
        format!("SELECT {agg} FROM organizations t WHERE id = $1"),
    ));
    // B's own users: members of B and of no other organization.
    queries.push((
        "users".to_owned(),
        format!(
            "SELECT {agg} FROM users t
              WHERE id IN (SELECT user_id FROM memberships WHERE organization_id = $1)
                AND id NOT IN (SELECT user_id FROM memberships WHERE organization_id <> $1)"
        ),
    ));
    let mut rows = BTreeMap::new();
    for (name, sql) in queries {
        let text: String = client
            .query_one(&sql, &[&B])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}", pg(e)))
            .get(0);
        rows.insert(name, text);
    }
    rows
}

#[tokio::test]
async fn no_domain_query_of_one_organization_reads_or_changes_another() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(TWO_TENANTS).await.unwrap();
    client.batch_execute(DOMAINS).await.unwrap();
    let before = rows_of_b(&client).await;
    for table in [
        "contact_lists",
        "contacts",
        "email_templates",
        "forms",
        "form_fields",
        "campaigns",
        "campaign_contact_assignments",
        "leads",
        "form_responses",
        "gdpr_requests",
        "data_deletions",
        "validation_rules",
        "validation_logs",
        "roles",
        "role_permissions",
        "memberships",
        "audit_logs",
        "dead_letters",
        "users",
    ] {
        assert_ne!(
            before[table], "[]",
            "{table}: the fixture gives organization {B} no row to protect"
        );
    }

    let annotated = annotated_queries();
    let checks = isolation_checks();
    let mut failures = Vec::new();
    for (name, check) in &checks {
        // Committed, not rolled back: whatever a query did to B's rows stays for the
        // comparison below.
        let tx = Tenant::new(A, Actor::User(7))
            .begin(&mut client)
            .await
            .unwrap();
        let outcome = check(&tx).await;
        tx.commit().await.unwrap();
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    let after = rows_of_b(&client).await;
    for (table, rows) in &before {
        if &after[table] != rows {
            failures.push(format!(
                "{table}: organization {B}'s rows changed\n  before: {rows}\n  after:  {}",
                after[table]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "organization {} reached organization {B}'s data:\n{}",
        A.0,
        failures.join("\n")
    );
    assert_eq!(
        checks.len() + EXEMPT.len(),
        annotated.len(),
        "every annotated query is checked or exempt"
    );
}

/// What a connection carries outside any transaction: tenant, actor, role, and which
/// server process it is.
async fn session_state(client: &Client) -> (Option<String>, Option<String>, String, i32) {
    let row = client
        .query_one(
            "SELECT current_setting('tally.organization_id', true),
                    current_setting('tally.actor', true), current_user::text, pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

async fn campaign_names(client: &mut Client, organization: i64) -> Vec<String> {
    let tx = Tenant::new(OrganizationId(organization), Actor::System)
        .begin(client)
        .await
        .unwrap();
    let names = campaigns::list()
        .bind(&tx, &0, &None, &ALL)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    tx.commit().await.unwrap();
    names
}

#[tokio::test]
async fn a_pooled_connection_carries_no_tenant_into_the_next_transaction() {
    let db = TestDb::migrated().await;
    let owner = db.connect().await;
    owner.batch_execute(TWO_TENANTS).await.unwrap();
    owner.batch_execute(DOMAINS).await.unwrap();
    let owner_role: String = owner
        .query_one("SELECT current_user::text", &[])
        .await
        .unwrap()
        .get(0);
    let pool = schema::pool(db.config(), 1).unwrap();
    let pid = session_state(&pool.get().await.unwrap()).await.3;

    let clean = |state: (Option<String>, Option<String>, String, i32), after: &str| {
        assert_eq!(
            state.3, pid,
            "after {after}: the pool opened another connection"
        );
        assert!(
            state.0.as_deref().unwrap_or_default().is_empty(),
            "after {after}: the tenant stayed set: {:?}",
            state.0
        );
        assert!(
            state.1.as_deref().unwrap_or_default().is_empty(),
            "after {after}: the actor stayed set: {:?}",
            state.1
        );
        assert_eq!(
            state.2, owner_role,
            "after {after}: the connection stayed in another role"
        );
    };

    // Committed.
    {
        let mut conn = pool.get().await.unwrap();
        let tx = Tenant::new(A, Actor::User(7))
            .begin(&mut conn)
            .await
            .unwrap();
        contact_lists::create()
            .bind(&tx, &"Committed", &NO_TEXT)
            .one()
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let state = session_state(&pool.get().await.unwrap()).await;
    clean(state, "a committed tenant transaction");
    assert_eq!(
        campaign_names(&mut pool.get().await.unwrap(), B).await,
        ["Globex November", "Globex winter"],
        "after a committed transaction of A's, B's transaction sees other rows"
    );

    // Rolled back.
    {
        let mut conn = pool.get().await.unwrap();
        let tx = Tenant::new(A, Actor::User(7))
            .begin(&mut conn)
            .await
            .unwrap();
        contact_lists::create()
            .bind(&tx, &"Rolled back", &NO_TEXT)
            .one()
            .await
            .unwrap();
        tx.rollback().await.unwrap();
    }
    clean(
        session_state(&pool.get().await.unwrap()).await,
        "a rolled-back tenant transaction",
    );
    assert_eq!(
        campaign_names(&mut pool.get().await.unwrap(), B).await,
        ["Globex November", "Globex winter"],
        "after a rolled-back transaction of A's, B's transaction sees other rows"
    );

    // Errored, then dropped without a rollback (as a `?` would leave it).
    {
        let mut conn = pool.get().await.unwrap();
        let tx = Tenant::new(A, Actor::User(7))
            .begin(&mut conn)
            .await
            .unwrap();
        let refused = contacts::create()
            .bind(
                &tx,
                &B_LIST,
                &"mallory@evil.example",
                &NO_TEXT,
                &NO_TEXT,
                &NO_TEXT,
                &json!({}),
            )
            .one()
            .await;
        let code = refused.expect_err("a contact in B's list").code().cloned();
        assert_eq!(
            code,
            Some(SqlState::FOREIGN_KEY_VIOLATION),
            "refused by the server"
        );
        drop(tx);
    }
    clean(
        session_state(&pool.get().await.unwrap()).await,
        "an errored tenant transaction",
    );
    assert_eq!(
        campaign_names(&mut pool.get().await.unwrap(), B).await,
        ["Globex November", "Globex winter"],
        "after an errored transaction of A's, B's transaction sees other rows"
    );
    assert_eq!(
        campaign_names(&mut pool.get().await.unwrap(), A.0).await,
        ["Acme November"],
        "A's transaction on the same connection"
    );
    // Only the committed list was kept.
    let lists: Vec<String> = testkit::column(
        &owner,
        "SELECT name FROM contact_lists WHERE organization_id = 1 ORDER BY id",
    )
    .await;
    assert_eq!(lists, ["Acme newsletter", "Committed"]);
}

/// Users are global and a membership is what makes one visible to a tenant; adding a
/// member takes any user id. So organization A can adopt a user who belongs to B only,
/// then read and change that user's row (their sign-in email).
#[tokio::test]
async fn a_tenant_cannot_adopt_and_change_another_organizations_user() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(TWO_TENANTS).await.unwrap();
    let tx = Tenant::new(A, Actor::User(7))
        .begin(&mut client)
        .await
        .unwrap();
    let added = roles::add_member().bind(&tx, &B_USER, &A_ROLE).one().await;
    let changed = match added {
        Ok(_) => users::update()
            .bind(&tx, &"mallory@evil.example", &"Bob Builder", &B_USER)
            .opt()
            .await
            .unwrap(),
        Err(_) => None,
    };
    tx.rollback().await.unwrap();
    assert!(
        added.is_err(),
        "organization {} made organization {B}'s user {B_USER} its member ({added:?}), then \
         changed that user's sign-in email: {changed:?}",
        A.0
    );
}
