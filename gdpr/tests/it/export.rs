//! Export of a subject: everything held, from the database and from the archive.

use std::collections::BTreeMap;

use gdpr::{Outcome, SubjectKind};
use schema::GdprRequestType;
use serde_json::Value;

use crate::common::{self, ADA, file, process, world};

/// Ada's events as an independent query reads them before anything is archived:
/// event id to the row in the export's form.
async fn originals(client: &tokio_postgres::Client) -> BTreeMap<String, Value> {
    client
        .query(
            "SELECT event_id::text, jsonb_build_object(
                 'event_id', event_id, 'organization_id', organization_id,
                 'campaign_id', campaign_id, 'contact_id', contact_id,
                 'event_type', event_type, 'ip_address', abbrev(ip_address),
                 'event_data', event_data,
                 'occurred_at', extract(epoch FROM occurred_at)::numeric,
                 'received_at', extract(epoch FROM received_at)::numeric)
             FROM events WHERE organization_id = 1 AND contact_id IN (100, 101)",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn an_export_holds_every_hot_and_archived_event_and_every_row_of_the_subject() {
    // The originals are read from a twin database before its days are archived.
    let twin = testkit::TestDb::migrated().await;
    let twin_client = twin.connect().await;
    twin_client.batch_execute(common::FIXTURE).await.unwrap();
    let expected = originals(&twin_client).await;
    assert_eq!(expected.len(), 4 * 30, "30 events of Ada a day in 4 days");

    let mut w = world().await;
    let id = file(
        &w.client,
        1,
        GdprRequestType::export,
        SubjectKind::Contact,
        ADA,
    )
    .await;
    let Outcome::Exported(location) = process(&mut w.client, &w.config, 1, id).await.unwrap()
    else {
        panic!("not an export")
    };
    let (status, result_location, error) = common::status(&w.client, 1, id).await;
    assert_eq!((status.as_str(), error), ("completed", None));
    assert_eq!(result_location.as_deref(), Some(location.url.as_str()));

    let bytes = gdpr::read_export(&w.store, 1, id, gdpr::DOCUMENT)
        .await
        .unwrap()
        .unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let tables = &doc["tables"];

    let mut got = BTreeMap::new();
    let mut archived = 0;
    for e in tables["events"].as_array().unwrap() {
        let stored_in = e["stored_in"].as_str().unwrap();
        if stored_in != "database" {
            assert!(stored_in.starts_with("events/year=2024/"), "{stored_in}");
            archived += 1;
        }
        let time = |k: &str| {
            let t = chrono::DateTime::parse_from_rfc3339(e[k].as_str().unwrap()).unwrap();
            serde_json::json!(t.timestamp_micros() as f64 / 1e6)
        };
        let mut row = e.clone();
        let m = row.as_object_mut().unwrap();
        m.remove("stored_in");
        m.insert("occurred_at".into(), time("occurred_at"));
        m.insert("received_at".into(), time("received_at"));
        got.insert(e["event_id"].as_str().unwrap().to_owned(), row);
    }
    assert_eq!(
        archived, 60,
        "the two archived days are read from their objects"
    );
    let normalize = |m: BTreeMap<String, Value>| {
        m.into_iter()
            .map(|(k, mut v)| {
                for t in ["occurred_at", "received_at"] {
                    let f = v[t]
                        .as_f64()
                        .unwrap_or_else(|| v[t].to_string().parse().unwrap());
                    v[t] = serde_json::json!((f * 1e6).round() as i64);
                }
                (k, v)
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(normalize(got), normalize(expected));

    let ids = |table: &str| -> Vec<i64> {
        tables[table]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        ids("contacts"),
        [100, 101],
        "both lists' rows, no other organization's"
    );
    assert_eq!(ids("leads"), [50]);
    assert_eq!(ids("form_responses"), [60]);
    assert_eq!(ids("validation_logs"), [1]);
    assert_eq!(ids("assignments"), [41]);
    assert_eq!(ids("gdpr_requests"), [id]);
    assert_eq!(tables["list_memberships"].as_array().unwrap().len(), 2);
    assert_eq!(tables["contacts"][0]["first_name"], "Adaqz");
    assert_eq!(tables["form_responses"][0]["ip_address"], "198.51.100.77");
    let audited: Vec<(String, i64)> = tables["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["entity_type"].as_str().unwrap().to_owned(),
                a["entity_id"].as_i64().unwrap(),
            )
        })
        .collect();
    for entity in [
        ("contacts", 100),
        ("contacts", 101),
        ("leads", 50),
        ("form_responses", 60),
    ] {
        assert!(
            audited.contains(&(entity.0.to_owned(), entity.1)),
            "no audit entry about {entity:?}: {audited:?}"
        );
    }
    assert!(
        !audited.iter().any(|(t, i)| t == "contacts" && *i == 102),
        "Bob's entries"
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("Bob"),
        "another contact's data in the export"
    );
    assert!(
        !text.contains("203.0.113.99"),
        "another organization's data in the export"
    );

    // One CSV per table, a line per row after the header.
    let csv = gdpr::read_export(&w.store, 1, id, "events.csv")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 1 + 120);
    let contacts = gdpr::read_export(&w.store, 1, id, "contacts.csv")
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&contacts).contains("Adaqz"));
    assert_eq!(location.keys.len(), 1 + tables.as_object().unwrap().len());
    assert!(
        gdpr::read_export(&w.store, 1, id, "../x")
            .await
            .unwrap()
            .is_none()
    );

    let audit: i64 = w
        .client
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE organization_id = 1 AND action = 'export'
               AND entity_type = 'gdpr_requests' AND entity_id = $1 AND actor = 'gdpr'",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audit, 1, "an export audit entry");

    // A second run of a completed request does nothing.
    assert_eq!(
        process(&mut w.client, &w.config, 1, id).await.unwrap(),
        Outcome::AlreadyFinished
    );
}
