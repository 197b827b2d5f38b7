//! `tally migrate`: apply, list or roll back the schema migrations.

use anyhow::Context as _;
use schema::{MigrationState, Migrator};
use tokio_postgres::NoTls;

use crate::cli::{MigrateAction, MigrateArgs};

/// Runs the requested migrate action against `--database-url`.
pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let config = args.database.config()?;
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to database {:?}", config.get_dbname()))?;
    let connection = tokio::spawn(connection);
    let migrator = Migrator::default();
    match args.action.unwrap_or(MigrateAction::Up) {
        MigrateAction::Up => {
            let applied = migrator.up(&mut client).await?;
            if applied.is_empty() {
                println!(
                    "schema is up to date ({} migrations)",
                    migrator.migrations().len()
                );
            } else {
                println!("applied {} migration(s): {applied:?}", applied.len());
            }
        }
        MigrateAction::Status => {
            for s in migrator.status(&mut client).await? {
                let state = match s.state {
                    MigrationState::Applied => "applied",
                    MigrationState::Pending => "pending",
                    MigrationState::Changed => "CHANGED since applied",
                    MigrationState::Unknown => "applied, unknown to this build",
                };
                println!("{:04}  {:<20} {state}", s.version, s.name);
            }
        }
        MigrateAction::Down { to } => {
            let reverted = migrator.down_to(&mut client, to).await?;
            if reverted.is_empty() {
                println!("nothing above version {to} to roll back");
            } else {
                println!("rolled back {} migration(s): {reverted:?}", reverted.len());
            }
        }
    }
    drop(client);
    let _ = connection.await;
    Ok(())
}
