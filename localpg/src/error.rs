use std::path::PathBuf;

/// Why a local cluster could not be found, started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable server binaries on this machine.
    #[error(
        "no PostgreSQL >= {min_major} server binaries found (looked at: {looked_at}); \
         install them with `apt-get install postgresql` (Debian/Ubuntu), or set {env} to \
         the directory holding initdb, pg_ctl and postgres"
    )]
    NotFound {
        /// Oldest major version accepted.
        min_major: u32,
        /// Every place searched, with why it did not qualify.
        looked_at: String,
        /// The variable that names a directory explicitly.
        env: &'static str,
    },
    /// The directory named by the environment does not hold usable binaries.
    #[error("{env}={dir}: {reason}; point it at a PostgreSQL >= {min_major} bin directory")]
    BadBindir {
        /// The variable.
        env: &'static str,
        /// Its value.
        dir: PathBuf,
        /// What is wrong with it.
        reason: String,
        /// Oldest major version accepted.
        min_major: u32,
    },
    /// Running as root with no unprivileged account to own the cluster.
    #[error(
        "running as root, but PostgreSQL refuses to run as root and neither a `postgres` nor \
         a `nobody` account exists to own the cluster; create one (`useradd postgres`) or run \
         as a normal user"
    )]
    NoUnprivilegedUser,
    /// A filesystem or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A PostgreSQL tool ran and failed.
    #[error("{tool} failed ({status}): {output}")]
    Tool {
        /// The command that failed.
        tool: String,
        /// Its exit status.
        status: String,
        /// What it printed (tail), or the server log's tail.
        output: String,
    },
}

impl Error {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}
