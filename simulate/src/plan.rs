//! What a simulation generates: how many tenants, campaigns and contacts, over which
//! days, how many records, and the funnel, duplicate and malformed rates.
//!
//! Ids are derived from `first_organization_id` so that a plan, the rows
//! [`seed_database`](super::seed_database) creates and the events the generator emits all
//! agree, and two plans with different first ids never collide:
//!
//! | entity | id |
//! |---|---|
//! | organization `o` (0-based) | `first_organization_id + o` |
//! | its contact list | the organization's id |
//! | campaign `c` of organization `org` | `org * CAMPAIGN_STRIDE + c + 1` |
//! | contact `k` of organization `org` | `org * CONTACT_STRIDE + k + 1` |
//! | the campaign no seed creates | `UNKNOWN_CAMPAIGN_BASE + org` |

use chrono::{DateTime, Days, NaiveDate, Utc};
use tokio_postgres::Client;

use super::SimulateError;

/// Campaign ids of an organization are `org * CAMPAIGN_STRIDE + 1 ..`.
pub const CAMPAIGN_STRIDE: i64 = 10_000;
/// Contact ids of an organization are `org * CONTACT_STRIDE + 1 ..`.
pub const CONTACT_STRIDE: i64 = 10_000_000;
/// Base of the campaign ids that are never created (the `unknown_campaign` records):
/// above every derived campaign id and far above any identity sequence.
pub const UNKNOWN_CAMPAIGN_BASE: i64 = 8_000_000_000_000_000;
/// Largest organization id a plan may use, so every derived id fits in an `i64`
/// and below [`UNKNOWN_CAMPAIGN_BASE`].
pub const MAX_ORGANIZATION_ID: i64 = 99_999_999_999;

/// Funnel rates (probabilities, each in [0,1]): of SENT, bounce; of delivered, open; of
/// opened, click; of clicked, form_view; of viewed, form_submit; of delivered,
/// unsubscribe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunnelRates {
    /// Share of sends that bounce (and produce nothing else).
    pub bounce: f64,
    /// Share of delivered emails that are opened.
    pub open: f64,
    /// Share of opened emails whose link is clicked.
    pub click: f64,
    /// Share of clicks that view the landing-page form.
    pub form_view: f64,
    /// Share of form views that submit the form.
    pub form_submit: f64,
    /// Share of delivered emails whose contact unsubscribes.
    pub unsubscribe: f64,
}

impl Default for FunnelRates {
    fn default() -> Self {
        FunnelRates {
            bounce: 0.02,
            open: 0.35,
            click: 0.25,
            form_view: 0.5,
            form_submit: 0.3,
            unsubscribe: 0.005,
        }
    }
}

/// Everything that determines a simulation's output: the same plan gives byte-identical
/// records on every machine.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationPlan {
    /// Seed of the ChaCha8 random stream.
    pub seed: u64,
    /// How many organizations (tenants) send campaigns.
    pub organizations: u32,
    /// Campaigns per organization (at most `CAMPAIGN_STRIDE - 1`).
    pub campaigns_per_organization: u32,
    /// Contacts per organization, each targeted by every campaign of it (at most
    /// `CONTACT_STRIDE - 1`).
    pub contacts_per_organization: u32,
    /// Id of the first organization; every other id is derived from it (module docs).
    pub first_organization_id: i64,
    /// When set, the plan simulates this one existing campaign instead of deriving
    /// campaign ids (needs one organization with one campaign).
    pub existing_campaign_id: Option<i64>,
    /// First UTC day of the window the events' `occurred_at` is spread over.
    pub start_day: NaiveDate,
    /// Number of UTC days in the window.
    pub days: u32,
    /// Records to emit in all: valid, duplicates and malformed.
    pub total_events: u64,
    /// The funnel.
    pub rates: FunnelRates,
    /// Probability that a record re-sends the exact payload of an earlier valid one.
    pub duplicate_rate: f64,
    /// Probability that a record is malformed (one of the dead-letter kinds).
    pub malformed_rate: f64,
}

