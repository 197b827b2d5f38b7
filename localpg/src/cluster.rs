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
/// which the kernel does when the owner exits for any reason, SIGKILL included.
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

/// A running throwaway cluster; dropping it stops the server and deletes its files.
#[derive(Debug)]
pub struct Cluster {
    binaries: PgBinaries,
    dir: PathBuf,
    port: u16,
    superuser: String,
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
            watchdog: Some(watchdog),
        };

        let mut initdb = owner.command(cluster.binaries.tool("initdb"));
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

        // A port only names the socket file here, but pick a free TCP one anyway so a
        // later switch to TCP cannot collide; retry in the unlikely case of a race.
        let log = cluster.dir.join("postgres.log");
        let mut last_err = None;
        for _ in 0..3 {
            let port = free_port()?;
            let mut pg_ctl = owner.command(cluster.binaries.tool("pg_ctl"));
            pg_ctl
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o"])
                .arg(format!("-p {port} {}", server_opts.join(" ")))
                .arg("start")
                .current_dir(&cluster.dir)
                .process_group(0);
            match run(&mut pg_ctl, "pg_ctl start") {
                Ok(()) => {
                    cluster.port = port;
                    tracing::debug!(dir = %cluster.dir.display(), port, "local postgres started");
                    return Ok(cluster);
                }
                Err(e) => last_err = Some(e),
            }
        }
        let tail = log_tail(&log);
        Err(match last_err {
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
        })
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

    /// Stops the server (fast shutdown) and removes the directory, waiting for both.
    pub fn stop(mut self) -> Result<(), Error> {
        self.shutdown()
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

    #[test]
    fn tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(tail("  abc  ", 10), "abc");
        assert_eq!(tail("ééé", 3), "é");
    }
}
