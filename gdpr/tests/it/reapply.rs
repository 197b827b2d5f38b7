//! Erasures outlive a restore of a database backup taken before them: `gdpr::reapply`
//! reads the erasure log kept beside the archive and erases again.

use gdpr::{Outcome, SubjectKind};
use schema::GdprRequestType;
use testkit::TestDb;

use crate::common::{self, ADA, ADA_CONTACTS, file, process, scan_database, scan_store, world};
use crate::erase::PII_KEYS;

/// Events of Ada's contacts with their IP address or a PII key still there.
async fn personal_events(client: &tokio_postgres::Client, contacts: &[i64]) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM events WHERE organization_id = 1 AND contact_id = ANY($1)
               AND (ip_address IS NOT NULL OR event_data ?| $2::text[])",
            &[&contacts.to_vec(), &PII_KEYS.map(String::from).to_vec()],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_backup_restored_after_an_erasure_is_erased_again_by_reapply_and_nothing_comes_back() {
    let mut w = world().await;
    let backup = w._db.backup().await;

    // After the backup, Ada is added to another list with an event: a row the backup
    // never held, erased with the rest.
    w.client
        .batch_execute(
            "INSERT INTO contact_lists (organization_id, id, name) VALUES (1, 12, 'Later');
             INSERT INTO contacts (organization_id, id, contact_list_id, email, first_name)
                 VALUES (1, 150, 12, 'ada.lovelace@example.com', 'Adaqz');
             INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, ip_address, event_data)
                 SELECT gen_random_uuid(), organization_id, campaign_id, 150, event_type,
                        occurred_at, ip_address, event_data
                 FROM events WHERE organization_id = 1 AND contact_id = 100 LIMIT 1;",
        )
        .await
        .unwrap();
    let id = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        ADA,
    )
    .await;
    let Outcome::Erased(_) = process(&mut w.client, &w.config, 1, id).await.unwrap() else {
        panic!("not an erasure")
    };
    assert_eq!(scan_database(&w.client).await, Vec::<String>::new());
    let log = gdpr::read_erasure_log(&w.store).await.unwrap();
    assert_eq!(log.len(), 1, "one entry per completed erasure: {log:?}");
    assert_eq!(log[0].contact_ids, vec![100, 101, 150]);
    assert_eq!(
        log[0].archive.len(),
        2,
        "both archived days held Ada's personal data"
    );
    let logged = std::fs::read_to_string(w.dir.0.join(log[0].key())).unwrap();
    assert!(
        !logged.to_lowercase().contains("ada.lovelace"),
        "the log names the subject by the hash only: {logged}"
    );

    // The database is lost; the backup from before the erasure is restored.
    let restored = TestDb::restore(&backup).await;
    let mut client = restored.connect().await;
    assert!(
        !scan_database(&client).await.is_empty(),
        "the backup holds Ada's data again"
    );
    let stale: Vec<String> = testkit::column(
        &client,
        "SELECT object_key FROM archived_partitions ORDER BY day",
    )
    .await;
    assert!(
        stale.iter().all(|k| !w.dir.0.join(k).exists()),
        "the restored manifest names the objects the erasure deleted: {stale:?}"
    );

    let report = gdpr::reapply(&mut client, &w.config, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.logged, 1);
    assert_eq!(report.manifest_swaps, 2, "{report:?}");
    assert_eq!(report.up_to_date, 0, "{report:?}");
    assert_eq!(report.erased_again.len(), 1, "{report:?}");
    let (org, logged_request, new_request) = report.erased_again[0];
    assert_eq!((org, logged_request), (1, id));
    assert_eq!(common::status(&client, 1, new_request).await.0, "completed");

    assert_eq!(scan_database(&client).await, Vec::<String>::new());
    assert_eq!(scan_store(&w.dir.0), Vec::<String>::new());
    assert_eq!(
        personal_events(&client, &[ADA_CONTACTS[0], ADA_CONTACTS[1], 150]).await,
        0
    );
    let marked: Vec<i64> = testkit::column(
        &client,
        "SELECT contact_id FROM gdpr_erased_contacts WHERE organization_id = 1 ORDER BY 1",
    )
    .await;
    assert_eq!(
        marked,
        vec![100, 101, 150],
        "ingest strips the events of every logged contact, the one the backup predates too"
    );
    // The manifest names the rewritten objects, which restore whole and clean.
    let days = archiver::restore(
        &mut client,
        &w.store,
        testkit::day("2024-01-01"),
        testkit::day("2024-12-31"),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(days.rows_restored, 120);
    assert_eq!(scan_database(&client).await, Vec::<String>::new());

    // A second reapply finds everything reflected and changes nothing.
    let again = gdpr::reapply(&mut client, &w.config, &|_| {})
        .await
        .unwrap();
    assert_eq!(again.manifest_swaps, 0, "{again:?}");
    assert!(again.erased_again.is_empty(), "{again:?}");
    assert_eq!(again.up_to_date, again.logged, "{again:?}");
}

#[tokio::test]
async fn reapply_without_a_key_names_the_setting_and_with_an_empty_log_changes_nothing() {
    let mut w = world().await;
    let report = gdpr::reapply(&mut w.client, &w.config, &|_| {})
        .await
        .unwrap();
    assert_eq!(report, gdpr::ReapplyReport::default());
    let keyless = gdpr::GdprConfig::new(w.store.clone(), None);
    let err = gdpr::reapply(&mut w.client, &keyless, &|_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TALLY_GDPR_KEY"), "{err}");
}
