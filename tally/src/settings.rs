//! Every setting tally reads, as clap arguments with their environment variables and
//! defaults. `tally settings` prints the table below, and a test keeps the README's copy
//! identical, so this module is the one place settings are listed.

use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, CommandFactory as _};
use ingest::CopyStreams;

use crate::cli::Cli;

/// Logging.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Log filter in tracing's EnvFilter syntax, e.g. `debug` or `schema=debug,info`;
    /// unset, `info` without the database's notices (`warn` for `demo`, whose output is
    /// its summary).
    #[arg(long = "log", env = "TALLY_LOG", global = true, hide_env_values = true)]
    pub filter: Option<String>,
}

impl LogArgs {
    /// The filter to run with: the one given, or the default for `command`.
    pub fn filter_for(&self, command: &crate::cli::Command) -> String {
        match (&self.filter, command) {
            (Some(filter), _) => filter.clone(),
            (None, crate::cli::Command::Demo(_)) => "warn".to_owned(),
            // Server NOTICEs ("relation ... already exists, skipping") arrive as
            // tokio_postgres's INFO lines: not the operator's business.
            (None, _) => "info,tokio_postgres=warn".to_owned(),
        }
    }
}

/// Which Postgres to use.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Postgres connection, as a URL (`postgres://user:pass@host:5432/tally`) or key=value
    /// string; required by commands that use an existing server.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL",
        global = true
    )]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// The parsed connection settings, or an error saying how to provide them.
    pub fn config(&self) -> anyhow::Result<tokio_postgres::Config> {
        let url = self.database_url.as_deref().context(
            "no database given: set DATABASE_URL or pass --database-url \
             (e.g. postgres://postgres@localhost:5432/tally); `tally demo` starts its own",
        )?;
        tokio_postgres::Config::from_str(url)
            .with_context(|| "DATABASE_URL / --database-url is not a valid connection string")
    }
}

/// The embedded cluster `tally demo` starts.
#[derive(Debug, Args)]
pub struct EmbeddedArgs {
    /// Directory holding the PostgreSQL >= 15 server binaries (initdb, pg_ctl, postgres)
    /// for the embedded cluster; unset, PATH, `pg_config --bindir` and
    /// /usr/lib/postgresql/*/bin are searched.
    #[arg(long, env = "TALLY_PG_BINDIR", value_name = "DIR")]
    pub pg_bindir: Option<PathBuf>,
}

/// Event partition maintenance.
#[derive(Debug, Args)]
pub struct PartitionArgs {
    /// Days of event partitions (one per UTC day) to create ahead, starting today.
    #[arg(
        long,
        env = "TALLY_PREMAKE_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u16).range(0..=366)
    )]
    pub premake_days: u16,
}

/// When the scheduled jobs run and what they consider final.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// When the aggregation runs: cron with seconds first, in UTC.
    #[arg(long, env = "TALLY_AGGREGATE_SCHEDULE", default_value = "0 0 2 * * *")]
    pub aggregate_schedule: String,
    /// When event partitions are premade ahead: cron with seconds first, in UTC.
    #[arg(long, env = "TALLY_PREMAKE_SCHEDULE", default_value = "0 0 * * * *")]
    pub premake_schedule: String,
    /// How long after a UTC day ends its aggregates become final; later events are
    /// counted as late.
    #[arg(long, env = "TALLY_FINALITY_DELAY", default_value = "24h", value_parser = parse_duration)]
    pub finality_delay: Duration,
    /// When the anonymization runs: cron with seconds first, in UTC.
    #[arg(
        long,
        env = "TALLY_ANONYMIZE_SCHEDULE",
        default_value = "0 0 3 * * Sun"
    )]
    pub anonymize_schedule: String,
    /// When the archive runs: cron with seconds first, in UTC.
    #[arg(long, env = "TALLY_ARCHIVE_SCHEDULE", default_value = "0 0 4 1 * *")]
    pub archive_schedule: String,
    /// When pending GDPR requests are carried out (and those past the 30-day deadline
    /// reported): cron with seconds first, in UTC.
    #[arg(long, env = "TALLY_GDPR_SCHEDULE", default_value = "0 30 * * * *")]
    pub gdpr_schedule: String,
    #[command(flatten)]
    pub lifecycle: LifecycleArgs,
    #[command(flatten)]
    pub gdpr: GdprKeyArgs,
}

/// The secret erased addresses are hashed under.
#[derive(Debug, Args)]
pub struct GdprKeyArgs {
    /// Secret key (at least 32 bytes, e.g. `openssl rand -hex 32`) an erased person's
    /// address is replaced by the HMAC-SHA256 of, so a re-import of it is recognised
    /// (docs/gdpr.md); the same on every replica and never changed. Unset, erasures
    /// fail and name this setting, and contact imports do not recognise erased people;
    /// exports run.
    #[arg(
        long,
        env = "TALLY_GDPR_KEY",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub gdpr_key: Option<String>,
}

