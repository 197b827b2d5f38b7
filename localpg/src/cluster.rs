use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User};

use crate::{Error, PgBinaries, find_binaries};

/// Prefix of every cluster directory, so stale ones can be recognised.
const DIR_PREFIX: &str = "tally-pg-";

/// Stops the cluster and removes its directory once the owner's end of stdin closes,
/// which the kernel does when the owner exits for any reason, SIGKILL included. The
/// script does not stop at a failed step: a server the owner already stopped makes
/// pg_ctl fail, and the directory must go all the same.
const WATCHDOG: &str = r#"read -r _ignored
"$1" -D "$2" -m fast -w -t 60 stop >/dev/null 2>&1
rm -rf "$3""#;

/// How to start a local cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Keep fsync and full-page writes on. Off by default: the cluster is throwaway and
    /// durability only costs time.
    pub durable: bool,
    /// Name of the bootstrap superuser.
    pub superuser: String,
    /// Extra `-c name=value` server settings.
    pub settings: Vec<(String, String)>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            durable: false,
            superuser: "postgres".into(),
            settings: Vec::new(),
        }
    }
}

/// How [`Cluster::stop_server`] shuts the server down (pg_ctl's `-m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// Disconnects the clients, rolls back their transactions and writes a checkpoint:
    /// an orderly shutdown.
    Fast,
    /// Kills every server process at once, with no checkpoint: a crash, recovered from
    /// the WAL at the next start.
    Immediate,
}

impl StopMode {
    fn as_arg(self) -> &'static str {
        match self {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        }
    }
}

/// A throwaway cluster; dropping it stops the server and deletes its files.
#[derive(Debug)]
pub struct Cluster {
    binaries: PgBinaries,
    dir: PathBuf,
    port: u16,
    superuser: String,
    /// The account the tools run as.
    owner: Owner,
    /// The server's command-line options but the port, kept so that a restart runs the
    /// server exactly as it was first started.
    server_opts: String,
    watchdog: Option<Child>,
}

impl Cluster {
    /// Finds the server binaries and starts a cluster with `options`.
    pub fn start(options: &ClusterOptions) -> Result<Cluster, Error> {
        Cluster::start_with(find_binaries()?, options)
    }

    /// Starts a cluster from the given binaries: initdb into a fresh temp directory,
    /// then the server on a unix socket in that directory.
    pub fn start_with(binaries: PgBinaries, options: &ClusterOptions) -> Result<Cluster, Error> {
        sweep_stale();
        let owner = Owner::for_current_process()?;
        let dir = create_cluster_dir(&owner)?;
        let data = dir.join("data");

        // The watchdog comes first so that nothing started below can outlive us.
        let watchdog = owner
            .command("/bin/sh")
            .args(["-c", WATCHDOG, "tally-pg-watchdog"])
            .arg(binaries.tool("pg_ctl"))
            .arg(&data)
            .arg(&dir)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C aimed at the owner must not kill it first.
            .process_group(0)
            .spawn()
            .map_err(|e| Error::io("starting the cluster watchdog (/bin/sh)", e))?;
        write_pid_file(&dir.join("watchdog.pid"), watchdog.id())?;
        let mut cluster = Cluster {
            binaries,
            dir,
            port: 0,
            superuser: options.superuser.clone(),
            owner,
            server_opts: String::new(),
            watchdog: Some(watchdog),
        };

        let mut initdb = cluster.owner.command(cluster.binaries.tool("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", &options.superuser, "-A", "trust", "-E", "UTF8"])
            .args(["--no-locale", "--no-instructions"])
            .current_dir(&cluster.dir);
        if !options.durable {
            initdb.arg("--no-sync");
        }
        run(&mut initdb, "initdb")?;

        let mut server_opts = vec![
            format!("-k {}", cluster.dir.display()),
            "-c listen_addresses=".to_owned(),
            "-c max_connections=300".to_owned(),
        ];
        if !options.durable {
            server_opts.extend(
                [
                    "fsync=off",
                    "synchronous_commit=off",
                    "full_page_writes=off",
                ]
                .map(|s| format!("-c {s}")),
            );
        }
        server_opts.extend(options.settings.iter().map(|(k, v)| format!("-c {k}={v}")));
        cluster.server_opts = server_opts.join(" ");

        // A port only names the socket file here, but pick a free TCP one anyway so a
        // later switch to TCP cannot collide; retry in the unlikely case of a race.
        let mut last_err = None;
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.pg_ctl_start() {
                Ok(()) => {
                    tracing::debug!(dir = %cluster.dir.display(), port = cluster.port, "local postgres started");
                    return Ok(cluster);
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(cluster.with_log_tail(last_err))
    }

    /// Directory holding the data directory, the socket and the server log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Port number (it names the socket file `.s.PGSQL.<port>`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The bootstrap superuser.
    pub fn superuser(&self) -> &str {
        &self.superuser
    }

    /// The binaries this cluster runs.
    pub fn binaries(&self) -> &PgBinaries {
        &self.binaries
    }

    /// libpq/tokio-postgres key=value connection string for `dbname` as the superuser.
    pub fn connection_string(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user={} dbname={}",
            self.dir.display(),
            self.port,
            self.superuser,
            dbname
        )
    }

    /// A psql command line that connects to `dbname`.
    pub fn psql_command(&self, dbname: &str) -> String {
        format!(
            "psql -h {} -p {} -U {} {}",
            self.dir.display(),
            self.port,
            self.superuser,
            dbname
        )
    }

    /// Stops the server, waiting until it has exited, and keeps its files so that
    /// [`Cluster::start_server`] can start it again; fails if it is not running.
    pub fn stop_server(&self, mode: StopMode) -> Result<(), Error> {
        let mut pg_ctl = self.owner.command(self.binaries.tool("pg_ctl"));
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", mode.as_arg(), "-w", "-t", "60", "stop"])
            .current_dir(&self.dir);
        run(&mut pg_ctl, "pg_ctl stop")?;
        tracing::debug!(dir = %self.dir.display(), mode = mode.as_arg(), "local postgres stopped");
        Ok(())
    }

    /// Starts a server stopped by [`Cluster::stop_server`] again, with the options and
    /// port it was first started with, and waits until it accepts connections (after
    /// crash recovery, if it was stopped immediately).
    pub fn start_server(&self) -> Result<(), Error> {
        self.pg_ctl_start()
            .map_err(|e| self.with_log_tail(Some(e)))?;
        tracing::debug!(dir = %self.dir.display(), port = self.port, "local postgres restarted");
        Ok(())
    }

    /// Stops the server (fast shutdown) and removes the directory, waiting for both.
    pub fn stop(mut self) -> Result<(), Error> {
        self.shutdown()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Starts the server on `self.port` and waits until it accepts connections. In its
    /// own process group, so that a Ctrl-C aimed at the owner does not reach it.
    fn pg_ctl_start(&self) -> Result<(), Error> {
        let mut pg_ctl = self.owner.command(self.binaries.tool("pg_ctl"));
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "60", "-o"])
            .arg(format!("-p {} {}", self.port, self.server_opts))
            .arg("start")
            .current_dir(&self.dir)
            .process_group(0);
        run(&mut pg_ctl, "pg_ctl start")
    }

