//! The command line. Every setting is a flag with an environment variable; `tally
//! settings` and the README's configuration table are generated from these definitions.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::settings::{
    ArchiveStoreArgs, DatabaseArgs, EmbeddedArgs, GdprKeyArgs, JobArgs, KafkaArgs, LimitArgs,
    LogArgs, MetricsArgs, PartitionArgs, ServeArgs, WriterArgs,
};

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
    /// Consume campaign events from Kafka into Postgres, exactly once, until stopped.
    Ingest(IngestArgs),
    /// Run the scheduled jobs (aggregation, partition premake, anonymization, archive) on
    /// their UTC schedules until stopped; missed runs are caught up at start.
    Schedule(ScheduleArgs),
    /// Run one job now, through the same path as the scheduler (recorded in job_runs).
    Run(RunArgs),
    /// Load archived days back into their partitions, verified against the manifest.
    Restore(RestoreArgs),
    /// Inspect the archive.
    Archive(ArchiveArgs),
    /// Generate realistic campaign traffic (seeded) into Kafka or as NDJSON.
    Simulate(SimulateArgs),
    /// Seed a realistic platform (organizations, users, contacts, campaigns, leads, ...
    /// in every state) through the domain queries, as actor `seed`.
    Seed(SeedArgs),
    /// Run the whole pipeline on an embedded Postgres and an in-process Kafka.
    Demo(DemoArgs),
    /// Work with contacts: import a CSV file into a contact list.
    Contacts(ContactsArgs),
    /// Serve the HTTP API (the CRUD domains under /v1, authenticated by API keys) until
    /// SIGINT/SIGTERM; the requests in flight then finish.
    Serve(ServeArgs),
    /// Make or revoke the API keys clients authenticate with.
    ApiKey(ApiKeyArgs),
    /// List the records the ingest refused, or replay them once what refused them is
    /// fixed (a campaign created, a limit raised).
    DeadLetters(crate::dead_letters_cmd::DeadLettersArgs),
    /// File and carry out GDPR requests: export everything held about a contact or user,
    /// or erase it everywhere (database, partitions, archive); or process pending ones.
    Gdpr(crate::gdpr_cmd::GdprArgs),
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

/// `tally ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// Consumer group; replicas in one group share the topic's partitions.
    #[arg(long, env = "TALLY_GROUP", default_value = "tally-ingest")]
    pub group: String,
    /// Extra librdkafka consumer properties, `key=value` (repeat the flag, or separate
    /// with commas in the variable): security, `session.timeout.ms`, ...
    #[arg(
        long = "kafka-option",
        env = "TALLY_KAFKA_OPTIONS",
        value_delimiter = ',',
        value_name = "KEY=VALUE",
        value_parser = parse_kafka_option
    )]
    pub kafka_options: Vec<(String, String)>,
    /// A stable identity for this replica in the group (Kafka static membership,
    /// `group.instance.id`), e.g. a StatefulSet pod name: restarted within the session
    /// timeout (6 s), it gets its partitions back without a rebalance. Unset, every
    /// start joins as a new member.
    #[arg(long, env = "TALLY_INSTANCE_ID", value_name = "ID")]
    pub instance_id: Option<String>,
    /// The longest a stop (SIGINT/SIGTERM) may take: batches Postgres has not committed
    /// by then are given up and read again on the next start; Kafka's final commit is
    /// abandoned if the brokers do not answer.
    #[arg(long, env = "TALLY_SHUTDOWN_TIMEOUT", default_value = "30s", value_parser = crate::settings::parse_duration)]
    pub shutdown_timeout: std::time::Duration,
    #[command(flatten)]
    pub writer: WriterArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
    #[command(flatten)]
    pub partitions: PartitionArgs,
}

fn parse_kafka_option(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!(
            "{text:?} is not key=value (e.g. session.timeout.ms=10000)"
        )),
    }
}

/// `tally schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jobs: JobArgs,
    #[command(flatten)]
    pub partitions: PartitionArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// The jobs `tally run` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JobName {
    /// Recompute the campaign days ingest touched; make final the days past the line.
    Aggregate,
    /// Create the event partitions of the coming days.
    Premake,
    /// Remove IP addresses and PII keys from events and audit logs past the horizon.
    Anonymize,
    /// Move day partitions past the horizon to object storage, verified, then drop them.
    Archive,
    /// Carry out pending GDPR requests; report those past the 30-day deadline.
    Gdpr,
}