impl GdprKeyArgs {
    /// The key, if one is set.
    pub fn key(&self) -> anyhow::Result<Option<gdpr::ErasureKey>> {
        self.gdpr_key
            .as_deref()
            .map(gdpr::ErasureKey::new)
            .transpose()
            .context("TALLY_GDPR_KEY / --gdpr-key")
    }
}

/// What the anonymization removes and when, and what the archive takes.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// Events and audit log entries older than this lose their IP address and PII keys.
    #[arg(long, env = "TALLY_ANONYMIZE_HORIZON", default_value = "90d", value_parser = parse_duration)]
    pub anonymize_horizon: Duration,
    #[command(flatten)]
    pub pii: PiiKeysArgs,
    /// Day partitions older than this many months are archived to object storage and
    /// dropped. Keep it at or above TALLY_MAX_EVENT_AGE, or ingest could store events
    /// for days already archived.
    #[arg(
        long,
        env = "TALLY_ARCHIVE_MONTHS",
        default_value_t = 24,
        value_parser = clap::value_parser!(u32).range(1..=1200)
    )]
    pub archive_months: u32,
    #[command(flatten)]
    pub store: ArchiveStoreArgs,
}

/// What counts as personal data in event_data and audit entries.
#[derive(Debug, Args)]
pub struct PiiKeysArgs {
    /// Top-level keys removed from events' event_data and audit logs' changes,
    /// comma-separated.
    #[arg(
        long,
        env = "TALLY_PII_KEYS",
        value_delimiter = ',',
        default_value = "email,phone,name,first_name,last_name,ip,user_agent"
    )]
    pub pii_keys: Vec<String>,
}

/// Where archived partitions are written and read back from.
#[derive(Debug, Args)]
pub struct ArchiveStoreArgs {
    /// The archive's object store: a directory, `file:///dir`, `s3://bucket/prefix`
    /// (credentials, region and `AWS_ENDPOINT` from the usual AWS variables), `gs://`,
    /// `az://`.
    #[arg(long, env = "TALLY_ARCHIVE_URL", default_value = "tally-archive")]
    pub archive_url: String,
}

impl ArchiveStoreArgs {
    /// Opens the store; a plain path is a local directory, made absolute.
    pub fn open(&self) -> anyhow::Result<archiver::ArchiveStore> {
        let url = if self.archive_url.contains("://") {
            self.archive_url.clone()
        } else {
            let dir = std::path::absolute(&self.archive_url).with_context(|| {
                format!("TALLY_ARCHIVE_URL / --archive-url: {:?}", self.archive_url)
            })?;
            format!("file://{}", dir.display())
        };
        Ok(archiver::open_store(&url)?)
    }
}

/// Where the events come from.
#[derive(Debug, Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, `host:port[,host:port...]`.
    #[arg(
        long,
        env = "TALLY_BROKERS",
        default_value = "localhost:9092",
        value_name = "HOSTS"
    )]
    pub brokers: String,
    /// The topic carrying campaign events.
    #[arg(long, env = "TALLY_TOPIC", default_value = "campaign-events")]
    pub topic: String,
}

/// How batches are written.
#[derive(Debug, Args)]
pub struct WriterArgs {
    /// Concurrent writers, each with its own connection; Kafka partitions are spread
    /// over them.
    #[arg(long, env = "TALLY_WRITERS", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub writers: u16,
    /// COPY statements one process runs at once: `all` (each writer copies as soon as its
    /// batch is ready), or a number, and the writers take turns, for a machine whose
    /// cores Postgres shares with other busy processes (docs/decisions.md).
    #[arg(long, env = "TALLY_COPY_STREAMS", default_value = "all", value_parser = parse_copy_streams)]
    pub copy_streams: CopyStreams,
    /// Records per batch (one transaction each).
    #[arg(long, env = "TALLY_BATCH_SIZE", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub batch_size: u32,
    /// Age at which a partly filled batch is written anyway (`250ms`, `1s`).
    #[arg(long, env = "TALLY_BATCH_AGE", default_value = "250ms", value_parser = parse_duration)]
    pub batch_age: Duration,
}

/// Parses `--copy-streams`: `all`, or a number from 1 to 64.
fn parse_copy_streams(text: &str) -> Result<CopyStreams, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(CopyStreams::All);
    }
    match text.parse::<u16>() {
        Ok(n @ 1..=64) => Ok(CopyStreams::AtMost(n)),
        _ => Err(format!(
            "{text:?} is not a number of COPY streams: give `all` or a number from 1 to 64"
        )),
    }
}

