//! Creates the rows a plan's events refer to: organizations, one contact list each,
//! the contacts and the campaigns, with the plan's deterministic ids.

use tokio_postgres::Client;

use super::SimulateError;
use super::payload::FIRST_NAMES;
use super::plan::{CONTACT_STRIDE, SimulationPlan};

/// How many rows [`seed_database`] created (rows that already existed are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    /// Organizations created.
    pub organizations: u64,
    /// Contact lists created.
    pub contact_lists: u64,
    /// Contacts created.
    pub contacts: u64,
    /// Campaigns created.
    pub campaigns: u64,
}

/// Creates, in one transaction and idempotently (existing rows are left alone), every
/// organization, contact list, contact and campaign the plan's valid records refer to.
/// Runs as the table owner: row-level security is enabled but not forced for it.
pub async fn seed_database(
    client: &Client,
    plan: &SimulationPlan,
) -> Result<SeedSummary, SimulateError> {
    plan.validate().map_err(SimulateError::InvalidPlan)?;
    client
        .batch_execute("BEGIN")
        .await
        .map_err(SimulateError::pg("seeding: BEGIN"))?;
    match insert_all(client, plan).await {
        Ok(summary) => {
            client
                .batch_execute("COMMIT")
                .await
                .map_err(SimulateError::pg("seeding: COMMIT"))?;
            tracing::info!(
                organizations = summary.organizations,
                contact_lists = summary.contact_lists,
                contacts = summary.contacts,
                campaigns = summary.campaigns,
                "simulation seeded"
            );
            Ok(summary)
        }
        Err(e) => {
            // The original error is what matters; a failed rollback ends the session's
            // transaction anyway.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn insert_all(client: &Client, plan: &SimulationPlan) -> Result<SeedSummary, SimulateError> {
    let orgs: Vec<i64> = (0..plan.organizations)
        .map(|o| plan.organization_id(o))
        .collect();
    let lists: Vec<i64> = (0..plan.organizations)
        .map(|o| plan.contact_list_id(o))
        .collect();
    let mut campaign_orgs = Vec::new();
    let mut campaign_ids = Vec::new();
    let mut campaign_lists = Vec::new();
    for o in 0..plan.organizations {
        for c in 0..plan.campaigns_per_organization {
            campaign_orgs.push(plan.organization_id(o));
            campaign_ids.push(plan.campaign_id(o, c));
            campaign_lists.push(plan.contact_list_id(o));
        }
    }
    let first_names: Vec<&str> = FIRST_NAMES.to_vec();
    let contacts = i64::from(plan.contacts_per_organization);
    let (window_start, _) = plan.window();
    let describe = |table: &str| {
        format!(
            "seeding {table} for organizations {}..={}",
            plan.organization_id(0),
            plan.organization_id(plan.organizations - 1)
        )
    };
    let organizations = client
        .execute(include_str!("seed_organizations.sql"), &[&orgs])
        .await
        .map_err(SimulateError::pg(describe("organizations")))?;
    let contact_lists = client
        .execute(include_str!("seed_contact_lists.sql"), &[&orgs, &lists])
        .await
        .map_err(SimulateError::pg(describe("contact_lists")))?;
    let contacts = client
        .execute(
            include_str!("seed_contacts.sql"),
            &[&orgs, &lists, &contacts, &CONTACT_STRIDE, &first_names],
        )
        .await
        .map_err(SimulateError::pg(describe("contacts")))?;
    let campaigns = client
        .execute(
            include_str!("seed_campaigns.sql"),
            &[
                &campaign_orgs,
                &campaign_ids,
                &campaign_lists,
                &window_start,
            ],
        )
        .await
        .map_err(SimulateError::pg(describe("campaigns")))?;
    Ok(SeedSummary {
        organizations,
        contact_lists,
        contacts,
        campaigns,
    })
}