impl JobName {
    /// The name job_runs records.
    pub fn as_str(self) -> &'static str {
        match self {
            JobName::Aggregate => "aggregate",
            JobName::Premake => "premake",
            JobName::Anonymize => "anonymize",
            JobName::Archive => "archive",
            JobName::Gdpr => "gdpr",
        }
    }
}

/// `tally run <job>`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job to run.
    #[arg(value_enum)]
    pub job: JobName,
    /// aggregate only: recompute this UTC day (YYYY-MM-DD) from its events on purpose,
    /// folding its late events into its final rows.
    #[arg(long, value_name = "DAY")]
    pub restate: Option<NaiveDate>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jobs: JobArgs,
    #[command(flatten)]
    pub partitions: PartitionArgs,
}

/// `tally restore --day D` or `--from D --to D`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The UTC day to restore (YYYY-MM-DD).
    #[arg(long, value_name = "DAY", conflicts_with_all = ["from", "to"], required_unless_present = "from")]
    pub day: Option<NaiveDate>,
    /// The first UTC day of a range to restore.
    #[arg(long, value_name = "DAY", requires = "to")]
    pub from: Option<NaiveDate>,
    /// The last UTC day of the range, included.
    #[arg(long, value_name = "DAY", requires = "from")]
    pub to: Option<NaiveDate>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub store: ArchiveStoreArgs,
}

/// `tally archive list`.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    #[command(subcommand)]
    pub action: ArchiveAction,
}

/// What to do with the archive.
#[derive(Debug, Subcommand)]
pub enum ArchiveAction {
    /// Print the manifest: every archived day, its object, rows, size and checksum.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `tally simulate`: the traffic's shape, by flags or from an email_send_simulations row.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// Write NDJSON to standard output instead of producing to Kafka.
    #[arg(long)]
    pub stdout: bool,
    /// Do not create the organizations, campaigns and contacts in the database.
    #[arg(long)]
    pub no_seed: bool,
    /// Records to generate: valid, duplicates and malformed together.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Organizations.
    #[arg(long, default_value_t = 1)]
    pub organizations: u32,
    /// Campaigns per organization.
    #[arg(long, default_value_t = 3)]
    pub campaigns: u32,
    /// Contacts per organization.
    #[arg(long, default_value_t = 1_000)]
    pub contacts: u32,
    /// UTC days the events spread over, ending today.
    #[arg(long, default_value_t = 3)]
    pub days: u32,
    /// Id of the first organization; the others follow.
    #[arg(long, default_value_t = 1_000_000)]
    pub first_organization_id: i64,
    /// Share of SENT that bounce.
    #[arg(long, default_value_t = 0.02)]
    pub bounce_rate: f64,
    /// Share of delivered emails opened.
    #[arg(long, default_value_t = 0.35)]
    pub open_rate: f64,
    /// Share of opens clicked.
    #[arg(long, default_value_t = 0.25)]
    pub click_rate: f64,
    /// Share of clicks that view the form.
    #[arg(long, default_value_t = 0.5)]
    pub form_view_rate: f64,
    /// Share of form views submitted.
    #[arg(long, default_value_t = 0.3)]
    pub form_submit_rate: f64,
    /// Share of delivered emails unsubscribed.
    #[arg(long, default_value_t = 0.005)]
    pub unsubscribe_rate: f64,
    /// Share of records that repeat an earlier one exactly.
    #[arg(long, default_value_t = 0.01)]
    pub duplicate_rate: f64,
    /// Share of records that are malformed, one dead-letter kind after another.
    #[arg(long, default_value_t = 0.005)]
    pub malformed_rate: f64,
    /// Random seed: the same seed and flags give byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Take the traffic's shape from this email_send_simulations row instead.
    #[arg(long, requires = "organization_id", value_name = "ID")]
    pub simulation_id: Option<i64>,
    /// The organization of --simulation-id.
    #[arg(long, value_name = "ID")]
    pub organization_id: Option<i64>,
}

/// `tally seed`: what to seed; organizations a previous run seeded are left alone.
#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Organizations (always the same companies, in order: raising it adds the missing
    /// ones).
    #[arg(long, default_value_t = simulate::PlatformPlan::default().organizations,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub organizations: u32,
    /// Users per organization, one role each: admin, marketer, sales, viewer, then at
    /// random.
    #[arg(long, default_value_t = simulate::PlatformPlan::default().users_per_organization,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub users_per_organization: u32,
    /// Contacts per organization.
    #[arg(long, default_value_t = simulate::PlatformPlan::default().contacts_per_organization,
          value_parser = clap::value_parser!(u32).range(i64::from(simulate::MIN_PLATFORM_CONTACTS)..))]
    pub contacts_per_organization: u32,
    /// Random seed: the same seed gives the same people, addresses and choices.
    #[arg(long, default_value_t = simulate::PlatformPlan::default().seed)]
    pub seed: u64,
}

