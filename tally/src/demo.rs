//! `tally demo`: the whole pipeline on embedded parts. Starts a private Postgres from the
//! machine's server binaries and librdkafka's in-process Kafka cluster (the real
//! protocol), simulates campaign traffic into Kafka, ingests it exactly once, prints
//! what happened, then aggregates the days and prints the top campaigns' funnels. It
//! also seeds a small platform (`tally seed`'s default) so every CRUD domain has rows.
//! With `--keep` it stays up until Ctrl-C for a look with psql and through the HTTP API
//! (served on a local port, with a key and three curl lines printed).

mod serve;

use std::time::{Duration, Instant};

use aggregator::Finality;
use anyhow::Context as _;
use chrono::{Days, Utc};
use ingest::{Ingest, IngestConfig, Summary};
use localpg::{Cluster, ClusterOptions};
use schema::Migrator;
use simulate::{EmbeddedKafka, PlatformPlan, SimulationPlan};
use tokio_postgres::{Client, NoTls};

use crate::cli::DemoArgs;
use crate::progress;

const DATABASE: &str = "tally";
const TOPIC: &str = "campaign-events";

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let binaries = match &args.embedded.pg_bindir {
        Some(dir) => localpg::binaries_in(dir)?,
        None => localpg::find_binaries()?,
    };
    let mut shutdown = crate::shutdown::Shutdown::listen()?;
    println!("starting an embedded PostgreSQL ({})", binaries.version);
    let cluster = tokio::task::spawn_blocking(move || {
        Cluster::start_with(binaries, &ClusterOptions::default())
    })
    .await
    .context("starting the embedded cluster panicked")??;

    let outcome = tokio::select! {
        outcome = pipeline(&cluster, &args) => outcome,
        () = shutdown.received() => Err(anyhow::anyhow!("interrupted")),
    };
    if outcome.is_ok() && args.keep {
        show_contents(&cluster).await?;
        let mut client = connect(&cluster, DATABASE).await?;
        let api = serve::start(&mut client, cluster_config(&cluster)?).await?;
        println!();
        println!("connect with:  {}", cluster.psql_command(DATABASE));
        println!("press Ctrl-C to stop; the cluster and its files are removed on exit");
        shutdown.received().await;
        println!("stopping");
        api.stop().await?;
    }
    let dir = cluster.dir().to_path_buf();
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .context("stopping the embedded cluster panicked")??;
    outcome?;
    println!("stopped; removed {}", dir.display());
    Ok(())
}

async fn connect(cluster: &Cluster, database: &str) -> anyhow::Result<Client> {
    let (client, connection) = tokio_postgres::connect(&cluster.connection_string(database), NoTls)
        .await
        .with_context(|| format!("connecting to the embedded database {database}"))?;
    tokio::spawn(connection);
    Ok(client)
}

/// The demo itself: a database, a Kafka, a simulated stream ingested, then the
/// aggregation and the funnels it feeds.
async fn pipeline(cluster: &Cluster, args: &DemoArgs) -> anyhow::Result<()> {
    let mut client = create_database(cluster, args).await?;
    // The CRUD domains, populated as `tally seed` does, for a look around with --keep.
    let platform = simulate::seed_platform(&mut client, &PlatformPlan::default()).await?;
    println!("platform: {platform} (tally seed)");
    let kafka = EmbeddedKafka::start(1)?;
    let partitions = i32::from(args.writer.writers) * 4;
    kafka.create_topic(TOPIC, partitions)?;
    println!(
        "kafka: in-process cluster at {}, topic {TOPIC} with {partitions} partitions",
        kafka.bootstrap_servers()
    );
    let plan = seed(&client, args).await?;
    let (summary, seconds) = ingest_stream(cluster, args, &kafka, partitions, &plan).await?;
    print_summary(&summary, args.events, seconds);
    print_event_types(&client).await?;
    aggregate(&mut client).await?;
    print_funnels(&client).await
}

