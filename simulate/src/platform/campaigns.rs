//! The campaigns' side of an organization, in its tenant transaction: email templates
//! (one edited into a second version), forms and their fields, campaigns created as
//! drafts and moved along the flow to every state, their assignments (some sent), leads
//! in every state with the form responses that brought them in, and one GDPR request
//! of each type.

use std::net::{IpAddr, Ipv4Addr};

use chrono::{TimeDelta, Utc};
use rand::Rng as _;
use rand::seq::{IndexedRandom as _, SliceRandom as _};
use rand_chacha::ChaCha8Rng;
use schema::domains::{
    assignments, campaigns, email_templates, form_fields, form_responses, forms, gdpr, leads,
};
use schema::{AssignmentStatus, CampaignStatus, GdprRequestType, LeadStatus, ValidationStatus};
use serde_json::{Map, Value, json};
use tokio_postgres::Transaction;

use super::catalog::{self, CAMPAIGNS, FORMS, Stage, TEMPLATES};
use super::organization::Contact;
use super::{Org, PlatformSummary};
use crate::SimulateError;

/// Every state a lead ends in, with the moves that get it there from `new`, its score
/// range and notes (by index into [`catalog::LEAD_NOTES`]).
const LEAD_PATHS: [(&[LeadStatus], std::ops::Range<i32>); 5] = [
    (&[], 10..40),
    (&[LeadStatus::qualified], 50..75),
    (&[LeadStatus::disqualified], 0..20),
    (&[LeadStatus::qualified, LeadStatus::contacted], 55..85),
    (
        &[
            LeadStatus::qualified,
            LeadStatus::contacted,
            LeadStatus::converted,
        ],
        80..101,
    ),
];

/// A seeded campaign.
struct Campaign {
    id: i64,
    /// Index into the organization's lists.
    list: usize,
    /// Index into [`FORMS`] and the form's id.
    form: Option<(usize, i64)>,
    stage: Stage,
}

/// Seeds the campaigns' side; `lists` and `contacts` are the organization's.
pub(super) async fn seed(
    tx: &Transaction<'_>,
    org: &Org,
    rng: &mut ChaCha8Rng,
    lists: &[i64],
    contacts: &[Contact],
    s: &mut PlatformSummary,
) -> Result<(), SimulateError> {
    let templates = templates(tx, org, s).await?;
    let forms = forms(tx, org, s).await?;
    let campaigns = campaigns(tx, org, lists, &templates, &forms, s).await?;
    assignments(tx, org, lists, &campaigns, s).await?;
    leads(tx, org, rng, &campaigns, contacts, s).await?;
    gdpr(tx, org, rng, contacts, s).await
}

/// The templates; returns each one's `(first version, latest version)` ids.
async fn templates(
    tx: &Transaction<'_>,
    org: &Org,
    s: &mut PlatformSummary,
) -> Result<Vec<(i64, i64)>, SimulateError> {
    let mut ids = Vec::with_capacity(TEMPLATES.len());
    for spec in TEMPLATES {
        let html = format!(
            "<p>Hi {{{{first_name}}}},</p>\n<p>{}</p>\n\
             <p><a href=\"https://{}/{{{{landing_page_slug}}}}\">Find out more</a></p>\n\
             <p>The {} team</p>\n<p><small><a href=\"{{{{unsubscribe_url}}}}\">Unsubscribe</a></small></p>",
            spec.pitch, org.domain, org.name
        );
        let text = format!(
            "Hi {{{{first_name}}}},\n\n{}\n\nhttps://{}/{{{{landing_page_slug}}}}\n\nThe {} team\n\
             Unsubscribe: {{{{unsubscribe_url}}}}\n",
            spec.pitch, org.domain, org.name
        );
        let mut versions = Vec::new();
        for subject in std::iter::once(spec.subject).chain(spec.revised_subject) {
            let template = email_templates::create()
                .bind(tx, &spec.name, &subject, &html, &Some(&text))
                .one()
                .await
                .map_err(org.pg(&format!("creating email template {:?}", spec.name)))?;
            s.email_templates += 1;
            versions.push(template.id);
        }
        ids.push((versions[0], versions[versions.len() - 1]));
    }
    Ok(ids)
}

