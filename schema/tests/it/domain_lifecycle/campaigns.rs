//! Email templates and campaigns: templates versioned by name, the campaign lifecycle,
//! slugs unique among an organization's live campaigns, the status filter and keyset
//! pages, and the audit entries each change writes. The status flow itself is in `flows`.

use schema::domains::{campaigns, email_templates, forms};
use schema::{Actor, CampaignStatus};
use serde_json::json;
use tokio_postgres::Transaction;

use super::{
    ALL, NO_ID, NO_TEXT, OTHER, USER, assert_conflict, ids, inserted, new_campaign, new_list,
    restored, soft_deleted, updated, world,
};

#[tokio::test]
async fn email_templates_are_versioned_by_name() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let create = async |name: &str, subject: &str| {
        email_templates::create()
            .bind(&tx, &name, &subject, &"<p>Hi</p>", &Some("Hi"))
            .one()
            .await
            .unwrap()
    };
    let v1 = create("welcome", "Welcome").await;
    let v2 = create("welcome", "Welcome, again").await;
    let other = create("offer", "An offer").await;
    tx.commit().await.unwrap();
    assert_eq!((v1.version, v2.version, other.version), (1, 2, 1));
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("email_templates", &v1),
            inserted("email_templates", &v2),
            inserted("email_templates", &other),
        ],
    )
    .await;

    let tx = w.tx().await;
    assert_eq!(
        email_templates::get()
            .bind(&tx, &v2.id)
            .opt()
            .await
            .unwrap(),
        Some(v2.clone())
    );
    let page = email_templates::list()
        .bind(&tx, &0, &2)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |t| t.id), [v1.id, v2.id]);
    let page = email_templates::list()
        .bind(&tx, &v2.id, &2)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |t| t.id), [other.id]);
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = email_templates::soft_delete()
        .bind(&tx, &v1.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        email_templates::get()
            .bind(&tx, &v1.id)
            .opt()
            .await
            .unwrap(),
        None
    );
    let live = email_templates::list()
        .bind(&tx, &0, &ALL)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&live, |t| t.id), [v2.id, other.id]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete",
        vec![soft_deleted("email_templates", v1.id, gone.deleted_at)],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    let back = email_templates::restore()
        .bind(&tx, &v1.id)
        .one()
        .await
        .unwrap();
    assert_eq!(back.version, 1);
    let v3 = create_in(&tx, "welcome").await;
    assert_eq!(v3.version, 3, "the next version after 1 and 2");
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "restore",
        vec![
            restored("email_templates", v1.id, gone.deleted_at),
            inserted("email_templates", &v3),
        ],
    )
    .await;
}

async fn create_in(tx: &Transaction<'_>, name: &str) -> email_templates::EmailTemplate {
    email_templates::create()
        .bind(tx, &name, &"Subject", &"<p>Body</p>", &NO_TEXT)
        .one()
        .await
        .unwrap()
}

