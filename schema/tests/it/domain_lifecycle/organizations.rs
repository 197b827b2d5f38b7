//! What an organization keeps for itself: validation rules (versioned by key, one active
//! version) and a contact's validation logs, GDPR requests and their deletion receipts, and
//! the organization itself as its tenant and as the operator sees it.

use schema::domains::{gdpr, organizations, validation};
use schema::{Actor, GdprRequestStatus, GdprRequestType};
use serde_json::json;

use super::{
    ALL, Entry, NO_ID, ORG, OTHER, USER, assert_conflict, ids, inserted, new_contact, new_list,
    restored, soft_deleted, updated, world,
};

#[tokio::test]
async fn validation_rules_are_versioned() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let mx1 = validation::create()
        .bind(&tx, &"mx", &"mx", &json!({"timeout_ms": 2000}))
        .one()
        .await
        .unwrap();
    let block = validation::create()
        .bind(&tx, &"blocklist", &"blocklist", &json!({"domains": []}))
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((mx1.version, mx1.is_active), (1, true));
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("validation_rules", &mx1),
            inserted("validation_rules", &block),
        ],
    )
    .await;

    // A second active version is refused; deactivate first.
    let tx = w.tx().await;
    assert_conflict(
        validation::create()
            .bind(&tx, &"mx", &"mx", &json!({"timeout_ms": 500}))
            .one()
            .await,
        "validation_rules_active_key",
    );
    tx.rollback().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let retired = validation::deactivate()
        .bind(&tx, &"mx")
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&retired, |r| r.id), [mx1.id]);
    let mx2 = validation::create()
        .bind(&tx, &"mx", &"mx", &json!({"timeout_ms": 500}))
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((mx2.version, mx2.is_active), (2, true));
    w.expect_audit(
        mark,
        "new version",
        vec![
            updated(
                "validation_rules",
                mx1.id,
                json!({"is_active": true}),
                json!({"is_active": false}),
            ),
            inserted("validation_rules", &mx2),
        ],
    )
    .await;

    let tx = w.tx().await;
    let old = validation::get().bind(&tx, &mx1.id).one().await.unwrap();
    assert_eq!((old.version, old.is_active), (1, false));
    let listed = async |after: i64, active: Option<bool>, limit: i64| {
        ids(
            &validation::list()
                .bind(&tx, &after, &active, &limit)
                .all()
                .await
                .unwrap(),
            |r| r.id,
        )
    };
    assert_eq!(listed(0, None, ALL).await, [mx1.id, block.id, mx2.id]);
    assert_eq!(listed(0, Some(true), ALL).await, [block.id, mx2.id]);
    assert_eq!(listed(0, Some(false), ALL).await, [mx1.id]);
    assert_eq!(listed(0, None, 2).await, [mx1.id, block.id]);
    assert_eq!(listed(block.id, None, 2).await, [mx2.id]);
    tx.commit().await.unwrap();

    // A contact's checks, newest first (written by the import, as the owner).
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "dan@customer.example", "Dan").await;
    w.client
        .execute(
            "INSERT INTO validation_logs (organization_id, contact_id, rule_id, result, details,
                                          validated_at)
             VALUES ($1, $2, $3, 'valid', '{}', '2030-01-01T00:00:00Z'),
                    ($1, $2, $4, 'risky', '{}', '2030-01-02T00:00:00Z')",
            &[&ORG, &contact.id, &mx2.id, &block.id],
        )
        .await
        .unwrap();
    let tx = w.tx().await;
    let logs = validation::logs()
        .bind(&tx, &contact.id, &10)
        .all()
        .await
        .unwrap();
    let rules: Vec<i64> = logs.iter().map(|l| l.rule_id).collect();
    assert_eq!(rules, [block.id, mx2.id], "newest first");
    assert_eq!(
        validation::logs()
            .bind(&tx, &contact.id, &1)
            .all()
            .await
            .unwrap()
            .len(),
        1
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn gdpr_requests_are_recorded() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let contact = new_contact(&mut w, list, "dan@customer.example", "Dan").await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let export = gdpr::create()
        .bind(
            &tx,
            &Some(contact.id),
            &"dan@customer.example",
            &GdprRequestType::export,
        )
        .one()
        .await
        .unwrap();
    let erase = gdpr::create()
        .bind(
            &tx,
            &NO_ID,
            &"gone@customer.example",
            &GdprRequestType::deletion,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(export.status, GdprRequestStatus::pending);
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("gdpr_requests", &export),
            inserted("gdpr_requests", &erase),
        ],
    )
    .await;

    // The GDPR job (the owner) completes the erasure and records its receipt.
    w.client
        .execute(
            "UPDATE gdpr_requests SET status = 'completed', completed_at = now() WHERE id = $1",
            &[&erase.id],
        )
        .await
        .unwrap();
    w.client
        .execute(
            "INSERT INTO data_deletions (organization_id, gdpr_request_id, table_name, rows_deleted)
             VALUES ($1, $2, 'contacts', 1)",
            &[&ORG, &erase.id],
        )
        .await
        .unwrap();

    let tx = w.tx().await;
    assert_eq!(
        gdpr::get().bind(&tx, &export.id).opt().await.unwrap(),
        Some(export.clone())
    );
    let listed = async |after: i64, status: Option<GdprRequestStatus>, limit: i64| {
        ids(
            &gdpr::list()
                .bind(&tx, &after, &status, &limit)
                .all()
                .await
                .unwrap(),
            |r| r.id,
        )
    };
    assert_eq!(listed(0, None, ALL).await, [export.id, erase.id]);
    assert_eq!(
        listed(0, Some(GdprRequestStatus::pending), ALL).await,
        [export.id]
    );
    assert_eq!(
        listed(0, Some(GdprRequestStatus::completed), ALL).await,
        [erase.id]
    );
    assert_eq!(listed(0, None, 1).await, [export.id]);
    assert_eq!(listed(export.id, None, 1).await, [erase.id]);
    let receipts = gdpr::deletions().bind(&tx, &erase.id).all().await.unwrap();
    assert_eq!(
        receipts
            .iter()
            .map(|d| (d.table_name.as_str(), d.rows_deleted))
            .collect::<Vec<_>>(),
        [("contacts", 1)]
    );
    assert!(
        gdpr::deletions()
            .bind(&tx, &export.id)
            .all()
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn organizations_as_a_tenant_and_as_the_operator() {
    let mut w = world().await;

    // Made by the operator (world()): audited in the new organization, by the system.
    let made: Vec<Entry> = w.audit_since(0).await;
    let acme = organizations::admin_list()
        .bind(&w.client, &0, &1)
        .one()
        .await
        .unwrap();
    assert_eq!(acme.id, ORG);
    assert!(
        made.contains(&inserted("organizations", &acme).by("system")),
        "no audit entry for making organization {ORG}: {made:?}"
    );

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(organizations::get().bind(&tx).one().await.unwrap(), acme);
    let renamed = organizations::update()
        .bind(&tx, &"Acme Leads", &Some("acme.example"))
        .one()
        .await
        .unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (ORG, "Acme Leads"));
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "organizations",
            ORG,
            json!({"name": "Acme"}),
            json!({"name": "Acme Leads"}),
        )],
    )
    .await;

    // The operator retires one: gone for its tenant and from the list, its domain free.
    let initech = organizations::admin_create()
        .bind(&w.client, &"Initech", &Some("initech.example"))
        .one()
        .await
        .unwrap();
    let all = organizations::admin_list()
        .bind(&w.client, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&all, |o| o.id), [ORG, OTHER, initech.id]);
    assert_eq!(
        ids(
            &organizations::admin_list()
                .bind(&w.client, &ORG, &1)
                .all()
                .await
                .unwrap(),
            |o| o.id
        ),
        [OTHER]
    );
    let mark = w.mark().await;
    let gone = organizations::admin_soft_delete()
        .bind(&w.client, &initech.id)
        .one()
        .await
        .unwrap();
    w.expect_audit(
        mark,
        "retire",
        vec![
            soft_deleted("organizations", initech.id, gone.deleted_at)
                .in_org(initech.id)
                .by("system"),
        ],
    )
    .await;
    let tx = w.tx_as(initech.id, Actor::User(USER)).await;
    assert_eq!(organizations::get().bind(&tx).opt().await.unwrap(), None);
    tx.commit().await.unwrap();
    let all = organizations::admin_list()
        .bind(&w.client, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&all, |o| o.id), [ORG, OTHER]);
    let successor = organizations::admin_create()
        .bind(&w.client, &"Initech 2", &Some("INITECH.example"))
        .one()
        .await
        .unwrap();
    assert_conflict(
        organizations::admin_restore()
            .bind(&w.client, &initech.id)
            .opt()
            .await,
        "organizations_domain_key",
    );
    organizations::admin_soft_delete()
        .bind(&w.client, &successor.id)
        .one()
        .await
        .unwrap();
    let mark = w.mark().await;
    let back = organizations::admin_restore()
        .bind(&w.client, &initech.id)
        .one()
        .await
        .unwrap();
    assert_eq!(back.deleted_at, None);
    w.expect_audit(
        mark,
        "restore",
        vec![
            restored("organizations", initech.id, gone.deleted_at)
                .in_org(initech.id)
                .by("system"),
        ],
    )
    .await;
}