/// `tally demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub embedded: EmbeddedArgs,
    #[command(flatten)]
    pub partitions: PartitionArgs,
    #[command(flatten)]
    pub writer: WriterArgs,
    /// Simulated records to send through the pipeline.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Stay up after the summary, printing how to connect, until Ctrl-C.
    #[arg(long)]
    pub keep: bool,
}

/// `tally contacts import ...`.
#[derive(Debug, Args)]
pub struct ContactsArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub key: GdprKeyArgs,
    #[command(subcommand)]
    pub action: ContactsAction,
}

/// What to do with contacts.
#[derive(Debug, Subcommand)]
pub enum ContactsAction {
    /// Import a CSV file (header with an `email` column) into a contact list, validated
    /// against the organization's active rules; bad lines are refused and listed, the
    /// rest commit in one transaction.
    Import {
        /// The organization that owns the list.
        #[arg(long, value_name = "ID")]
        organization: i64,
        /// The contact list to import into.
        #[arg(long, value_name = "ID")]
        list: i64,
        /// Update contacts already in the list from the file (names, phone, attributes,
        /// address casing; blank fields keep the stored value) instead of leaving them.
        #[arg(long)]
        update_existing: bool,
        /// The CSV file, UTF-8; `-` reads standard input.
        #[arg(value_name = "FILE.csv")]
        file: std::path::PathBuf,
    },
}

/// `tally api-key create | revoke`.
#[derive(Debug, Args)]
pub struct ApiKeyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: ApiKeyAction,
}

/// What to do with API keys.
#[derive(Debug, Subcommand)]
pub enum ApiKeyAction {
    /// Make a key for an organization, acting with one of its roles; the key is printed
    /// once, on standard output (only its SHA-256 is stored).
    Create {
        /// The organization the key acts for.
        #[arg(long, value_name = "ID")]
        organization: i64,
        /// The role whose permissions the key has: its id or its exact name.
        #[arg(long, value_name = "ROLE")]
        role: api::RoleRef,
        /// A name for the key in lists and logs (default: the role's name and ` key`).
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke a key: it stops authenticating at once.
    Revoke {
        /// The organization the key belongs to.
        #[arg(long, value_name = "ID")]
        organization: i64,
        /// The key's id (printed by `create`).
        #[arg(long, value_name = "ID")]
        id: i64,
    },
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

    #[test]
    fn api_key_create_takes_a_role_by_name_or_id() {
        let parse = |role: &str| {
            let cli = Cli::try_parse_from([
                "tally",
                "api-key",
                "create",
                "--organization",
                "3",
                "--role",
                role,
            ])
            .unwrap();
            match cli.command {
                Command::ApiKey(ApiKeyArgs {
                    action: ApiKeyAction::Create { role, .. },
                    ..
                }) => role,
                other => panic!("parsed as {other:?}"),
            }
        };
        assert_eq!(parse("12"), api::RoleRef::Id(12));
        assert_eq!(parse("marketer"), api::RoleRef::Name("marketer".into()));
        assert!(
            Cli::try_parse_from(["tally", "api-key", "revoke", "--organization", "3"]).is_err()
        );
    }

    #[test]
    fn serve_defaults_to_loopback_and_one_mebibyte() {
        let cli = Cli::try_parse_from(["tally", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("parsed as {:?}", cli.command);
        };
        assert_eq!(args.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(args.max_body, 1024 * 1024);
        assert_eq!(args.request_timeout, std::time::Duration::from_secs(30));
    }

    #[test]
    fn contacts_import_takes_its_flags_and_a_file() {
        let cli = Cli::try_parse_from([
            "tally",
            "contacts",
            "import",
            "--organization",
            "7",
            "--list",
            "3",
            "--update-existing",
            "people.csv",
        ])
        .unwrap();
        let Command::Contacts(ContactsArgs {
            action:
                ContactsAction::Import {
                    organization: 7,
                    list: 3,
                    update_existing: true,
                    file,
                },
            ..
        }) = cli.command
        else {
            panic!("parsed as {:?}", cli.command);
        };
        assert_eq!(file, std::path::Path::new("people.csv"));
        assert!(
            Cli::try_parse_from(["tally", "contacts", "import", "--list", "3", "x.csv"]).is_err()
        );
    }
}