#[tokio::test]
async fn campaigns_lifecycle_and_slugs() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let tx = w.tx().await;
    let template = create_in(&tx, "welcome").await;
    let form = forms::create()
        .bind(&tx, &"Demo", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let spring = campaigns::create()
        .bind(
            &tx,
            &"Spring",
            &Some(template.id),
            &Some(form.id),
            &Some(list),
            &Some("spring"),
        )
        .one()
        .await
        .unwrap();
    let summer = new_campaign(&tx, "Summer", Some("summer")).await;
    let autumn = new_campaign(&tx, "Autumn", None).await;
    tx.commit().await.unwrap();
    assert_eq!(spring.status, CampaignStatus::draft);
    w.expect_audit(
        mark,
        "create",
        vec![
            inserted("campaigns", &spring),
            inserted("campaigns", &summer),
            inserted("campaigns", &autumn),
        ],
    )
    .await;

    let tx = w.tx().await;
    assert_eq!(
        campaigns::get().bind(&tx, &spring.id).opt().await.unwrap(),
        Some(spring.clone())
    );
    assert_eq!(
        campaigns::get_by_slug()
            .bind(&tx, &"spring")
            .opt()
            .await
            .unwrap(),
        Some(spring.clone())
    );
    let scheduled = campaigns::move_to()
        .bind(&tx, &CampaignStatus::scheduled, &None, &summer.id)
        .one()
        .await
        .unwrap();
    let by_status = async |status: Option<CampaignStatus>, after: i64, limit: i64| {
        let rows = campaigns::list()
            .bind(&tx, &after, &status, &limit)
            .all()
            .await
            .unwrap();
        ids(&rows, |c| c.id)
    };
    assert_eq!(
        by_status(None, 0, ALL).await,
        [spring.id, summer.id, autumn.id]
    );
    assert_eq!(
        by_status(Some(CampaignStatus::draft), 0, ALL).await,
        [spring.id, autumn.id]
    );
    assert_eq!(
        by_status(Some(CampaignStatus::scheduled), 0, ALL).await,
        [summer.id]
    );
    assert_eq!(
        by_status(Some(CampaignStatus::active), 0, ALL).await,
        [] as [i64; 0]
    );
    assert_eq!(by_status(None, 0, 2).await, [spring.id, summer.id]);
    assert_eq!(by_status(None, summer.id, 2).await, [autumn.id]);
    assert_eq!(
        by_status(Some(CampaignStatus::draft), spring.id, 1).await,
        [autumn.id]
    );
    tx.commit().await.unwrap();
    assert!(scheduled.scheduled_at.is_some());

    let mark = w.mark().await;
    let tx = w.tx().await;
    let renamed = campaigns::update()
        .bind(
            &tx,
            &"Spring sale",
            &Some(template.id),
            &Some(form.id),
            &Some(list),
            &Some("spring"),
            &spring.id,
        )
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(renamed.name, "Spring sale");
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "campaigns",
            spring.id,
            json!({"name": "Spring"}),
            json!({"name": "Spring sale"}),
        )],
    )
    .await;

    // A live slug is taken in its organization only.
    let tx = w.tx().await;
    assert_conflict(
        campaigns::create()
            .bind(&tx, &"Copy", &NO_ID, &NO_ID, &NO_ID, &Some("spring"))
            .one()
            .await,
        "campaigns_landing_page_slug_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx_as(OTHER, Actor::User(USER)).await;
    let elsewhere = new_campaign(&tx, "Globex spring", Some("spring")).await;
    tx.commit().await.unwrap();
    assert_eq!(elsewhere.organization_id, OTHER);

    // Soft delete frees the slug; restoring the old one while a new one holds it conflicts.
    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = campaigns::soft_delete()
        .bind(&tx, &spring.id)
        .one()
        .await
        .unwrap();
    assert_eq!(
        campaigns::get().bind(&tx, &spring.id).opt().await.unwrap(),
        None
    );
    assert_eq!(
        campaigns::get_by_slug()
            .bind(&tx, &"spring")
            .opt()
            .await
            .unwrap(),
        None
    );
    assert_eq!(by_status_in(&tx, None).await, [summer.id, autumn.id]);
    let reused = new_campaign(&tx, "Spring again", Some("spring")).await;
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "soft delete, slug reused",
        vec![
            soft_deleted("campaigns", spring.id, gone.deleted_at),
            inserted("campaigns", &reused),
        ],
    )
    .await;

    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_conflict(
        campaigns::restore().bind(&tx, &spring.id).opt().await,
        "campaigns_landing_page_slug_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx().await;
    assert_eq!(
        campaigns::get().bind(&tx, &spring.id).opt().await.unwrap(),
        None
    );
    let reused_gone = campaigns::soft_delete()
        .bind(&tx, &reused.id)
        .one()
        .await
        .unwrap();
    let back = campaigns::restore()
        .bind(&tx, &spring.id)
        .one()
        .await
        .unwrap();
    assert_eq!(back.landing_page_slug.as_deref(), Some("spring"));
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "restore",
        vec![
            soft_deleted("campaigns", reused.id, reused_gone.deleted_at),
            restored("campaigns", spring.id, gone.deleted_at),
        ],
    )
    .await;
}

async fn by_status_in(tx: &Transaction<'_>, status: Option<CampaignStatus>) -> Vec<i64> {
    let rows = campaigns::list()
        .bind(tx, &0, &status, &ALL)
        .all()
        .await
        .unwrap();
    ids(&rows, |c| c.id)
}
