//! Who may do what in an organization: roles, the permissions granted to them, memberships,
//! and users, who join an organization through a membership; with the audit entries each
//! change writes.

use schema::domains::{roles, users};
use schema::{Actor, DomainError};
use serde_json::json;

use super::{
    ALL, NO_TEXT, ORG, OTHER, USER, assert_conflict, deleted, entry, ids, inserted, updated, world,
};

#[tokio::test]
async fn roles_permissions_and_memberships() {
    let mut w = world().await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    let mut made = Vec::new();
    for name in ["admin", "editor", "viewer"] {
        made.push(
            roles::create()
                .bind(&tx, &name, &Some(format!("{name}s")))
                .one()
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "create",
        made.iter().map(|r| inserted("roles", r)).collect(),
    )
    .await;
    let [admin, editor, viewer] = [made[0].id, made[1].id, made[2].id];

    let tx = w.tx().await;
    assert_eq!(
        roles::get().bind(&tx, &admin).opt().await.unwrap(),
        Some(made[0].clone())
    );
    assert_conflict(
        roles::create().bind(&tx, &"admin", &NO_TEXT).one().await,
        "roles_name_key",
    );
    tx.rollback().await.unwrap();
    let tx = w.tx().await;
    assert_eq!(
        ids(&roles::list().bind(&tx, &0, &2).all().await.unwrap(), |r| r
            .id),
        [admin, editor]
    );
    assert_eq!(
        ids(
            &roles::list().bind(&tx, &editor, &2).all().await.unwrap(),
            |r| r.id
        ),
        [viewer]
    );
    let keys: Vec<String> = roles::permissions()
        .bind(&tx)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    // The vocabulary of the migrations (0015, and 0018's event.write), in key order.
    assert_eq!(keys.len(), 23, "{keys:?}");
    assert!(keys.is_sorted(), "{keys:?}");
    for key in [
        "campaign.read",
        "campaign.write",
        "contact.write",
        "audit.read",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
    }
    let permission_ids: Vec<(String, i64)> = roles::permissions()
        .bind(&tx)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.key, p.id))
        .collect();
    tx.commit().await.unwrap();

    // Update.
    let mark = w.mark().await;
    let tx = w.tx().await;
    roles::update()
        .bind(&tx, &"editor", &Some("Edits campaigns"), &editor)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "update",
        vec![updated(
            "roles",
            editor,
            json!({"description": "editors"}),
            json!({"description": "Edits campaigns"}),
        )],
    )
    .await;

    // Grants are idempotent, and so are revokes.
    let permission_id = |key: &str| {
        permission_ids
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, id)| *id)
            .unwrap()
    };
    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        roles::grant()
            .bind(&tx, &admin, &"campaign.write")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        roles::grant()
            .bind(&tx, &admin, &"campaign.read")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        roles::grant()
            .bind(&tx, &admin, &"campaign.read")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        roles::grant().bind(&tx, &admin, &"no.such").await.unwrap(),
        0
    );
    let granted: Vec<String> = roles::role_permissions()
        .bind(&tx, &admin)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(granted, ["campaign.read", "campaign.write"], "by key");
    tx.commit().await.unwrap();
    let grant_entry = |key: &str, action: &str| {
        let row =
            json!({"organization_id": ORG, "role_id": admin, "permission_id": permission_id(key)});
        let changes = if action == "insert" {
            json!({"new": row})
        } else {
            json!({"old": row})
        };
        entry(action, "role_permissions", None, changes)
    };
    w.expect_audit(
        mark,
        "grants",
        vec![
            grant_entry("campaign.write", "insert"),
            grant_entry("campaign.read", "insert"),
        ],
    )
    .await;
    let mark = w.mark().await;
    let tx = w.tx().await;
    assert_eq!(
        roles::revoke()
            .bind(&tx, &admin, &"campaign.write")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        roles::revoke()
            .bind(&tx, &admin, &"campaign.write")
            .await
            .unwrap(),
        0
    );
    let left: Vec<String> = roles::role_permissions()
        .bind(&tx, &admin)
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(left, ["campaign.read"]);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "revoke",
        vec![grant_entry("campaign.write", "delete")],
    )
    .await;

    // Members: a new user joins with a role, changes role, leaves.
    let tx = w.tx().await;
    let joined = users::create()
        .bind(&tx, &"eve@acme.example", &"Eve", &viewer)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mark = w.mark().await;
    let tx = w.tx().await;
    let members = roles::members().bind(&tx, &0, &ALL).all().await.unwrap();
    assert_eq!(ids(&members, |m| m.id), [joined.membership_id]);
    let moved = roles::change_member_role()
        .bind(&tx, &editor, &joined.membership_id)
        .one()
        .await
        .unwrap();
    assert_eq!(moved.role_id, editor);
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "change role",
        vec![updated(
            "memberships",
            joined.membership_id,
            json!({"role_id": viewer}),
            json!({"role_id": editor}),
        )],
    )
    .await;

    // A role in use cannot be deleted; an unused one can.
    let tx = w.tx().await;
    let refused = roles::delete().bind(&tx, &editor).opt().await;
    let err = DomainError::from_query("role", refused.expect_err("deleted a role in use"));
    assert!(matches!(err, DomainError::Invalid { .. }), "{err:?}");
    tx.rollback().await.unwrap();
    let mark = w.mark().await;
    let tx = w.tx().await;
    let gone = roles::delete().bind(&tx, &viewer).one().await.unwrap();
    assert_eq!(roles::get().bind(&tx, &viewer).opt().await.unwrap(), None);
    let left = roles::remove_member()
        .bind(&tx, &joined.membership_id)
        .one()
        .await
        .unwrap();
    assert!(
        roles::members()
            .bind(&tx, &0, &ALL)
            .all()
            .await
            .unwrap()
            .is_empty()
    );
    let again = roles::add_member()
        .bind(&tx, &joined.user_id, &admin)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "delete role, remove and add member",
        vec![
            deleted("roles", &gone),
            deleted("memberships", &left),
            inserted("memberships", &again),
        ],
    )
    .await;
}

