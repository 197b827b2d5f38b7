//! The generated queries as a caller writes them: plain strings where a query takes an
//! `email_address`, across every domain that has one.

use schema::GdprRequestType;
use schema::domains::{contacts, gdpr, roles, users};
use serde_json::json;

use super::{NO_ID, NO_TEXT, new_list, world};

/// The generated queries with plain strings for their `email_address` parameters, as a
/// caller would write them.
#[tokio::test]
async fn email_parameters_take_plain_strings() {
    let mut w = world().await;
    let list = new_list(&mut w, "Main").await;
    let tx = w.tx().await;
    let role = roles::create()
        .bind(&tx, &"member", &NO_TEXT)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = w.tx().await;
    let mut failures = Vec::new();
    let mut note = |what: &str, result: Result<(), tokio_postgres::Error>| {
        if let Err(e) = result {
            failures.push(format!("{what}: {}", schema::describe_pg_error(&e)));
        }
    };
    tx.batch_execute("SAVEPOINT s").await.unwrap();
    let made = contacts::create()
        .bind(
            &tx,
            &list,
            &"dan@customer.example",
            &NO_TEXT,
            &NO_TEXT,
            &NO_TEXT,
            &json!({}),
        )
        .one()
        .await;
    let id = made.as_ref().map(|c| c.id).unwrap_or_default();
    note("contacts::create", made.map(drop));
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "contacts::update",
        contacts::update()
            .bind(
                &tx,
                &String::from("dan@customer.example"),
                &NO_TEXT,
                &NO_TEXT,
                &NO_TEXT,
                &json!({}),
                &id,
            )
            .opt()
            .await
            .map(drop),
    );
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "gdpr::create",
        gdpr::create()
            .bind(
                &tx,
                &NO_ID,
                &"dan@customer.example",
                &GdprRequestType::export,
            )
            .one()
            .await
            .map(drop),
    );
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "users::create",
        users::create()
            .bind(&tx, &"eve@acme.example", &"Eve", &role.id)
            .one()
            .await
            .map(drop),
    );
    tx.batch_execute("ROLLBACK TO SAVEPOINT s").await.unwrap();
    note(
        "users::update",
        users::update()
            .bind(&tx, &"eve@acme.example", &"Eve", &0)
            .opt()
            .await
            .map(drop),
    );
    tx.rollback().await.unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
