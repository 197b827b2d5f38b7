//! What a landing-page submission looks up: the submitter's contact in the campaign's
//! list by address (any letter case), and their lead from that campaign.

use schema::domains::{contacts, leads};

use super::{NO_ID, NO_TEXT, new_campaign, new_contact, new_list, world};

#[tokio::test]
async fn a_submitter_is_found_by_address_and_their_lead_by_campaign() {
    let mut w = world().await;
    let list = new_list(&mut w, "Landing").await;
    let other_list = new_list(&mut w, "Other").await;
    let ann = new_contact(&mut w, list, "ann@customer.example", "Ann").await;
    new_contact(&mut w, other_list, "ann@customer.example", "Ann elsewhere").await;

    let tx = w.tx().await;
    let found = contacts::get_by_email()
        .bind(&tx, &list, &"ANN@Customer.Example")
        .opt()
        .await
        .unwrap();
    assert_eq!(
        found.map(|c| c.id),
        Some(ann.id),
        "by address, any case, in its list"
    );
    assert!(
        contacts::get_by_email()
            .bind(&tx, &list, &"bob@customer.example")
            .opt()
            .await
            .unwrap()
            .is_none()
    );

    let campaign = new_campaign(&tx, "Spring", Some("spring")).await;
    assert!(
        leads::get_for()
            .bind(&tx, &ann.id, &Some(campaign.id))
            .opt()
            .await
            .unwrap()
            .is_none(),
        "no lead yet"
    );
    let lead = leads::create()
        .bind(&tx, &ann.id, &Some(campaign.id), &NO_ID, &10, &NO_TEXT)
        .one()
        .await
        .unwrap();
    let again = leads::get_for()
        .bind(&tx, &ann.id, &Some(campaign.id))
        .opt()
        .await
        .unwrap();
    assert_eq!(again.map(|l| l.id), Some(lead.id));
    assert!(
        leads::get_for()
            .bind(&tx, &ann.id, &NO_ID)
            .opt()
            .await
            .unwrap()
            .is_none(),
        "a lead from no campaign is another lead"
    );
    leads::soft_delete()
        .bind(&tx, &lead.id)
        .one()
        .await
        .unwrap();
    assert!(
        contacts::get_by_email()
            .bind(&tx, &list, &"ann@customer.example")
            .opt()
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        leads::get_for()
            .bind(&tx, &ann.id, &Some(campaign.id))
            .opt()
            .await
            .unwrap()
            .is_none(),
        "a deleted lead is not found"
    );
}
