//! One organization in one tenant transaction (role `tally_app`, actor `seed`): its
//! access (roles, their permissions, users and memberships) and its audience
//! (validation rules, contact lists, contacts and their verdicts), then what the
//! campaigns' side adds (`campaigns`).

use std::collections::HashSet;

use rand::Rng as _;
use rand::seq::IndexedRandom as _;
use rand_chacha::ChaCha8Rng;
use schema::domains::{contact_lists, contacts, roles, users, validation};
use schema::{Actor, OrganizationId, PgEnum as _, Tenant, ValidationStatus};
use serde_json::{Map, Value, json};
use tokio_postgres::{Client, Transaction};

use super::addresses::{address, local_part, name, unique, verdict};
use super::catalog::{self, ROLES};
use super::{Org, PlatformPlan, PlatformSummary, campaigns};
use crate::SimulateError;

/// Who the audit trail names for every seeded change.
pub(super) const ACTOR: Actor = Actor::Process("seed");

/// The contacts of each list that are always valid, so every list has recipients for
/// the campaigns and candidates for the leads whatever the seed draws.
const SURE_VALID_PER_LIST: usize = 4;
/// Share of the other contacts not validated yet (their status stays pending).
const PENDING_SHARE: f64 = 0.08;

/// A contact as seeded.
pub(super) struct Contact {
    pub id: i64,
    /// Index into the organization's lists.
    pub list: usize,
    pub email: String,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub status: ValidationStatus,
}

/// Seeds the organization, or returns `None` without changing anything if it already
/// has roles (a previous run seeded it).
pub(super) async fn seed(
    client: &mut Client,
    org: &Org,
    plan: &PlatformPlan,
    rng: &mut ChaCha8Rng,
) -> Result<Option<PlatformSummary>, SimulateError> {
    let tx = Tenant::new(OrganizationId(org.id), ACTOR)
        .begin(client)
        .await
        .map_err(org.pg("opening its tenant transaction"))?;
    let roles = roles::list()
        .bind(&tx, &0, &1)
        .all()
        .await
        .map_err(org.pg("looking for its roles"))?;
    if !roles.is_empty() {
        // Dropping the transaction rolls it back: nothing was written.
        return Ok(None);
    }
    let mut s = PlatformSummary {
        organizations: 1,
        ..PlatformSummary::default()
    };
    access(&tx, org, plan, rng, &mut s).await?;
    let rules = rules(&tx, org, &mut s).await?;
    let lists = lists(&tx, org, rng, &mut s).await?;
    let contacts = contacts(&tx, org, plan, rng, &lists, &rules, &mut s).await?;
    campaigns::seed(&tx, org, rng, &lists, &contacts, &mut s).await?;
    tx.commit().await.map_err(org.pg("committing"))?;
    Ok(Some(s))
}

/// Roles with their permissions, and the users: the first users get one role each in
/// [`ROLES`] order (the first is the admin), further ones a non-admin role at random.
async fn access(
    tx: &Transaction<'_>,
    org: &Org,
    plan: &PlatformPlan,
    rng: &mut ChaCha8Rng,
    s: &mut PlatformSummary,
) -> Result<(), SimulateError> {
    let vocabulary: Vec<String> = roles::permissions()
        .bind(tx)
        .all()
        .await
        .map_err(org.pg("reading the permission vocabulary"))?
        .into_iter()
        .map(|p| p.key)
        .collect();
    let mut role_ids = Vec::with_capacity(ROLES.len());
    for spec in ROLES {
        let what = format!("creating role {}", spec.name);
        let role = roles::create()
            .bind(tx, &spec.name, &Some(spec.description))
            .one()
            .await
            .map_err(org.pg(&what))?;
        s.roles += 1;
        let keys: Vec<&str> = match spec.permissions {
            Some(keys) => keys.to_vec(),
            None => vocabulary.iter().map(String::as_str).collect(),
        };
        for key in keys {
            s.role_permissions += roles::grant()
                .bind(tx, &role.id, &key)
                .await
                .map_err(org.pg(&format!("granting {key} to role {}", spec.name)))?;
        }
        role_ids.push(role.id);
    }
    let mut taken = HashSet::new();
    for u in 0..plan.users_per_organization as usize {
        let role = if u < ROLES.len() {
            u
        } else {
            rng.random_range(1..ROLES.len())
        };
        let (first, last) = name(rng);
        let email = unique(&mut taken, &local_part(first, last, 0), &org.domain);
        let full_name = format!("{first} {last}");
        users::create()
            .bind(tx, &email.as_str(), &full_name, &role_ids[role])
            .one()
            .await
            .map_err(org.pg(&format!("creating user {email}")))?;
        s.users += 1;
    }
    Ok(())
}

