//! Dev-only test harness: a throwaway PostgreSQL cluster per test process (started from
//! the machine's server binaries, or the server `TEST_DATABASE_URL` names) and a fresh,
//! fully migrated database for every test.
//!
//! The migrated schema is built once into a template database whose name carries the
//! migrations' checksum, so each test's database is a cheap `CREATE DATABASE ... TEMPLATE`.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use localpg::{Cluster, ClusterOptions};
use schema::Migrator;
use tokio::sync::OnceCell;
use tokio_postgres::{Client, Config, NoTls};

/// Points the tests at an existing server instead of a throwaway cluster: a URL or
/// key=value string whose database is used to create and drop the test databases.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// The server every test of this process shares.
struct Server {
    /// Connection settings for the administrative database.
    admin: Config,
    /// Name of the migrated template database.
    template: String,
    /// Keeps the throwaway cluster alive for the life of the process; the cluster's
    /// watchdog removes it when the process exits.
    _cluster: Option<Cluster>,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn server() -> &'static Server {
    SERVER
        .get_or_init(|| async {
            match start().await {
                Ok(server) => server,
                Err(e) => panic!("testkit: cannot provide a test database: {e}"),
            }
        })
        .await
}

async fn start() -> Result<Server, String> {
    let (admin, cluster) = match std::env::var(TEST_DATABASE_URL) {
        Ok(url) => {
            let config = Config::from_str(&url).map_err(|e| {
                format!("{TEST_DATABASE_URL} is not a valid connection string: {e}")
            })?;
            (config, None)
        }
        Err(_) => {
            let cluster =
                tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
                    .await
                    .map_err(|e| format!("starting the local cluster panicked: {e}"))?
                    .map_err(|e| e.to_string())?;
            let config = Config::from_str(&cluster.connection_string("postgres"))
                .map_err(|e| e.to_string())?;
            (config, Some(cluster))
        }
    };
    let template = template_name();
    build_template(&admin, &template).await?;
    Ok(Server {
        admin,
        template,
        _cluster: cluster,
    })
}

/// `tally_tpl_<checksum>`: one template per distinct set of migrations, reused by later
/// runs against the same external server and rebuilt when a migration changes.
fn template_name() -> String {
    format!("tally_tpl_{}", &Migrator::default().fingerprint()[..16])
}

async fn build_template(admin: &Config, template: &str) -> Result<(), String> {
    let client = connect(admin).await?;
    // Serialises test processes that share an external server.
    schema::advisory::lock(&client, schema::AdvisoryLock::TestTemplate)
        .await
        .map_err(|e| pg("taking the template lock", &e))?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
        .await
        .map_err(|e| pg("looking for the template", &e))?
        .is_some();
    if !exists {
        let building = format!("{template}_building");
        // A half-built template from a crashed run is discarded.
        for sql in [
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            format!("CREATE DATABASE {building} TEMPLATE template0"),
        ] {
            client.batch_execute(&sql).await.map_err(|e| pg(&sql, &e))?;
        }
        {
            let mut config = admin.clone();
            config.dbname(&building);
            let mut db = connect(&config).await?;
            Migrator::default()
                .up(&mut db)
                .await
                .map_err(|e| format!("migrating the template database: {e}"))?;
        }
        client
            .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
            .await
            .map_err(|e| pg("renaming the template", &e))?;
    }
    schema::advisory::unlock(&client, schema::AdvisoryLock::TestTemplate)
        .await
        .map_err(|e| pg("releasing the template lock", &e))?;
    Ok(())
}

async fn connect(config: &Config) -> Result<Client, String> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| pg(&format!("connecting to {:?}", config.get_dbname()), &e))?;
    tokio::spawn(connection);
    Ok(client)
}

fn pg(what: &str, error: &tokio_postgres::Error) -> String {
    format!("{what}: {}", schema::describe_pg_error(error))
}

fn unique_name(kind: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "tally_{kind}_{}_{}_{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database of its own for one test; dropped with it.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    config: Config,
    admin: Config,
}

impl TestDb {
    /// A fresh database with every migration applied.
    pub async fn migrated() -> TestDb {
        let server = server().await;
        TestDb::create(server, &server.template).await
    }

    /// A fresh, empty database (no migrations), for testing the migrations themselves.
    pub async fn empty() -> TestDb {
        TestDb::create(server().await, "template0").await
    }

    async fn create(server: &Server, template: &str) -> TestDb {
        let name = unique_name("test");
        let admin = connect(&server.admin)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .unwrap_or_else(|e| panic!("{}", pg(&format!("creating test database {name}"), &e)));
        let mut config = server.admin.clone();
        config.dbname(&name);
        TestDb {
            name,
            config,
            admin: server.admin.clone(),
        }
    }

    /// A backup of this database taken now with `pg_dump` (custom format), as an
    /// operator takes one while the system runs: a consistent snapshot, whatever other
    /// sessions are doing. The file is removed with the returned value.
    pub async fn backup(&self) -> Backup {
        let path = std::env::temp_dir().join(format!("{}.dump", unique_name("backup")));
        let args = vec![
            "--format=custom".to_owned(),
            format!("--file={}", path.display()),
            format!("--dbname={}", self.connection_string()),
        ];
        run_tool("pg_dump", args).await;
        Backup { path }
    }

    /// A new database restored from `backup` with `pg_restore`, as after losing the
    /// database: no migration is applied, everything comes from the backup.
    pub async fn restore(backup: &Backup) -> TestDb {
        let db = TestDb::create(server().await, "template0").await;
        let args = vec![
            "--exit-on-error".to_owned(),
            "--single-transaction".to_owned(),
            format!("--dbname={}", db.connection_string()),
            backup.path.display().to_string(),
        ];
        run_tool("pg_restore", args).await;
        db
    }

