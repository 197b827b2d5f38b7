//! A realistic platform for newcomers and manual testing, written through the CRUD
//! domains' queries (`schema::domains`) in tenant transactions with actor `seed`, so row
//! level security, the status flows and the audit trail see exactly what the
//! application would do.
//!
//! Each organization gets the roles admin, marketer, sales and viewer with their
//! permissions, users with memberships, two or three contact lists, contacts (most of
//! them validated against the organization's blocked-domain, disposable-domain and
//! role-account rules), email templates (one with two versions), two forms, campaigns in
//! every state (created as drafts and moved along the flow), their assignments, leads in
//! every state with the form responses that brought them in, and one GDPR request of
//! each type. The permission vocabulary is global and inserted by the owner when missing
//! (no migration does it).
//!
//! Organization `i` is always the same company (name and `.example` domain), whatever
//! the seed; the seed decides everything inside it. A run that finds an organization's
//! domain among the live organizations leaves it alone and counts it as already
//! seeded, so running twice changes nothing the second time, and raising
//! `organizations` adds only the missing ones. An organization is filled in one
//! transaction; one left empty by an interrupted run is filled by the next.
//! Concurrent runs on one database are not supported (the second fails on the
//! organizations' unique domain).

mod addresses;
mod campaigns;
mod catalog;
mod organization;

use std::collections::HashMap;

use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;
use schema::domains::organizations;
use tokio_postgres::Client;
use tracing::instrument;

use super::SimulateError;

/// The least contacts per organization: every list gets enough valid contacts for the
/// campaigns' assignments and leads in every state.
pub const MIN_PLATFORM_CONTACTS: u32 = 20;

/// What [`seed_platform`] creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformPlan {
    /// Random seed: the same seed gives the same names, addresses and choices.
    pub seed: u64,
    /// Organizations (default 3).
    pub organizations: u32,
    /// Users per organization, each a member with one role; the first is the admin
    /// (default 4: one per role).
    pub users_per_organization: u32,
    /// Contacts per organization, spread over its lists (default 200, at least
    /// [`MIN_PLATFORM_CONTACTS`]).
    pub contacts_per_organization: u32,
}

impl Default for PlatformPlan {
    fn default() -> Self {
        Self {
            seed: 1,
            organizations: 3,
            users_per_organization: 4,
            contacts_per_organization: 200,
        }
    }
}

impl PlatformPlan {
    /// Checks the plan; the message names the field at fault.
    pub fn validate(&self) -> Result<(), String> {
        if self.organizations == 0 {
            return Err("organizations must be at least 1".to_owned());
        }
        if self.users_per_organization == 0 {
            return Err("users_per_organization must be at least 1 (the admin)".to_owned());
        }
        if self.contacts_per_organization < MIN_PLATFORM_CONTACTS {
            return Err(format!(
                "contacts_per_organization is {}: at least {MIN_PLATFORM_CONTACTS} are needed \
                 for campaigns and leads in every state",
                self.contacts_per_organization
            ));
        }
        Ok(())
    }

    /// Name and domain of organization `index` (0-based): they identify it on a later run.
    pub fn organization(&self, index: u32) -> (String, String) {
        let n = catalog::COMPANIES.len();
        let (name, stem) = catalog::COMPANIES[index as usize % n];
        match index as usize / n {
            0 => (name.to_owned(), format!("{stem}.example")),
            round => (
                format!("{name} {}", round + 1),
                format!("{stem}-{}.example", round + 1),
            ),
        }
    }
}

/// What [`seed_platform`] created, by kind. Organizations found already seeded add
/// nothing but `already_seeded`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlatformSummary {
    /// Organizations seeded by this run.
    pub organizations: u64,
    /// Organizations a previous run seeded, left alone.
    pub already_seeded: u64,
    /// Permission keys added to the global vocabulary.
    pub permissions: u64,
    /// Roles.
    pub roles: u64,
    /// Permissions granted to roles.
    pub role_permissions: u64,
    /// Users, each with a membership.
    pub users: u64,
    /// Contact lists.
    pub contact_lists: u64,
    /// Contacts.
    pub contacts: u64,
    /// Contacts validated (valid, invalid or risky); the others stay pending.
    pub contacts_validated: u64,
    /// Validation rule versions.
    pub validation_rules: u64,
    /// Email template versions.
    pub email_templates: u64,
    /// Forms.
    pub forms: u64,
    /// Form fields.
    pub form_fields: u64,
    /// Campaigns (every state).
    pub campaigns: u64,
    /// Campaign assignments.
    pub assignments: u64,
    /// Leads (every state).
    pub leads: u64,
    /// Form responses (each linked to its lead).
    pub form_responses: u64,
    /// GDPR requests (one export and one deletion per organization).
    pub gdpr_requests: u64,
}

