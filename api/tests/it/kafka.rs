//! The in-process Kafka and the real ingest, for tests whose events go through them.

use std::time::Duration;

use crate::App;

/// An in-process Kafka cluster of one broker with `topic` (2 partitions).
pub fn cluster(topic: &str) -> (simulate::EmbeddedKafka, String) {
    let kafka = simulate::EmbeddedKafka::start(1).unwrap();
    kafka.create_topic(topic, 2).unwrap();
    let brokers = kafka.bootstrap_servers();
    (kafka, brokers)
}

/// Runs the ingest from `topic` into the app's database until `events` holds `n` rows,
/// then a second more (a repeat would show), and stops it.
pub async fn ingest_until(app: &App, brokers: &str, topic: &str, n: i64) {
    let config = ingest::IngestConfig {
        metrics_addr: None,
        ..ingest::IngestConfig::new(brokers, topic, "api-tests", app.db.config().clone())
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(ingest::run(config, async move {
        let _ = stopped.await;
    }));
    let client = app.db.connect().await;
    let count = || async {
        client
            .query_one("SELECT count(*) FROM events", &[])
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while count().await < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} events did not arrive; {} did",
            count().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}
