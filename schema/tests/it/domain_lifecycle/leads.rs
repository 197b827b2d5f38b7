//! What ties a contact to a campaign: leads (lifecycle, filters, pages) and campaign
//! assignments, one by one and in bulk from a list, where only the list's live, valid
//! contacts are assigned and only once.

use schema::domains::{assignments, contacts, forms, leads};
use schema::{AssignmentStatus, LeadStatus};
use serde_json::json;
use tokio_postgres::Transaction;

use super::flows::move_lead;
use super::{
    ALL, NO_ID, NO_TEXT, ids, inserted, new_campaign, new_contact, new_list, restored,
    soft_deleted, updated, world,
};

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
