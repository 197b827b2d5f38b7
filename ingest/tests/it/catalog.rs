//! The organization and campaign catalog against a real, migrated Postgres.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use ingest::{Catalog, CatalogError};
use schema::DeadLetterReason as Reason;
use testkit::TestDb;
use tokio_postgres::{Client, NoTls};

fn pool(config: tokio_postgres::Config) -> Pool {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(4)
        .build()
        .expect("building the pool")
}

async fn organization(client: &Client, name: &str) -> i64 {
    client
        .query_one(
            "INSERT INTO organizations (name) VALUES ($1) RETURNING id",
            &[&name],
        )
        .await
        .expect("inserting an organization")
        .get(0)
}

async fn campaign(client: &Client, organization_id: i64, name: &str) -> i64 {
    client
        .query_one(
            "INSERT INTO campaigns (organization_id, name) VALUES ($1, $2) RETURNING id",
            &[&organization_id, &name],
        )
        .await
        .expect("inserting a campaign")
        .get(0)
}

#[tokio::test]
async fn the_catalog_knows_what_the_database_holds_and_refreshes_on_demand() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let acme = organization(&client, "Acme").await;
    let globex = organization(&client, "Globex").await;
    let spring = campaign(&client, acme, "Spring sale").await;
    let launch = campaign(&client, globex, "Launch").await;
    let pool = pool(db.config().clone());

    let catalog = Catalog::load(&pool).await.expect("loading the catalog");
    let snapshot = catalog.snapshot();
    assert_eq!((snapshot.organizations(), snapshot.campaigns()), (2, 2));
    assert_eq!(snapshot.check(acme, spring), Ok(()));
    assert_eq!(snapshot.check(globex, launch), Ok(()));
    assert_eq!(
        snapshot.check(globex + 100, spring),
        Err(Reason::UnknownOrganization)
    );
    assert_eq!(
        snapshot.check(acme, launch + 100),
        Err(Reason::UnknownCampaign)
    );
    // A campaign of another organization is an unknown campaign.
    assert_eq!(snapshot.check(acme, launch), Err(Reason::UnknownCampaign));

    // A campaign created after the load is unknown until a refresh.
    let summer = campaign(&client, acme, "Summer sale").await;
    assert_eq!(
        catalog.snapshot().check(acme, summer),
        Err(Reason::UnknownCampaign)
    );
    let refreshed = catalog
        .refresh_if_older_than(&pool, Duration::ZERO)
        .await
        .expect("refreshing");
    assert!(refreshed);
    assert_eq!(catalog.snapshot().check(acme, summer), Ok(()));
    // The snapshot taken before the refresh is unchanged.
    assert_eq!(snapshot.check(acme, summer), Err(Reason::UnknownCampaign));
    // Clones share the refreshed snapshot.
    assert_eq!(catalog.clone().snapshot().campaigns(), 3);

    // Right after a refresh, a refresh with a minimum age does nothing.
    let autumn = campaign(&client, acme, "Autumn sale").await;
    let refreshed = catalog
        .refresh_if_older_than(&pool, Duration::from_secs(3600))
        .await
        .expect("refreshing");
    assert!(!refreshed);
    assert_eq!(
        catalog.snapshot().check(acme, autumn),
        Err(Reason::UnknownCampaign)
    );
    catalog.refresh(&pool).await.expect("refreshing");
    assert_eq!(catalog.snapshot().check(acme, autumn), Ok(()));
}

#[tokio::test]
async fn concurrent_refreshes_do_not_pile_up() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let acme = organization(&client, "Acme").await;
    campaign(&client, acme, "Spring sale").await;
    let pool = pool(db.config().clone());
    let catalog = Catalog::load(&pool).await.expect("loading the catalog");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Eight writers miss at once; one refresh serves them all: the others either asked
    // before it started or find it younger than their minimum age.
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let (catalog, pool) = (catalog.clone(), pool.clone());
            tokio::spawn(async move {
                catalog
                    .refresh_if_older_than(&pool, Duration::from_millis(250))
                    .await
                    .expect("refreshing")
            })
        })
        .collect();
    let mut refreshed = 0;
    for writer in writers {
        if writer.await.expect("writer task") {
            refreshed += 1;
        }
    }
    assert_eq!(refreshed, 1);
}

#[tokio::test]
async fn the_refresher_picks_up_new_campaigns_and_stops_on_shutdown() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let acme = organization(&client, "Acme").await;
    let pool = pool(db.config().clone());
    let catalog = Catalog::load(&pool).await.expect("loading the catalog");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let refresher = catalog.spawn_refresher(pool.clone(), Duration::from_millis(50), async {
        let _ = stopped.await;
    });

    let spring = campaign(&client, acme, "Spring sale").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while catalog.snapshot().check(acme, spring).is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the refresher never loaded the new campaign"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    stop.send(()).expect("signalling shutdown");
    tokio::time::timeout(Duration::from_secs(5), refresher)
        .await
        .expect("the refresher stops on shutdown")
        .expect("the refresher does not panic");
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_previous_snapshot() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let acme = organization(&client, "Acme").await;
    let spring = campaign(&client, acme, "Spring sale").await;
    let good = pool(db.config().clone());
    let catalog = Catalog::load(&good).await.expect("loading the catalog");

    let mut config = db.config().clone();
    config.dbname("tally_no_such_database");
    let bad = pool(config);
    let error = catalog.refresh(&bad).await.expect_err("refresh must fail");
    assert!(matches!(error, CatalogError::Connect(_)), "{error}");
    assert!(
        error.to_string().contains("tally_no_such_database"),
        "{error}"
    );
    assert_eq!(catalog.snapshot().check(acme, spring), Ok(()));
}

#[tokio::test]
async fn a_role_under_row_level_security_is_refused() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    organization(&client, "Acme").await;
    let mut config = db.config().clone();
    config.options(format!("-c role={}", schema::APP_ROLE));
    let error = Catalog::load(&pool(config))
        .await
        .expect_err("loading as the application role must fail");
    assert!(
        matches!(&error, CatalogError::RowSecurity { role } if role == schema::APP_ROLE),
        "{error}"
    );
}