#[tokio::test]
async fn users_join_through_a_membership() {
    let mut w = world().await;
    let tx = w.tx().await;
    let role = roles::create()
        .bind(&tx, &"member", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = w.tx_as(OTHER, Actor::User(USER)).await;
    let other_role = roles::create()
        .bind(&tx, &"member", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let ann = users::create()
        .bind(&tx, &"ann@acme.example", &"Ann", &role.id)
        .one()
        .await
        .unwrap();
    let ben = users::create()
        .bind(&tx, &"ben@acme.example", &"Ben", &role.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let membership = |user: i64, id: i64| {
        inserted(
            "memberships",
            &json!({"organization_id": ORG, "id": id, "user_id": user, "role_id": role.id}),
        )
    };
    // The user row is audited in the organization that made it (no password: stripped).
    let user = |id: i64, email: &str, name: &str| {
        inserted(
            "users",
            &json!({"id": id, "email": email, "full_name": name}),
        )
    };
    w.expect_audit(
        mark,
        "create",
        vec![
            user(ann.user_id, "ann@acme.example", "Ann"),
            membership(ann.user_id, ann.membership_id),
            user(ben.user_id, "ben@acme.example", "Ben"),
            membership(ben.user_id, ben.membership_id),
        ],
    )
    .await;

    // A user of the other organization only.
    let tx = w.tx_as(OTHER, Actor::User(USER)).await;
    let cat = users::create()
        .bind(&tx, &"cat@globex.example", &"Cat", &other_role.id)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let tx = w.tx().await;
    let got = users::get()
        .bind(&tx, &ann.user_id)
        .opt()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.email.as_str(), got.full_name.as_str()),
        ("ann@acme.example", "Ann")
    );
    assert_eq!(
        users::get_by_email()
            .bind(&tx, &"BEN@acme.example")
            .opt()
            .await
            .unwrap()
            .map(|u| u.id),
        Some(ben.user_id),
        "by email, whatever the case"
    );
    assert_eq!(
        users::get().bind(&tx, &cat.user_id).opt().await.unwrap(),
        None
    );
    let listed = users::list().bind(&tx, &0, &ALL).all().await.unwrap();
    assert_eq!(
        ids(&listed, |u| u.id),
        [ann.user_id, ben.user_id],
        "members only"
    );
    let page = users::list()
        .bind(&tx, &ann.user_id, &1)
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&page, |u| u.id), [ben.user_id]);
    tx.commit().await.unwrap();

    let mark = w.mark().await;
    let tx = w.tx().await;
    let renamed = users::update()
        .bind(&tx, &"ann@acme.example", &"Ann Smith", &ann.user_id)
        .one()
        .await
        .unwrap();
    assert_eq!(renamed.full_name, "Ann Smith");
    assert_eq!(
        users::update()
            .bind(&tx, &"cat@acme.example", &"Cat", &cat.user_id)
            .opt()
            .await
            .unwrap(),
        None,
        "renamed a user of another organization"
    );
    tx.commit().await.unwrap();
    w.expect_audit(
        mark,
        "rename",
        vec![updated(
            "users",
            ann.user_id,
            json!({"full_name": "Ann"}),
            json!({"full_name": "Ann Smith"}),
        )],
    )
    .await;
}