/// The forms with their fields; returns their ids.
async fn forms(
    tx: &Transaction<'_>,
    org: &Org,
    s: &mut PlatformSummary,
) -> Result<Vec<i64>, SimulateError> {
    let mut ids = Vec::with_capacity(FORMS.len());
    for spec in FORMS {
        let what = format!("creating form {:?}", spec.name);
        let form = forms::create()
            .bind(tx, &spec.name, &Some(spec.description))
            .one()
            .await
            .map_err(org.pg(&what))?;
        s.forms += 1;
        for (position, &(key, label, field_type, required, options)) in
            spec.fields.iter().enumerate()
        {
            let options = options.map(|o| json!(o));
            form_fields::create()
                .bind(
                    tx,
                    &form.id,
                    &key,
                    &label,
                    &field_type,
                    &required,
                    &(position as i32),
                    &options,
                )
                .one()
                .await
                .map_err(org.pg(&format!("{what}: field {key}")))?;
            s.form_fields += 1;
        }
        ids.push(form.id);
    }
    Ok(ids)
}

/// The campaigns, each created as a draft and moved along the flow to its stage.
async fn campaigns(
    tx: &Transaction<'_>,
    org: &Org,
    lists: &[i64],
    templates: &[(i64, i64)],
    forms: &[i64],
    s: &mut PlatformSummary,
) -> Result<Vec<Campaign>, SimulateError> {
    let mut seeded = Vec::with_capacity(CAMPAIGNS.len());
    for (i, spec) in CAMPAIGNS.iter().enumerate() {
        let what = format!("campaign {:?}", spec.name);
        let (first, latest) = templates[spec.template];
        let template = if spec.first_version { first } else { latest };
        let form = spec.form.map(|f| (f, forms[f]));
        let list = i % lists.len();
        let campaign = campaigns::create()
            .bind(
                tx,
                &spec.name,
                &Some(template),
                &form.map(|(_, id)| id),
                &Some(lists[list]),
                &Some(spec.slug),
            )
            .one()
            .await
            .map_err(org.pg(&format!("creating {what}")))?;
        s.campaigns += 1;
        let moves: &[CampaignStatus] = match spec.stage {
            Stage::Draft => &[],
            Stage::Scheduled => &[CampaignStatus::scheduled],
            Stage::Active => &[CampaignStatus::scheduled, CampaignStatus::active],
            Stage::Completed => &[
                CampaignStatus::scheduled,
                CampaignStatus::active,
                CampaignStatus::completed,
            ],
        };
        // A campaign that stays scheduled sends in three days; the others were
        // scheduled for now and launched.
        let send_at = (spec.stage == Stage::Scheduled).then(|| Utc::now() + TimeDelta::days(3));
        for status in moves {
            campaigns::move_to()
                .bind(tx, status, &send_at, &campaign.id)
                .one()
                .await
                .map_err(org.pg(&format!("moving {what} to {status:?}")))?;
        }
        seeded.push(Campaign {
            id: campaign.id,
            list,
            form,
            stage: spec.stage,
        });
    }
    Ok(seeded)
}

/// Assigns each campaign past draft its list's valid contacts; a completed campaign
/// sent to all of them (a few failed), an active one to the first half.
async fn assignments(
    tx: &Transaction<'_>,
    org: &Org,
    lists: &[i64],
    campaigns: &[Campaign],
    s: &mut PlatformSummary,
) -> Result<(), SimulateError> {
    let mark = assignments::mark()
        .prepare(tx)
        .await
        .map_err(org.pg("preparing assignments::mark"))?;
    for campaign in campaigns.iter().filter(|c| c.stage != Stage::Draft) {
        let what = format!("assigning campaign {}", campaign.id);
        s.assignments += assignments::assign_list()
            .bind(tx, &lists[campaign.list], &campaign.id)
            .await
            .map_err(org.pg(&what))?;
        let mut assigned = Vec::new();
        let mut after = 0;
        loop {
            let page = assignments::list()
                .bind(tx, &campaign.id, &after, &None, &1_000)
                .all()
                .await
                .map_err(org.pg(&what))?;
            let Some(last) = page.last() else { break };
            after = last.id;
            assigned.extend(page.into_iter().map(|a| a.id));
        }
        let sent = match campaign.stage {
            Stage::Completed => assigned.len(),
            Stage::Active => assigned.len() / 2,
            Stage::Draft | Stage::Scheduled => 0,
        };
        let now = Some(Utc::now());
        for (k, id) in assigned.iter().take(sent).enumerate() {
            let (status, at) = if k % 17 == 16 {
                (AssignmentStatus::failed, None)
            } else {
                (AssignmentStatus::sent, now)
            };
            mark.bind(tx, &status, &at, id)
                .one()
                .await
                .map_err(org.pg(&format!("{what}: marking assignment {id}")))?;
        }
    }
    Ok(())
}