impl SimulationPlan {
    /// A plan with one organization of 3 campaigns and 1,000 contacts, the default
    /// funnel, 1% duplicates and 0.5% malformed records, seed 1.
    pub fn new(start_day: NaiveDate, days: u32, total_events: u64) -> Self {
        SimulationPlan {
            seed: 1,
            organizations: 1,
            campaigns_per_organization: 3,
            contacts_per_organization: 1_000,
            first_organization_id: 1_000_000,
            existing_campaign_id: None,
            start_day,
            days,
            total_events,
            rates: FunnelRates::default(),
            duplicate_rate: 0.01,
            malformed_rate: 0.005,
        }
    }

    /// Checks every field; the message names the first bad one and its allowed range.
    pub fn validate(&self) -> Result<(), String> {
        if self.organizations == 0 {
            return Err("organizations must be at least 1".into());
        }
        if self.campaigns_per_organization == 0
            || i64::from(self.campaigns_per_organization) >= CAMPAIGN_STRIDE
        {
            return Err(format!(
                "campaigns_per_organization is {}, must be in 1..={}",
                self.campaigns_per_organization,
                CAMPAIGN_STRIDE - 1
            ));
        }
        if self.contacts_per_organization == 0
            || i64::from(self.contacts_per_organization) >= CONTACT_STRIDE
        {
            return Err(format!(
                "contacts_per_organization is {}, must be in 1..={}",
                self.contacts_per_organization,
                CONTACT_STRIDE - 1
            ));
        }
        let last = self
            .first_organization_id
            .checked_add(i64::from(self.organizations) - 1);
        if self.first_organization_id < 1 || last.is_none_or(|l| l > MAX_ORGANIZATION_ID) {
            return Err(format!(
                "first_organization_id is {} with {} organizations: every organization id \
                 must be in 1..={MAX_ORGANIZATION_ID}",
                self.first_organization_id, self.organizations
            ));
        }
        if let Some(campaign) = self.existing_campaign_id {
            if self.organizations != 1 || self.campaigns_per_organization != 1 {
                return Err(format!(
                    "existing_campaign_id {campaign} needs organizations = 1 and \
                     campaigns_per_organization = 1"
                ));
            }
            if !(1..UNKNOWN_CAMPAIGN_BASE).contains(&campaign) {
                return Err(format!(
                    "existing_campaign_id is {campaign}, must be in 1..{UNKNOWN_CAMPAIGN_BASE}"
                ));
            }
        }
        if self.days == 0 {
            return Err("days must be at least 1".into());
        }
        // The out_of_window records lie 5 years before the window; keep both in range.
        let min_start = NaiveDate::from_ymd_opt(1976, 1, 1).unwrap_or(NaiveDate::MIN);
        let max_end = NaiveDate::from_ymd_opt(9999, 1, 1).unwrap_or(NaiveDate::MAX);
        let end = self
            .start_day
            .checked_add_days(Days::new(u64::from(self.days)));
        if self.start_day < min_start || end.is_none_or(|e| e > max_end) {
            return Err(format!(
                "start_day {} with days {}: the window must lie between {min_start} and \
                 {max_end}",
                self.start_day, self.days
            ));
        }
        let rates = [
            ("rates.bounce", self.rates.bounce),
            ("rates.open", self.rates.open),
            ("rates.click", self.rates.click),
            ("rates.form_view", self.rates.form_view),
            ("rates.form_submit", self.rates.form_submit),
            ("rates.unsubscribe", self.rates.unsubscribe),
            ("duplicate_rate", self.duplicate_rate),
            ("malformed_rate", self.malformed_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} is {rate}, must be a probability in [0, 1]"));
            }
        }
        if self.duplicate_rate + self.malformed_rate > 1.0 {
            return Err(format!(
                "duplicate_rate + malformed_rate is {}, must be at most 1",
                self.duplicate_rate + self.malformed_rate
            ));
        }
        Ok(())
    }

    /// Id of organization `org` (0-based).
    pub fn organization_id(&self, org: u32) -> i64 {
        self.first_organization_id + i64::from(org)
    }

    /// Id of the contact list of organization `org` (0-based).
    pub fn contact_list_id(&self, org: u32) -> i64 {
        self.organization_id(org)
    }

    /// Id of campaign `campaign` (0-based) of organization `org` (0-based).
    pub fn campaign_id(&self, org: u32, campaign: u32) -> i64 {
        match self.existing_campaign_id {
            Some(id) => id,
            None => self.organization_id(org) * CAMPAIGN_STRIDE + i64::from(campaign) + 1,
        }
    }

    /// Id of contact `contact` (0-based) of organization `org` (0-based).
    pub fn contact_id(&self, org: u32, contact: u32) -> i64 {
        self.organization_id(org) * CONTACT_STRIDE + i64::from(contact) + 1
    }

    /// A campaign id of organization `org` that no seed ever creates.
    pub fn unknown_campaign_id(&self, org: u32) -> i64 {
        UNKNOWN_CAMPAIGN_BASE + self.organization_id(org)
    }

    /// The window: from `start_day` 00:00 UTC (inclusive) to `days` later (exclusive).
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.start_day.and_time(chrono::NaiveTime::MIN).and_utc();
        (start, start + chrono::Duration::days(i64::from(self.days)))
    }
}