/// What a record must respect (docs/events.md).
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Oldest accepted occurred_at, as an age (`730d`: the archive horizon).
    #[arg(long, env = "TALLY_MAX_EVENT_AGE", default_value = "730d", value_parser = parse_duration)]
    pub max_event_age: Duration,
    /// Furthest accepted occurred_at in the future, for producers' clock skew (`1d`).
    #[arg(long, env = "TALLY_MAX_EVENT_AHEAD", default_value = "1d", value_parser = parse_duration)]
    pub max_event_ahead: Duration,
    /// Largest accepted event_data, in bytes of JSON text.
    #[arg(long, env = "TALLY_MAX_EVENT_DATA_BYTES", default_value_t = 16_384)]
    pub max_event_data_bytes: usize,
}

impl LimitArgs {
    /// The decoder's limits.
    pub fn limits(&self) -> anyhow::Result<ingest::Limits> {
        let delta = |d: Duration, name: &str| {
            chrono::TimeDelta::from_std(d).with_context(|| format!("{name} is too large"))
        };
        Ok(ingest::Limits {
            max_age: delta(self.max_event_age, "--max-event-age")?,
            max_ahead: delta(self.max_event_ahead, "--max-event-ahead")?,
            max_event_data_bytes: self.max_event_data_bytes,
            ..ingest::Limits::default()
        })
    }
}

/// Operations endpoints.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Address serving `/metrics` (Prometheus) and `/healthz`; `off` to not serve them.
    #[arg(
        long,
        env = "TALLY_METRICS_ADDR",
        default_value = "127.0.0.1:9187",
        value_name = "ADDR"
    )]
    pub metrics_addr: String,
}

impl MetricsArgs {
    /// The address to serve on, if any.
    pub fn addr(&self) -> anyhow::Result<Option<std::net::SocketAddr>> {
        if self.metrics_addr == "off" {
            return Ok(None);
        }
        self.metrics_addr.parse().map(Some).with_context(|| {
            format!(
                "--metrics-addr {:?} is not host:port or `off`",
                self.metrics_addr
            )
        })
    }
}

/// The HTTP API's listener, pool and request limits.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address the API listens on, `host:port` (port 0 picks a free one and logs it).
    #[arg(
        long,
        env = "TALLY_API_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub addr: std::net::SocketAddr,
    /// Most database connections the API holds; a request holds one while it runs.
    #[arg(long, env = "TALLY_API_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub pool_size: u16,
    /// Largest request body (`1MiB`, `64KiB`, or bytes); a larger one is answered 413.
    #[arg(long, env = "TALLY_API_MAX_BODY", default_value = "1MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Longest a request may take before it is answered 503 and its statement cancelled.
    #[arg(long, env = "TALLY_API_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Kafka bootstrap servers landing pages' FORM_VIEW and FORM_SUBMIT events are
    /// produced to (the ingest's); unset, landing pages store their rows but produce no
    /// events.
    #[arg(long, env = "TALLY_API_BROKERS", value_name = "HOSTS")]
    pub brokers: Option<String>,
    /// The topic carrying campaign events.
    #[arg(long, env = "TALLY_TOPIC", default_value = "campaign-events")]
    pub topic: String,
    /// Most records one `POST /v1/events` may hold; more is answered 413.
    #[arg(long, env = "TALLY_API_MAX_EVENTS", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_events: u32,
    /// What events sent over HTTP must respect: the same limits as the ingest's.
    #[command(flatten)]
    pub event_limits: LimitArgs,
    #[command(flatten)]
    pub key: GdprKeyArgs,
    #[command(flatten)]
    pub store: ArchiveStoreArgs,
}

impl ServeArgs {
    /// The server's configuration.
    pub fn config(&self) -> anyhow::Result<api::ServeConfig> {
        let mut config = api::ServeConfig::new(self.addr, self.database.config()?);
        config.pool_size = usize::from(self.pool_size);
        config.limits = api::Limits {
            max_body_bytes: self.max_body,
            request_timeout: self.request_timeout,
            max_events_per_request: self.max_events as usize,
        };
        config.event_limits = self.event_limits.limits()?;
        config.erasure_key = self.key.key()?;
        config.store = Some(self.store.open()?);
        config.events = self
            .brokers
            .as_ref()
            .map(|brokers| api::EventsConfig::new(brokers, &self.topic));
        Ok(config)
    }
}

/// A size such as `1MiB`, `64KiB`, `512B` or `1048576`.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: usize = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 1MiB, 64KiB or 4096"))?;
    let factor = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?}; use B, KiB or MiB"
            ));
        }
    };
    n.checked_mul(factor)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{text:?} is not a size from 1 byte up"))
}