    /// A login role made for this test, a member of `member_of` (e.g. the dashboards'
    /// role, as an operator makes Grafana's login); dropped with the returned value,
    /// also when the test fails, since roles belong to the cluster and outlive the
    /// test's database.
    pub async fn login_in(&self, member_of: &str) -> TestLogin {
        let name = format!("{}_login", self.name);
        self.connect()
            .await
            .batch_execute(&format!(
                "CREATE ROLE {name} LOGIN PASSWORD '{LOGIN_PASSWORD}' IN ROLE {member_of}"
            ))
            .await
            .unwrap_or_else(|e| panic!("{}", pg(&format!("creating login role {name}"), &e)));
        TestLogin {
            name,
            config: self.config.clone(),
            admin: self.admin.clone(),
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Connection settings for this database as the server's administrative user.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A key=value connection string for this database, usable as `DATABASE_URL`.
    pub fn connection_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(host) = self.config.get_hosts().first() {
            match host {
                tokio_postgres::config::Host::Tcp(h) => parts.push(format!("host={h}")),
                tokio_postgres::config::Host::Unix(p) => {
                    parts.push(format!("host={}", p.display()))
                }
            }
        }
        if let Some(port) = self.config.get_ports().first() {
            parts.push(format!("port={port}"));
        }
        if let Some(user) = self.config.get_user() {
            parts.push(format!("user={user}"));
        }
        if let Some(password) = self.config.get_password() {
            parts.push(format!("password={}", String::from_utf8_lossy(password)));
        }
        parts.push(format!("dbname={}", self.name));
        parts.join(" ")
    }

    /// A new connection as the administrative user (a superuser on the local cluster).
    pub async fn connect(&self) -> Client {
        connect(&self.config)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A new connection as another login role (created by the test).
    pub async fn connect_as(&self, user: &str, password: &str) -> Client {
        let mut config = self.config.clone();
        config.user(user).password(password);
        connect(&config).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// The Kafka records whose positions ingest has committed here, over every
    /// partition of every topic.
    pub async fn committed(&self) -> i64 {
        self.connect()
            .await
            .query_one(
                "SELECT coalesce(sum(next_offset), 0)::bigint FROM ingest_offsets",
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("reading ingest_offsets: {e}"))
            .get(0)
    }

    /// Waits until at least `target` records are committed, failing the test after
    /// `within`.
    pub async fn wait_committed(&self, target: i64, within: std::time::Duration) {
        let started = std::time::Instant::now();
        loop {
            let now = self.committed().await;
            if now >= target {
                return;
            }
            assert!(
                started.elapsed() < within,
                "only {now} of {target} records committed after {within:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = run_admin(&self.admin, sql) {
            eprintln!("testkit: could not drop test database {}: {e}", self.name);
        }
    }
}

/// The password of every [`TestLogin`].
const LOGIN_PASSWORD: &str = "test-login";

/// A login role made by [`TestDb::login_in`]; dropped with it.
#[derive(Debug)]
pub struct TestLogin {
    name: String,
    config: Config,
    admin: Config,
}

impl TestLogin {
    /// The role's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new connection to the test's database as this role.
    pub async fn connect(&self) -> Client {
        let mut config = self.config.clone();
        config.user(&self.name).password(LOGIN_PASSWORD);
        connect(&config).await.unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for TestLogin {
    fn drop(&mut self) {
        let sql = format!("DROP ROLE IF EXISTS {}", self.name);
        if let Err(e) = run_admin(&self.admin, sql) {
            eprintln!("testkit: could not drop login role {}: {e}", self.name);
        }
    }
}

/// Runs `sql` as the administrator from a destructor, which runs inside the test's
/// runtime and cannot block on it: on a thread with a runtime of its own.
fn run_admin(admin: &Config, sql: String) -> Result<(), String> {
    let admin = admin.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let client = connect(&admin).await?;
            client.batch_execute(&sql).await.map_err(|e| pg(&sql, &e))
        })
    })
    .join()
    .map_err(|_| "the dropping thread panicked".to_owned())?
}

/// A backup file taken by [`TestDb::backup`]; removed when dropped.
#[derive(Debug)]
pub struct Backup {
    path: std::path::PathBuf,
}

impl Backup {
    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for Backup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs PostgreSQL's client tool `tool` (from the server binaries the tests use) with
/// `args`, panicking with its output when it fails.
async fn run_tool(tool: &'static str, args: Vec<String>) {
    let output = tokio::task::spawn_blocking(move || {
        let binaries = localpg::find_binaries().map_err(|e| e.to_string())?;
        std::process::Command::new(binaries.client_tool(tool))
            .args(&args)
            .output()
            .map_err(|e| format!("starting {tool}: {e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{tool} panicked: {e}"))
    .unwrap_or_else(|e| panic!("testkit: {e}"));
    assert!(
        output.status.success(),
        "{tool} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `sql` and returns its first column, panicking with the server's full message.
pub async fn column<T>(client: &impl tokio_postgres::GenericClient, sql: &str) -> Vec<T>
where
    T: for<'a> tokio_postgres::types::FromSql<'a>,
{
    client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{}", pg(sql, &e)))
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The instant of an RFC 3339 timestamp written in a test (`2026-11-22T03:00:00Z`).
pub fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|e| panic!("timestamp {s:?}: {e}"))
}

/// The date of a `YYYY-MM-DD` written in a test.
pub fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("date {s:?}: {e}"))
}
