//! Contact lists and contacts through the generated queries: create, get, list with each
//! filter and keyset pages, update, soft delete and restore, uniqueness among live rows
//! only; the audit entries each change writes, and the tenant reading them back as a row's
//! history and as the whole trail in pages.

use chrono::{DateTime, Utc};
use schema::ValidationStatus;
use schema::domains::{audit, contact_lists, contacts};
use serde_json::json;

use super::{
    ALL, NO_TEXT, ORG, assert_conflict, ids, inserted, new_contact, new_list, restored,
    soft_deleted, updated, world,
};

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
    let list_ids =
        async |after: i64, in_list: Option<i64>, status: Option<ValidationStatus>, limit: i64| {
            let rows = contacts::list()
                .bind(&tx, &after, &in_list, &status, &limit)
                .all()
                .await
                .unwrap();
            ids(&rows, |c| c.id)
        };
    let created_ids =
        async |from: DateTime<Utc>, after: i64, before: Option<DateTime<Utc>>, limit: i64| {
            let rows = contacts::list_created()
                .bind(&tx, &from, &after, &before, &limit)
                .all()
                .await
                .unwrap();
            ids(&rows, |c| c.id)
        };
    assert_eq!(
        list_ids(0, None, None, ALL).await,
        [c1.id, c2.id, c3.id, c4.id]
    );
    assert_eq!(
        list_ids(0, Some(list), None, ALL).await,
        [c1.id, c2.id, c4.id],
        "by list"
    );
    assert_eq!(
        list_ids(0, None, Some(ValidationStatus::valid), ALL).await,
        [c2.id],
        "by status"
    );
    assert_eq!(
        created_ids(c2.created_at, 0, None, ALL).await,
        [c2.id, c3.id, c4.id],
        "created from"
    );
    assert_eq!(
        created_ids(c1.created_at, 0, Some(c2.created_at), ALL).await,
        [c1.id],
        "created before"
    );
    assert_eq!(
        created_ids(c2.created_at, c2.id, None, ALL).await,
        [c3.id, c4.id],
        "the created page after"
    );
    assert_eq!(
        list_ids(0, Some(list), Some(ValidationStatus::pending), ALL).await,
        [c1.id, c4.id],
        "both filters at once"
    );
    assert_eq!(
        list_ids(0, None, None, 2).await,
        [c1.id, c2.id],
        "first page"
    );
    assert_eq!(
        list_ids(c2.id, None, None, 2).await,
        [c3.id, c4.id],
        "the page after"
    );
    assert_eq!(
        list_ids(c1.id, Some(list), None, 1).await,
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
        .bind(&tx, &0, &Some(list), &None, &ALL)
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