/// Creates and migrates the demo database and premakes its partitions.
async fn create_database(cluster: &Cluster, args: &DemoArgs) -> anyhow::Result<Client> {
    connect(cluster, "postgres")
        .await?
        .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
        .await
        .context("creating the demo database")?;
    let mut client = connect(cluster, DATABASE).await?;
    let applied = Migrator::default().up(&mut client).await?;
    let premade = schema::premake_partitions(
        &client,
        Utc::now().date_naive(),
        args.partitions.premake_days,
    )
    .await
    .context("premaking partitions")?;
    println!(
        "schema: {} migrations applied, {premade} day partitions premade",
        applied.len()
    );
    Ok(client)
}

/// The simulation's plan (seven days up to today), with its tenants seeded.
async fn seed(client: &Client, args: &DemoArgs) -> anyhow::Result<SimulationPlan> {
    let today = Utc::now().date_naive();
    let mut plan = SimulationPlan::new(
        today.checked_sub_days(Days::new(6)).unwrap_or(today),
        7,
        args.events,
    );
    plan.seed = 42;
    plan.organizations = 3;
    plan.campaigns_per_organization = 4;
    plan.contacts_per_organization = 50_000;
    let seeded = simulate::seed_database(client, &plan).await?;
    println!(
        "simulating {} records over 7 days: {} organizations, {} campaigns, {} contacts; ~1% duplicates, ~0.5% malformed",
        args.events, seeded.organizations, seeded.campaigns, seeded.contacts
    );
    Ok(plan)
}

