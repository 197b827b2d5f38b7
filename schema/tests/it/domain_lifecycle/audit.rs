//! The audit trail whoever writes: the application role with and without an actor, each
//! kind of actor a tenant transaction names, and the owner outside any tenant; and that the
//! application role can change nothing in the trail.

use schema::Actor;
use schema::domains::contact_lists;
use serde_json::json;
use tokio_postgres::error::SqlState;

use super::{NO_TEXT, ORG, OTHER, entry, inserted, updated, world};
use crate::common::app_tx;

#[tokio::test]
async fn changes_are_audited_whoever_makes_them() {
    let mut w = world().await;

    // Raw SQL as the application role, with a tenant and no actor: the system.
    let mark = w.mark().await;
    let tx = app_tx(&mut w.client, Some(ORG)).await;
    let id: i64 = tx
        .query_one(
            "INSERT INTO contact_lists (organization_id, name) VALUES ($1, 'Raw') RETURNING id",
            &[&ORG],
        )
        .await
        .unwrap()
        .get(0);
    tx.execute(
        "UPDATE contact_lists SET name = 'Raw 2' WHERE id = $1",
        &[&id],
    )
    .await
    .unwrap();
    tx.execute("DELETE FROM contact_lists WHERE id = $1", &[&id])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = json!({"organization_id": ORG, "id": id, "name": "Raw"});
    w.expect_audit(
        mark,
        "raw SQL as the application role",
        vec![
            entry("insert", "contact_lists", Some(id), json!({"new": row})).by("system"),
            updated(
                "contact_lists",
                id,
                json!({"name": "Raw"}),
                json!({"name": "Raw 2"}),
            )
            .by("system"),
            entry(
                "delete",
                "contact_lists",
                Some(id),
                json!({"old": {"organization_id": ORG, "id": id, "name": "Raw 2"}}),
            )
            .by("system"),
        ],
    )
    .await;

    // Other actors are named as the tenant transaction says.
    for (actor, name) in [
        (Actor::ApiKey(3), "api_key:3"),
        (Actor::Process("import"), "import"),
        (Actor::System, "system"),
    ] {
        let mark = w.mark().await;
        let tx = w.tx_as(ORG, actor).await;
        let list = contact_lists::create()
            .bind(&tx, &"By someone", &NO_TEXT)
            .one()
            .await
            .unwrap();
        tx.commit().await.unwrap();
        w.expect_audit(mark, name, vec![inserted("contact_lists", &list).by(name)])
            .await;
    }

    // The owner, outside any tenant: audited in the row's organization.
    let mark = w.mark().await;
    let id: i64 = w
        .client
        .query_one(
            "INSERT INTO contact_lists (organization_id, name) VALUES ($1, 'Owner''s')
             RETURNING id",
            &[&OTHER],
        )
        .await
        .unwrap()
        .get(0);
    w.expect_audit(
        mark,
        "the owner",
        vec![
            entry(
                "insert",
                "contact_lists",
                Some(id),
                json!({"new": {"organization_id": OTHER, "id": id, "name": "Owner's"}}),
            )
            .in_org(OTHER)
            .by("system"),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_application_cannot_change_the_audit_trail() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    contact_lists::create()
        .bind(&tx, &"Audited", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = w.audit_since(0).await;
    assert_eq!(w.audit_since(mark).await.len(), 1);
    for sql in [
        "UPDATE audit_logs SET actor = 'user:1'",
        "UPDATE audit_logs SET changes = '{}' WHERE entity_type = 'contact_lists'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ] {
        let tx = w.tx().await;
        let err = tx
            .batch_execute(sql)
            .await
            .expect_err(&format!("{sql}: accepted from the application role"));
        tx.rollback().await.unwrap();
        assert_eq!(
            err.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: refused for another reason: {}",
            schema::describe_pg_error(&err)
        );
    }
    assert_eq!(w.audit_since(0).await, before, "the trail changed");
}