impl PlatformSummary {
    fn add(&mut self, o: &PlatformSummary) {
        self.organizations += o.organizations;
        self.already_seeded += o.already_seeded;
        self.permissions += o.permissions;
        self.roles += o.roles;
        self.role_permissions += o.role_permissions;
        self.users += o.users;
        self.contact_lists += o.contact_lists;
        self.contacts += o.contacts;
        self.contacts_validated += o.contacts_validated;
        self.validation_rules += o.validation_rules;
        self.email_templates += o.email_templates;
        self.forms += o.forms;
        self.form_fields += o.form_fields;
        self.campaigns += o.campaigns;
        self.assignments += o.assignments;
        self.leads += o.leads;
        self.form_responses += o.form_responses;
        self.gdpr_requests += o.gdpr_requests;
    }
}

/// One line: `3 organizations, 12 users, ...`, and how many were already seeded.
impl std::fmt::Display for PlatformSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} organizations, {} users, {} roles, {} contact lists, {} contacts, {} rules, \
             {} templates, {} forms, {} campaigns, {} assignments, {} leads, {} form \
             responses, {} GDPR requests",
            self.organizations,
            self.users,
            self.roles,
            self.contact_lists,
            self.contacts,
            self.validation_rules,
            self.email_templates,
            self.forms,
            self.campaigns,
            self.assignments,
            self.leads,
            self.form_responses,
            self.gdpr_requests
        )?;
        if self.already_seeded > 0 {
            write!(f, "; {} already seeded, left alone", self.already_seeded)?;
        }
        Ok(())
    }
}

/// An organization being seeded.
pub(crate) struct Org {
    pub id: i64,
    pub name: String,
    pub domain: String,
}

impl Org {
    /// Wraps a failed statement with the organization and the step.
    pub fn pg(&self, what: &str) -> impl FnOnce(tokio_postgres::Error) -> SimulateError + use<> {
        SimulateError::pg(format!(
            "seeding organization {} ({}, id {}): {what}",
            self.name, self.domain, self.id
        ))
    }
}

/// Seeds the plan's organizations (see the module documentation), each in one tenant
/// transaction with actor `seed`; the connection must be the tables' owner (it creates
/// organizations and permission keys). Runs on a migrated database.
#[instrument(skip_all, fields(organizations = plan.organizations, seed = plan.seed))]
pub async fn seed_platform(
    client: &mut Client,
    plan: &PlatformPlan,
) -> Result<PlatformSummary, SimulateError> {
    plan.validate().map_err(SimulateError::InvalidPlan)?;
    let mut summary = PlatformSummary {
        permissions: insert_permissions(client).await?,
        ..PlatformSummary::default()
    };
    let existing = live_organizations(client).await?;
    for index in 0..plan.organizations {
        let (name, domain) = plan.organization(index);
        let id = match existing.get(&domain.to_lowercase()) {
            Some(&id) => id,
            None => create_organization(client, &name, &domain).await?,
        };
        let org = Org { id, name, domain };
        let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
        rng.set_stream(u64::from(index));
        match organization::seed(client, &org, plan, &mut rng).await? {
            Some(seeded) => {
                tracing::info!(
                    organization = org.id,
                    contacts = seeded.contacts,
                    campaigns = seeded.campaigns,
                    leads = seeded.leads,
                    "organization seeded"
                );
                summary.add(&seeded);
            }
            None => {
                tracing::info!(organization = org.id, "organization already seeded");
                summary.already_seeded += 1;
            }
        }
    }
    Ok(summary)
}

/// Adds the permission keys the vocabulary lacks, as the owner (a global table).
async fn insert_permissions(client: &Client) -> Result<u64, SimulateError> {
    let (keys, descriptions): (Vec<&str>, Vec<&str>) = catalog::PERMISSIONS.iter().copied().unzip();
    client
        .execute(
            include_str!("platform/permissions.sql"),
            &[&keys, &descriptions],
        )
        .await
        .map_err(SimulateError::pg("seeding the permission vocabulary"))
}

/// Live organizations by lower-cased domain.
async fn live_organizations(client: &Client) -> Result<HashMap<String, i64>, SimulateError> {
    let mut found = HashMap::new();
    let mut after = 0;
    loop {
        let page = organizations::admin_list()
            .bind(client, &after, &1_000)
            .all()
            .await
            .map_err(SimulateError::pg("listing the live organizations"))?;
        let Some(last) = page.last() else {
            return Ok(found);
        };
        after = last.id;
        for org in page {
            if let Some(domain) = org.domain {
                found.insert(domain.to_lowercase(), org.id);
            }
        }
    }
}

/// Creates an organization as the owner, with actor `seed` for its audit row.
async fn create_organization(
    client: &mut Client,
    name: &str,
    domain: &str,
) -> Result<i64, SimulateError> {
    let what = format!("creating organization {name} ({domain})");
    let tx = client
        .transaction()
        .await
        .map_err(SimulateError::pg(what.clone()))?;
    tx.execute(
        "SELECT set_config($1, $2, true)",
        &[&schema::ACTOR_SETTING, &organization::ACTOR.to_string()],
    )
    .await
    .map_err(SimulateError::pg(what.clone()))?;
    let org = organizations::admin_create()
        .bind(&tx, &name, &Some(domain))
        .one()
        .await
        .map_err(SimulateError::pg(what.clone()))?;
    tx.commit().await.map_err(SimulateError::pg(what))?;
    Ok(org.id)
}