/// Produces the plan's records while the ingest runs, with a progress bar, until every
/// record is committed; returns the ingest's summary and the seconds it took.
async fn ingest_stream(
    cluster: &Cluster,
    args: &DemoArgs,
    kafka: &EmbeddedKafka,
    partitions: i32,
    plan: &SimulationPlan,
) -> anyhow::Result<(Summary, f64)> {
    let mut config = IngestConfig::new(
        &kafka.bootstrap_servers(),
        TOPIC,
        "tally-demo",
        cluster_config(cluster)?,
    );
    config.writers = usize::from(args.writer.writers);
    config.copy_streams = args.writer.copy_streams;
    config.batch_size = args.writer.batch_size as usize;
    config.batch_age = args.writer.batch_age;
    let ingest = Ingest::start(config).await?;
    let totals = ingest.totals();

    // Produce while ingesting, never more than ~2.5 MB per partition ahead of what is
    // committed: the in-process broker keeps only about 5 MB per partition.
    let window = partitions as u64 * 6_000;
    let watched = totals.clone();
    let records = simulate::throttled(simulate::generate(plan)?, window, move || watched.offsets());
    let producer = {
        let brokers = kafka.bootstrap_servers();
        tokio::spawn(async move { simulate::produce(&brokers, TOPIC, records, |_| {}).await })
    };
    let bar = progress::bar(args.events, "ingesting");
    let started = Instant::now();
    while totals.offsets() < args.events {
        bar.set_position(totals.offsets());
        if producer.is_finished() && totals.offsets() < args.events {
            // A finished producer that delivered less than planned is an error; surface it.
            let sent = producer.await.context("the producer panicked")??;
            anyhow::ensure!(
                sent == args.events,
                "only {sent} of {} records were produced",
                args.events
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while totals.offsets() < args.events {
        bar.set_position(totals.offsets());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    Ok((ingest.stop().await, seconds))
}

/// What became of the records.
fn print_summary(summary: &Summary, sent: u64, seconds: f64) {
    println!();
    println!(
        "simulated and ingested {sent} records in {seconds:.1}s: {:.0} records/s",
        sent as f64 / seconds.max(1e-9)
    );
    println!("  stored               {:>10}", summary.stored);
    println!("  duplicates dropped   {:>10}", summary.duplicates);
    let dead: u64 = summary.dead_letters.values().sum();
    println!("  dead letters         {dead:>10}");
    for (reason, n) in &summary.dead_letters {
        println!("    {reason:<22} {n:>8}");
    }
}

/// The stored events by type.
async fn print_event_types(client: &Client) -> anyhow::Result<()> {
    println!();
    println!("events per type:");
    for row in client
        .query(include_str!("demo/event_types.sql"), &[])
        .await?
    {
        let kind: String = row.get("event_type");
        let n: i64 = row.get("events");
        println!("  {kind:<14} {n:>10}");
    }
    Ok(())
}

/// Runs the nightly aggregation now and says what it wrote.
async fn aggregate(client: &mut Client) -> anyhow::Result<()> {
    let started = Instant::now();
    let report = aggregator::aggregate(client, Utc::now(), Finality::default()).await?;
    let finals: i64 = client
        .query_one(
            "SELECT count(*) FROM event_aggregations WHERE is_final",
            &[],
        )
        .await?
        .get(0);
    println!();
    println!(
        "aggregated {} campaign days over {} days in {:.1}s: {} rows ({finals} final), {} week/month/lifetime unique-contact rows",
        report.campaign_days,
        report.days,
        started.elapsed().as_secs_f64(),
        report.rows,
        report.unique_rows
    );
    Ok(())
}

/// The top campaigns' funnels from the dashboards' view.
async fn print_funnels(client: &Client) -> anyhow::Result<()> {
    println!();
    println!(
        "top campaigns' funnels (campaign_funnel view; openers: distinct contacts who opened, estimated)"
    );
    println!(
        "  {:<32} {:>8} {:>8} {:>8} {:>8} {:>7} {:>6} {:>6} {:>6}  {:>6} {:>6} {:>6}",
        "campaign",
        "sent",
        "deliv.",
        "opened",
        "openers",
        "clicked",
        "forms",
        "subm.",
        "unsub",
        "open%",
        "click%",
        "subm%"
    );
    for row in client
        .query(include_str!("demo/funnels.sql"), &[&5_i64])
        .await?
    {
        let pct = |col: &str| {
            row.get::<_, Option<f64>>(col)
                .map_or_else(|| "-".to_owned(), |r| format!("{:.1}", r * 100.0))
        };
        let campaign: String = row.get("campaign");
        println!(
            "  {:<32} {:>8} {:>8} {:>8} {:>8} {:>7} {:>6} {:>6} {:>6}  {:>6} {:>6} {:>6}",
            campaign.chars().take(32).collect::<String>(),
            row.get::<_, i64>("sent"),
            row.get::<_, i64>("delivered"),
            row.get::<_, i64>("opened"),
            row.get::<_, i64>("openers"),
            row.get::<_, i64>("clicked"),
            row.get::<_, i64>("form_views"),
            row.get::<_, i64>("form_submits"),
            row.get::<_, i64>("unsubscribed"),
            pct("open_rate"),
            pct("click_rate"),
            pct("form_submit_rate"),
        );
    }
    Ok(())
}

/// Lists every table (with its comment) and the day partitions of events.
async fn show_contents(cluster: &Cluster) -> anyhow::Result<()> {
    let client = connect(cluster, DATABASE).await?;
    println!();
    println!("tables:");
    for row in client.query(include_str!("demo/tables.sql"), &[]).await? {
        let name: String = row.get("name");
        let comment: String = row.get("comment");
        let mut tags = Vec::new();
        if row.get::<_, bool>("partitioned") {
            tags.push("partitioned by day");
        }
        if row.get::<_, bool>("tenant_guarded") {
            tags.push("row-level security");
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", tags.join(", "))
        };
        println!("  {name:<30} {comment}{tags}");
    }
    println!();
    println!("event partitions:");
    for row in client
        .query(include_str!("demo/partitions.sql"), &[])
        .await?
    {
        let name: String = row.get("name");
        let bounds: String = row.get("bounds");
        println!("  {name:<20} {bounds}");
    }
    Ok(())
}

fn cluster_config(cluster: &Cluster) -> anyhow::Result<tokio_postgres::Config> {
    cluster
        .connection_string(DATABASE)
        .parse()
        .context("the embedded cluster's connection string")
}