/// Leads from valid contacts of the running and finished campaigns' lists, cycling
/// through every final state, each with the form response that brought it in.
async fn leads(
    tx: &Transaction<'_>,
    org: &Org,
    rng: &mut ChaCha8Rng,
    campaigns: &[Campaign],
    contacts: &[Contact],
    s: &mut PlatformSummary,
) -> Result<(), SimulateError> {
    let mut candidates: Vec<(&Campaign, &Contact)> = campaigns
        .iter()
        .filter(|c| matches!(c.stage, Stage::Active | Stage::Completed))
        .flat_map(|c| {
            contacts
                .iter()
                .filter(move |k| k.list == c.list && k.status == ValidationStatus::valid)
                .map(move |k| (c, k))
        })
        .collect();
    candidates.shuffle(rng);
    let wanted = (contacts.len() / 20).max(LEAD_PATHS.len());
    for (k, (campaign, contact)) in candidates.into_iter().take(wanted).enumerate() {
        let (path, scores) = &LEAD_PATHS[k % LEAD_PATHS.len()];
        let what = format!(
            "lead of contact {} in campaign {}",
            contact.email, campaign.id
        );
        let note = catalog::LEAD_NOTES[k % LEAD_PATHS.len()];
        let lead = leads::create()
            .bind(
                tx,
                &contact.id,
                &Some(campaign.id),
                &campaign.form.map(|(_, id)| id),
                &rng.random_range(scores.clone()),
                &Some(note),
            )
            .one()
            .await
            .map_err(org.pg(&format!("creating {what}")))?;
        s.leads += 1;
        for status in *path {
            leads::move_to()
                .bind(tx, status, &lead.id)
                .one()
                .await
                .map_err(org.pg(&format!("moving {what} to {status:?}")))?;
        }
        let Some((form, form_id)) = campaign.form else {
            continue;
        };
        let ip = IpAddr::V4(Ipv4Addr::new(203, 0, 113, rng.random_range(1..255)));
        let agent = catalog::USER_AGENTS.choose(rng).copied();
        form_responses::create()
            .bind(
                tx,
                &form_id,
                &Some(campaign.id),
                &Some(contact.id),
                &Some(lead.id),
                &answers(rng, form, contact),
                &Some(ip),
                &agent,
            )
            .one()
            .await
            .map_err(org.pg(&format!("recording the form response of {what}")))?;
        s.form_responses += 1;
    }
    Ok(())
}

/// A contact's answers to form `form` of [`FORMS`], by field key.
fn answers(rng: &mut ChaCha8Rng, form: usize, contact: &Contact) -> Value {
    let mut data = Map::new();
    for &(key, _, field_type, required, options) in FORMS[form].fields {
        let answer = match field_type {
            "email" => json!(contact.email),
            "text" if key == "full_name" => {
                json!(format!("{} {}", contact.first_name, contact.last_name))
            }
            "text" => json!(contact.first_name),
            "select" => json!(options.and_then(|o| o.choose(rng))),
            "checkbox" => json!(required || rng.random_bool(0.5)),
            _ => continue,
        };
        data.insert(key.to_owned(), answer);
    }
    Value::Object(data)
}

/// One export and one deletion request, from two different contacts.
async fn gdpr(
    tx: &Transaction<'_>,
    org: &Org,
    rng: &mut ChaCha8Rng,
    contacts: &[Contact],
    s: &mut PlatformSummary,
) -> Result<(), SimulateError> {
    let subjects = contacts.choose_multiple(rng, 2);
    for (contact, kind) in subjects.zip([GdprRequestType::export, GdprRequestType::deletion]) {
        gdpr::create()
            .bind(tx, &Some(contact.id), &contact.email.as_str(), &kind)
            .one()
            .await
            .map_err(org.pg(&format!(
                "filing a GDPR {kind:?} request for {}",
                contact.email
            )))?;
        s.gdpr_requests += 1;
    }
    Ok(())
}
