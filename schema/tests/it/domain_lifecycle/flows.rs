//! The campaign and lead status flows: every pair of states tried through the generated
//! queries (allowed moves change the row and are audited, the rest are refused with a
//! `DomainError::StatusMove`), the timestamps each campaign move sets and keeps, and the
//! states the application may create campaigns and leads in.

use schema::domains::{campaigns, leads};
use schema::{CampaignStatus, DomainError, LeadStatus, PgEnum};
use serde_json::json;

use super::{NO_ID, NO_TEXT, ORG, World, new_campaign, new_contact, new_list, updated, world};
use crate::common::app_tx;

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

pub(crate) async fn move_lead(
    w: &mut World,
    id: i64,
    to: LeadStatus,
) -> Result<leads::Lead, DomainError> {
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