    /// A failed start's error with the server log's tail, which says why, in place of
    /// pg_ctl's own output, which does not.
    fn with_log_tail(&self, error: Option<Error>) -> Error {
        let tail = log_tail(&self.log_file());
        match error {
            Some(Error::Tool { tool, status, .. }) => Error::Tool {
                tool,
                status,
                output: tail,
            },
            Some(other) => other,
            None => Error::Tool {
                tool: "pg_ctl start".into(),
                status: "not run".into(),
                output: tail,
            },
        }
    }

    fn shutdown(&mut self) -> Result<(), Error> {
        let Some(mut watchdog) = self.watchdog.take() else {
            return Ok(());
        };
        drop(watchdog.stdin.take());
        watchdog
            .wait()
            .map_err(|e| Error::io("waiting for the cluster to stop", e))?;
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, dir = %self.dir.display(), "local postgres did not stop cleanly");
        }
    }
}

/// The account that runs the PostgreSQL tools: ourselves, or an unprivileged one when
/// we are root (initdb and postgres refuse to run as root).
#[derive(Debug)]
struct Owner {
    drop_to: Option<(Uid, Gid)>,
}

impl Owner {
    fn for_current_process() -> Result<Owner, Error> {
        if !Uid::effective().is_root() {
            return Ok(Owner { drop_to: None });
        }
        for name in ["postgres", "nobody"] {
            if let Ok(Some(user)) = User::from_name(name) {
                return Ok(Owner {
                    drop_to: Some((user.uid, user.gid)),
                });
            }
        }
        Err(Error::NoUnprivilegedUser)
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        if let Some((uid, gid)) = self.drop_to {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd
    }

    fn chown(&self, path: &Path) -> Result<(), Error> {
        if let Some((uid, gid)) = self.drop_to {
            std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw())).map_err(
                |e| {
                    Error::io(
                        format!("giving {} to the postgres account", path.display()),
                        e,
                    )
                },
            )?;
        }
        Ok(())
    }
}

fn create_cluster_dir(owner: &Owner) -> Result<PathBuf, Error> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{nanos:08x}", std::process::id()));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    write_pid_file(&dir.join("owner.pid"), std::process::id())?;
    owner.chown(&dir)?;
    Ok(dir)
}

fn write_pid_file(path: &Path, pid: u32) -> Result<(), Error> {
    let mut file =
        fs::File::create(path).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    writeln!(file, "{pid}").map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    // Readable by the postgres account, which removes the directory in the end.
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o644));
    Ok(())
}

fn run(cmd: &mut Command, tool: &str) -> Result<(), Error> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("running {tool}"), e))?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    Err(Error::Tool {
        tool: tool.to_owned(),
        status: out.status.to_string(),
        output: tail(&text, 2000),
    })
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::io("finding a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::io("finding a free port", e))
}

