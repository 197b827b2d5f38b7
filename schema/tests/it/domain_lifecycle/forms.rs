//! Forms, their fields and the responses they collect: create, get, list, update, soft
//! delete and restore, field order and uniqueness among live rows, responses tied to a
//! campaign and a lead, and the audit entries each change writes.

use schema::domains::{form_fields, form_responses, forms, leads};
use serde_json::{Value, json};

use super::{
    ALL, NO_ID, NO_TEXT, assert_conflict, ids, inserted, new_campaign, new_contact, new_list,
    restored, soft_deleted, updated, world,
};

#[tokio::test]
async fn forms_and_their_fields_lifecycle() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let mut made = Vec::new();
    for name in ["Demo request", "Quote", "Survey"] {
        made.push(
            forms::create()
                .bind(&tx, &name, &Some("landing page"))
                .one()
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        made.iter().map(|f| inserted("forms", f)).collect(),
    )
    .await;
    let [f1, f2, f3] = [made[0].id, made[1].id, made[2].id];

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        forms::get().bind(&tx, &f1).opt().await.unwrap(),
        Some(made[0].clone())
    );
    assert_eq!(
        ids(&forms::list().bind(&tx, &0, &2).all().await.unwrap(), |f| f
            .id),
        [f1, f2]
    );
    assert_eq!(
        ids(
            &forms::list().bind(&tx, &f2, &2).all().await.unwrap(),
            |f| f.id
        ),
        [f3]
    );
    forms::update()
        .bind(&tx, &"Demo request", &NO_TEXT, &f1)
        .one()
        .await
        .unwrap();
    let gone = forms::soft_delete().bind(&tx, &f2).one().await.unwrap();
    assert_eq!(forms::get().bind(&tx, &f2).opt().await.unwrap(), None);
    assert_eq!(
        ids(
            &forms::list().bind(&tx, &0, &ALL).all().await.unwrap(),
            |f| f.id
        ),
        [f1, f3]
    );
    forms::restore().bind(&tx, &f2).one().await.unwrap();
    assert!(forms::get().bind(&tx, &f2).opt().await.unwrap().is_some());
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "update, soft delete, restore",
        vec![
            updated(
                "forms",
                f1,
                json!({"description": "landing page"}),
                json!({"description": null}),
            ),
            soft_deleted("forms", f2, gone.deleted_at),
            restored("forms", f2, gone.deleted_at),
        ],
    )
    .await;

    // Fields, in display order.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let field = async |key: &str, position: i32, options: Option<Value>| {
        form_fields::create()
            .bind(
                &tx,
                &f1,
                &key,
                &key.to_uppercase(),
                &"text",
                &true,
                &position,
                &options,
            )
            .one()
            .await
            .unwrap()
    };
    let email = field("email", 1, None).await;
    let size = field("size", 0, Some(json!(["1-10", "11+"]))).await;
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "fields",
        vec![
            inserted("form_fields", &email),
            inserted("form_fields", &size),
        ],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        form_fields::get().bind(&tx, &email.id).opt().await.unwrap(),
        Some(email.clone())
    );
    let listed = form_fields::list().bind(&tx, &f1).all().await.unwrap();
    assert_eq!(ids(&listed, |f| f.id), [size.id, email.id], "by position");
    assert!(
        form_fields::list()
            .bind(&tx, &f3)
            .all()
            .await
            .unwrap()
            .is_empty()
    );
    let relabelled = form_fields::update()
        .bind(
            &tx,
            &"Work email",
            &"email",
            &true,
            &1,
            &None::<Value>,
            &email.id,
        )
        .one()
        .await
        .unwrap();
    assert_eq!(relabelled.label, "Work email");
    let gone = form_fields::soft_delete()
        .bind(&tx, &email.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        form_fields::get().bind(&tx, &email.id).opt().await.unwrap(),
        None
    );
    assert_eq!(
        ids(
            &form_fields::list().bind(&tx, &f1).all().await.unwrap(),
            |f| f.id
        ),
        [size.id]
    );
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "field update, soft delete",
        vec![
            updated(
                "form_fields",
                email.id,
                json!({"label": "EMAIL", "field_type": "text"}),
                json!({"label": "Work email", "field_type": "email"}),
            ),
            soft_deleted("form_fields", email.id, gone.deleted_at),
        ],
    )
    .await;

    // The key of a deleted field is free; restoring the old one then conflicts.
    let tx = w.tx().await;
    let email_again = form_fields::create()
        .bind(
            &tx,
            &f1,
            &"email",
            &"Email",
            &"email",
            &true,
            &2,
            &None::<Value>,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = w.tx().await;
    assert_conflict(
        form_fields::restore().bind(&tx, &email.id).opt().await,
        "form_fields_key_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx().await;
    form_fields::soft_delete()
        .bind(&tx, &email_again.id)
        .one()
        .await
        .unwrap();
    form_fields::restore()
        .bind(&tx, &email.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn form_responses_lifecycle() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "dan@customer.example", "Dan").await;
    let tx = w.tx().await;
    let campaign = new_campaign(&tx, "Spring", None).await;
    let form = forms::create()
        .bind(&tx, &"Demo", &NO_TEXT)
        .one()
        .await
        .unwrap();
    let other_form = forms::create()
        .bind(&tx, &"Quote", &NO_TEXT)
        .one()
        .await
        .unwrap();
    let lead = leads::create()
        .bind(
            &tx,
            &contact.id,
            &Some(campaign.id),
            &Some(form.id),
            &0,
            &NO_TEXT,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let ip: Option<std::net::IpAddr> = Some("203.0.113.7".parse().unwrap());
    let r1 = form_responses::create()
        .bind(
            &tx,
            &form.id,
            &Some(campaign.id),
            &Some(contact.id),
            &Some(lead.id),
            &json!({"email": "dan@customer.example", "size": "11+"}),
            &ip,
            &Some("Mozilla/5.0"),
        )
        .one()
        .await
        .unwrap();
    let r2 = form_responses::create()
        .bind(
            &tx,
            &form.id,
            &NO_ID,
            &NO_ID,
            &NO_ID,
            &json!({"email": "anon@x.example"}),
            &None,
            &NO_TEXT,
        )
        .one()
        .await
        .unwrap();
    let r3 = form_responses::create()
        .bind(
            &tx,
            &other_form.id,
            &Some(campaign.id),
            &NO_ID,
            &NO_ID,
            &json!({}),
            &None,
            &NO_TEXT,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("form_responses", &r1),
            inserted("form_responses", &r2),
            inserted("form_responses", &r3),
        ],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        form_responses::get().bind(&tx, &r1.id).opt().await.unwrap(),
        Some(r1.clone())
    );
    let listed = async |after: i64, form: Option<i64>, campaign: Option<i64>, limit: i64| {
        let rows = form_responses::list()
            .bind(&tx, &after, &form, &campaign, &limit)
            .all()
            .await
            .unwrap();
        ids(&rows, |r| r.id)
    };
    assert_eq!(listed(0, None, None, ALL).await, [r1.id, r2.id, r3.id]);
    assert_eq!(listed(0, Some(form.id), None, ALL).await, [r1.id, r2.id]);
    assert_eq!(
        listed(0, None, Some(campaign.id), ALL).await,
        [r1.id, r3.id]
    );
    assert_eq!(
        listed(0, Some(form.id), Some(campaign.id), ALL).await,
        [r1.id]
    );
    assert_eq!(listed(0, None, None, 2).await, [r1.id, r2.id]);
    assert_eq!(listed(r2.id, None, None, 2).await, [r3.id]);
    let gone = form_responses::soft_delete()
        .bind(&tx, &r2.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        form_responses::get().bind(&tx, &r2.id).opt().await.unwrap(),
        None
    );
    assert_eq!(listed(0, None, None, ALL).await, [r1.id, r3.id]);
    form_responses::restore()
        .bind(&tx, &r2.id)
        .one()
        .await
        .unwrap();
    assert_eq!(listed(0, None, None, ALL).await, [r1.id, r2.id, r3.id]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete, restore",
        vec![
            soft_deleted("form_responses", r2.id, gone.deleted_at),
            restored("form_responses", r2.id, gone.deleted_at),
        ],
    )
    .await;
}
