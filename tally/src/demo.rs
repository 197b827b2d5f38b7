//! `tally demo`: starts an embedded Postgres from the machine's server binaries, applies
//! the schema, premakes the day partitions and shows what the database holds, then keeps
//! it up until Ctrl-C (or SIGTERM) and removes it.

use anyhow::Context as _;
use localpg::{Cluster, ClusterOptions};
use schema::Migrator;
use tokio_postgres::NoTls;

use crate::cli::DemoArgs;

const DATABASE: &str = "tally";

/// Runs the demo until interrupted.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let binaries = match &args.embedded.pg_bindir {
        Some(dir) => localpg::binaries_in(dir)?,
        None => localpg::find_binaries()?,
    };
    println!("starting an embedded PostgreSQL ({})", binaries.version);
    let cluster = tokio::task::spawn_blocking(move || {
        Cluster::start_with(binaries, &ClusterOptions::default())
    })
    .await
    .context("starting the embedded cluster panicked")??;

    let shown = show(&cluster, &args).await;
    if shown.is_ok() {
        println!();
        println!("connect with:  {}", cluster.psql_command(DATABASE));
        println!("press Ctrl-C to stop; the cluster and its files are removed on exit");
        wait_for_shutdown().await?;
        println!("stopping");
    }
    let dir = cluster.dir().to_path_buf();
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .context("stopping the embedded cluster panicked")??;
    shown?;
    println!("stopped; removed {}", dir.display());
    Ok(())
}

/// Creates the database, migrates it, premakes partitions and prints its contents.
async fn show(cluster: &Cluster, args: &DemoArgs) -> anyhow::Result<()> {
    let (admin, connection) =
        tokio_postgres::connect(&cluster.connection_string("postgres"), NoTls)
            .await
            .context("connecting to the embedded cluster")?;
    let admin_task = tokio::spawn(connection);
    admin
        .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
        .await
        .context("creating the demo database")?;
    drop(admin);
    let _ = admin_task.await;

    let (mut client, connection) =
        tokio_postgres::connect(&cluster.connection_string(DATABASE), NoTls)
            .await
            .context("connecting to the demo database")?;
    tokio::spawn(connection);

    let applied = Migrator::default().up(&mut client).await?;
    println!("applied {} migrations", applied.len());
    let days = i32::from(args.partitions.premake_days);
    let created: i32 = client
        .query_one("SELECT tally_premake_partitions($1)", &[&days])
        .await
        .context("premaking partitions")?
        .get(0);
    println!("premade {created} day partition(s) of events");

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

async fn wait_for_shutdown() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = term.recv() => {}
    }
    Ok(())
}