/// The active rule versions by name, as `validation_details.rules` records them.
type RuleVersions = Map<String, Value>;

/// The blocked-domain, disposable-domain (two versions: the list grew) and role-account
/// rules.
async fn rules(
    tx: &Transaction<'_>,
    org: &Org,
    s: &mut PlatformSummary,
) -> Result<RuleVersions, SimulateError> {
    let disposable_v1 = &catalog::DISPOSABLE_DOMAINS[..catalog::DISPOSABLE_DOMAINS_V1];
    let versions = [
        (
            catalog::RULE_BLOCKED,
            "blocked_domain",
            json!({ "domains": catalog::BLOCKED_DOMAINS }),
        ),
        (
            catalog::RULE_DISPOSABLE,
            "disposable_domain",
            json!({ "domains": disposable_v1 }),
        ),
        (
            catalog::RULE_DISPOSABLE,
            "disposable_domain",
            json!({ "domains": catalog::DISPOSABLE_DOMAINS }),
        ),
        (
            catalog::RULE_ROLE,
            "role_account",
            json!({ "local_parts": catalog::ROLE_LOCAL_PARTS }),
        ),
    ];
    let mut active = RuleVersions::new();
    for (name, rule_type, definition) in versions {
        let what = format!("publishing validation rule {name:?}");
        // Retires the version before, if any: one active version per name.
        validation::deactivate()
            .bind(tx, &name)
            .all()
            .await
            .map_err(org.pg(&what))?;
        let rule = validation::create()
            .bind(tx, &name, &rule_type, &definition)
            .one()
            .await
            .map_err(org.pg(&what))?;
        s.validation_rules += 1;
        active.insert(name.to_owned(), json!(rule.version));
    }
    Ok(active)
}

/// Two or three contact lists; returns their ids.
async fn lists(
    tx: &Transaction<'_>,
    org: &Org,
    rng: &mut ChaCha8Rng,
    s: &mut PlatformSummary,
) -> Result<Vec<i64>, SimulateError> {
    let count = rng.random_range(2..=3);
    let mut ids = Vec::with_capacity(count);
    for &(name, description) in catalog::LISTS.choose_multiple(rng, count) {
        let list = contact_lists::create()
            .bind(tx, &name, &Some(description))
            .one()
            .await
            .map_err(org.pg(&format!("creating contact list {name:?}")))?;
        s.contact_lists += 1;
        ids.push(list.id);
    }
    Ok(ids)
}

/// The contacts, one `contacts::create` each, then the verdicts of those validated.
async fn contacts(
    tx: &Transaction<'_>,
    org: &Org,
    plan: &PlatformPlan,
    rng: &mut ChaCha8Rng,
    lists: &[i64],
    rules: &RuleVersions,
    s: &mut PlatformSummary,
) -> Result<Vec<Contact>, SimulateError> {
    let create = contacts::create()
        .prepare(tx)
        .await
        .map_err(org.pg("preparing contacts::create"))?;
    let mut taken = HashSet::new();
    let mut seeded = Vec::with_capacity(plan.contacts_per_organization as usize);
    let (mut ids, mut statuses, mut details) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..plan.contacts_per_organization as usize {
        let sure = k < SURE_VALID_PER_LIST * lists.len();
        let list = if sure {
            k % lists.len()
        } else {
            rng.random_range(0..lists.len())
        };
        let (first, last) = name(rng);
        let email = address(rng, &mut taken, list, first, last, sure);
        let phone = rng
            .random_bool(0.6)
            .then(|| format!("+1 202-555-{:04}", rng.random_range(100..200)));
        let attributes = json!({
            "job_title": catalog::JOB_TITLES.choose(rng),
            "country": catalog::COUNTRIES.choose(rng),
        });
        let contact = create
            .bind(
                tx,
                &lists[list],
                &email.as_str(),
                &Some(first),
                &Some(last),
                &phone,
                &attributes,
            )
            .one()
            .await
            .map_err(org.pg(&format!("creating contact {email}")))?;
        s.contacts += 1;
        let mut status = ValidationStatus::pending;
        if sure || !rng.random_bool(PENDING_SHARE) {
            let (verdict, failed) = verdict(&email);
            status = verdict;
            ids.push(contact.id);
            statuses.push(verdict.as_str());
            details.push(json!({ "rules": rules, "failed": failed }));
        }
        seeded.push(Contact {
            id: contact.id,
            list,
            email,
            first_name: first,
            last_name: last,
            status,
        });
    }
    s.contacts_validated = tx
        .execute(
            include_str!("validate_contacts.sql"),
            &[&ids, &statuses, &details],
        )
        .await
        .map_err(org.pg("recording the contacts' validation"))?;
    Ok(seeded)
}