/// A duration such as `250ms`, `30s`, `5m`, `24h` or `730d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 250ms, 30s, 5m, 24h or 730d"))?;
    let seconds = |s: u64| Duration::from_secs(n.saturating_mul(s));
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(seconds(1)),
        "m" => Ok(seconds(60)),
        "h" => Ok(seconds(3600)),
        "d" => Ok(seconds(86_400)),
        _ => Err(format!(
            "{text:?}: unknown unit {unit:?}; use ms, s, m, h or d"
        )),
    }
}

/// One row of the settings table.
struct Setting {
    env: String,
    flag: String,
    default: String,
    help: String,
    used_by: Vec<String>,
}

/// The settings table in Markdown, generated from the command line definition.
pub fn table() -> String {
    let mut settings: Vec<Setting> = Vec::new();
    let root = Cli::command();
    collect(&root, "every command", &mut settings);
    for sub in root.get_subcommands() {
        collect(sub, sub.get_name(), &mut settings);
    }
    let mut out = String::from(
        "| Variable | Flag | Default | Used by | What it sets |\n\
         |---|---|---|---|---|\n",
    );
    for s in settings {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            s.env,
            s.flag,
            s.default,
            s.used_by.join(", "),
            s.help
        ));
    }
    out
}

fn collect(cmd: &clap::Command, used_by: &str, settings: &mut Vec<Setting>) {
    for arg in cmd.get_arguments() {
        let Some(env) = arg.get_env() else { continue };
        let env = env.to_string_lossy().into_owned();
        if let Some(existing) = settings.iter_mut().find(|s| s.env == env) {
            if !existing.used_by.iter().any(|u| u == used_by)
                && existing.used_by[0] != "every command"
            {
                existing.used_by.push(used_by.to_owned());
            }
            continue;
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect();
        settings.push(Setting {
            env,
            flag: format!("--{}", arg.get_long().unwrap_or_default()),
            default: if defaults.is_empty() {
                "none".into()
            } else {
                defaults.join(", ")
            },
            help: arg
                .get_help()
                .map(|h| h.to_string().replace('\n', " "))
                .unwrap_or_default(),
            used_by: vec![used_by.to_owned()],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str =
        "<!-- settings:begin (generated by `tally settings`; a test checks it) -->\n";
    const END: &str = "<!-- settings:end -->";

    #[test]
    fn copy_streams_default_to_one_per_writer_and_a_number_makes_turns() {
        use clap::Parser as _;
        let streams = |args: &[&str]| {
            let cli = Cli::try_parse_from(
                ["tally", "ingest", "--database-url", "host=/tmp"]
                    .iter()
                    .chain(args),
            );
            match cli.map(|c| c.command) {
                Ok(crate::cli::Command::Ingest(a)) => {
                    Ok(a.writer.copy_streams.streams(usize::from(a.writer.writers)))
                }
                Ok(other) => panic!("parsed as {other:?}"),
                Err(e) => Err(e.to_string()),
            }
        };
        assert_eq!(streams(&["--writers", "3"]), Ok(3));
        assert_eq!(streams(&["--writers", "3", "--copy-streams", "1"]), Ok(1));
        assert_eq!(streams(&["--copy-streams", "ALL"]), Ok(2));
        let refused = streams(&["--copy-streams", "0"]).expect_err("0 streams");
        assert!(
            refused.contains("\"0\"") && refused.contains("`all`"),
            "{refused}"
        );
    }

    #[test]
    fn the_readme_lists_exactly_the_settings_tally_reads() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md at the repository root");
        let start = readme
            .find(BEGIN)
            .expect("README has the settings:begin marker")
            + BEGIN.len();
        let end = readme[start..]
            .find(END)
            .expect("README has the settings:end marker")
            + start;
        let expected = table();
        assert_eq!(
            &readme[start..end],
            expected,
            "README.md's settings table is out of date; replace it with the output of \
             `cargo run -- settings`:\n{expected}"
        );
    }

    #[test]
    fn durations_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse_duration("730d"),
            Ok(Duration::from_secs(730 * 86_400))
        );
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert!(parse_duration("1w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn sizes_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_size("1MiB"), Ok(1024 * 1024));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1GB").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn every_setting_has_a_variable_and_help() {
        let table = table();
        for env in [
            "DATABASE_URL",
            "TALLY_LOG",
            "TALLY_PG_BINDIR",
            "TALLY_PREMAKE_DAYS",
        ] {
            assert!(
                table.contains(&format!("`{env}`")),
                "{env} missing:\n{table}"
            );
        }
        for line in table.lines().skip(2) {
            assert!(!line.ends_with("|  |"), "a setting without help: {line}");
        }
    }
}
