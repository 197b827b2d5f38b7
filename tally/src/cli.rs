//! The command line. Every setting is a flag with an environment variable; `tally
//! settings` and the README's configuration table are generated from these definitions.

use clap::{Args, Parser, Subcommand};

use crate::settings::{DatabaseArgs, EmbeddedArgs, LogArgs, PartitionArgs};

/// Event ingestion and aggregation for campaign events: Kafka to daily-partitioned
/// Postgres, exactly once, with scheduled aggregation, anonymization and archive.
#[derive(Debug, Parser)]
#[command(name = "tally", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply, inspect or roll back the database schema.
    Migrate(MigrateArgs),
    /// Start an embedded Postgres with the full schema and show what it holds.
    Demo(DemoArgs),
    /// Print every setting with its environment variable and default.
    Settings,
}

/// `tally migrate [status | down --to N]`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: Option<MigrateAction>,
}

/// A migrate sub-action; none means apply what is pending.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// List every migration and whether it is applied, pending or changed.
    Status,
    /// Roll back to a version by running the down files above it, newest first.
    Down {
        /// The version to keep (0 removes every migration).
        #[arg(long = "to", value_name = "N")]
        to: u32,
    },
}

/// `tally demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub embedded: EmbeddedArgs,
    #[command(flatten)]
    pub partitions: PartitionArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn migrate_defaults_to_up_and_parses_down() {
        let cli = Cli::try_parse_from(["tally", "migrate", "--database-url", "host=/x"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Migrate(MigrateArgs { action: None, .. })
        ));
        let cli = Cli::try_parse_from(["tally", "migrate", "down", "--to", "3"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Migrate(MigrateArgs {
                action: Some(MigrateAction::Down { to: 3 }),
                ..
            })
        ));
        assert!(Cli::try_parse_from(["tally", "migrate", "down"]).is_err());
    }
}