/// Builds a plan from an email_send_simulations row (its campaign, total_recipients,
/// rates, seed): one organization, that one campaign, `total_recipients` contacts.
///
/// The row's `click_rate` is read as the share of opens that click (as the funnel
/// does). `total_events` is the expected number of funnel events for the recipients;
/// duplicates and malformed records are off (set them on the returned plan).
pub async fn plan_from_simulation(
    client: &Client,
    organization_id: i64,
    simulation_id: i64,
    start_day: NaiveDate,
    days: u32,
) -> Result<SimulationPlan, SimulateError> {
    let row = client
        .query_opt(
            include_str!("plan_from_simulation.sql"),
            &[&organization_id, &simulation_id],
        )
        .await
        .map_err(SimulateError::pg(format!(
            "reading email_send_simulations row {simulation_id} of organization \
             {organization_id}"
        )))?
        .ok_or(SimulateError::SimulationNotFound {
            organization_id,
            simulation_id,
        })?;
    let recipients: i32 = column(&row, "total_recipients")?;
    let seed: i64 = column(&row, "seed")?;
    let rates = FunnelRates {
        bounce: column(&row, "bounce_rate")?,
        open: column(&row, "open_rate")?,
        click: column(&row, "click_rate")?,
        form_view: column(&row, "form_view_rate")?,
        form_submit: column(&row, "form_submit_rate")?,
        unsubscribe: column(&row, "unsubscribe_rate")?,
    };
    let plan = SimulationPlan {
        // The seed column is signed; its bits are the seed.
        seed: u64::from_ne_bytes(seed.to_ne_bytes()),
        organizations: 1,
        campaigns_per_organization: 1,
        contacts_per_organization: u32::try_from(recipients).unwrap_or(0),
        first_organization_id: organization_id,
        existing_campaign_id: Some(column(&row, "campaign_id")?),
        start_day,
        days,
        total_events: expected_events(u64::try_from(recipients).unwrap_or(0), &rates),
        rates,
        duplicate_rate: 0.0,
        malformed_rate: 0.0,
    };
    plan.validate().map_err(|e| {
        SimulateError::InvalidPlan(format!(
            "email_send_simulations row {simulation_id} of organization {organization_id}: {e}"
        ))
    })?;
    Ok(plan)
}

fn column<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    name: &str,
) -> Result<T, SimulateError> {
    row.try_get(name).map_err(SimulateError::pg(format!(
        "reading email_send_simulations.{name}"
    )))
}

/// Expected funnel events of `recipients` sends (each walks the funnel once), rounded.
pub fn expected_events(recipients: u64, rates: &FunnelRates) -> u64 {
    let delivered = 1.0 - rates.bounce;
    let opened = delivered * rates.open;
    let clicked = opened * rates.click;
    let viewed = clicked * rates.form_view;
    let per_send = 1.0
        + rates.bounce
        + opened
        + clicked
        + viewed
        + viewed * rates.form_submit
        + delivered * rates.unsubscribe;
    // Bounded by 7 events per recipient, so the conversion cannot overflow.
    (recipients as f64 * per_send).round() as u64
}