fn log_tail(log: &Path) -> String {
    match fs::read_to_string(log) {
        Ok(text) => tail(&text, 2000),
        Err(e) => format!("(no server log at {}: {e})", log.display()),
    }
}

fn tail(text: &str, max: usize) -> String {
    let text = text.trim();
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

fn pid_alive(path: &Path) -> Option<bool> {
    let text = fs::read_to_string(path).ok()?;
    let pid: i32 = text.lines().next()?.trim().parse().ok()?;
    Some(kill(Pid::from_raw(pid), None).is_ok())
}

/// Removes clusters left behind when both their owner and their watchdog died (a
/// `kill -9` of the whole process group, say). Live clusters of other runs are left alone.
fn sweep_stale() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let owner_alive = pid_alive(&dir.join("owner.pid")).unwrap_or(false);
        let watchdog_alive = pid_alive(&dir.join("watchdog.pid")).unwrap_or(false);
        let recent = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age < Duration::from_secs(60));
        if owner_alive || watchdog_alive || recent {
            continue;
        }
        let postmaster = dir.join("data").join("postmaster.pid");
        if let Ok(text) = fs::read_to_string(&postmaster)
            && let Some(Ok(pid)) = text.lines().next().map(|l| l.trim().parse::<i32>())
        {
            // Immediate shutdown: the data is throwaway.
            let _ = kill(Pid::from_raw(pid), Signal::SIGQUIT);
            for _ in 0..50 {
                if kill(Pid::from_raw(pid), None).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        match fs::remove_dir_all(&dir) {
            Ok(()) => tracing::info!(dir = %dir.display(), "removed a stale local postgres"),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a stale local postgres")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_accepts_connections_and_removes_itself_on_drop() {
        let cluster = Cluster::start(&ClusterOptions::default()).expect("cluster starts");
        let dir = cluster.dir().to_path_buf();
        let socket = dir.join(format!(".s.PGSQL.{}", cluster.port()));
        assert!(socket.exists(), "no socket at {}", socket.display());
        let psql = cluster.binaries().tool("psql");
        if psql.is_file() {
            let out = Command::new(psql)
                .args(["-h"])
                .arg(cluster.dir())
                .args(["-p", &cluster.port().to_string(), "-U", "postgres"])
                .args(["-d", "postgres", "-Atc", "SELECT 40 + 2"])
                .output()
                .expect("psql runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
        }
        cluster.stop().expect("stops");
        assert!(!dir.exists(), "{} still exists", dir.display());
    }

    /// Whether the server completes a startup handshake on its socket: a trust login
    /// answers AuthenticationOk (`R`, code 0), a server still starting an error. Speaks
    /// the protocol itself so the test needs no client binary.
    fn accepts_connections(cluster: &Cluster) -> std::io::Result<bool> {
        use std::io::Read as _;
        use std::os::unix::net::UnixStream;

        let socket = cluster.dir().join(format!(".s.PGSQL.{}", cluster.port()));
        let mut stream = UnixStream::connect(socket)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        // Protocol 3.0, then name/value pairs and an empty name.
        let mut body = 196_608_i32.to_be_bytes().to_vec();
        for field in ["user", cluster.superuser(), "database", "postgres", ""] {
            body.extend_from_slice(field.as_bytes());
            body.push(0);
        }
        let len = i32::try_from(body.len() + 4).expect("a short startup message");
        stream.write_all(&len.to_be_bytes())?;
        stream.write_all(&body)?;
        let mut reply = [0_u8; 9];
        stream.read_exact(&mut reply)?;
        Ok(reply[0] == b'R' && reply[5..] == [0, 0, 0, 0])
    }

    #[test]
    fn stopped_immediately_refuses_connections_and_starts_again_where_it_was() {
        let cluster = Cluster::start(&ClusterOptions::default()).expect("cluster starts");
        assert!(accepts_connections(&cluster).expect("connects"));

        cluster
            .stop_server(StopMode::Immediate)
            .expect("stops immediately");
        let refused = accepts_connections(&cluster).expect_err("a stopped server refuses");
        assert!(
            matches!(
                refused.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ),
            "unexpected error connecting to a stopped server: {refused}"
        );
        cluster
            .stop_server(StopMode::Fast)
            .expect_err("stopping a stopped server fails");

        cluster.start_server().expect("starts again");
        assert!(
            accepts_connections(&cluster).expect("connects after the restart"),
            "the restarted server did not log in the superuser"
        );

        // The watchdog still removes the directory of a server that is already stopped.
        cluster.stop_server(StopMode::Fast).expect("stops");
        let dir = cluster.dir().to_path_buf();
        cluster.stop().expect("removes the stopped cluster");
        assert!(!dir.exists(), "{} still exists", dir.display());
    }

    #[test]
    fn tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(tail("  abc  ", 10), "abc");
        assert_eq!(tail("ééé", 3), "é");
    }
}
