use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// Oldest PostgreSQL major version tally supports.
pub const MIN_MAJOR: u32 = 15;

/// Environment variable naming the server bin directory explicitly.
pub const BINDIR_ENV: &str = "TALLY_PG_BINDIR";

const TOOLS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// A directory holding a usable set of PostgreSQL server binaries.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    /// The directory with initdb, pg_ctl and postgres.
    pub bindir: PathBuf,
    /// Major version, e.g. 15.
    pub major: u32,
    /// Full version line printed by `postgres --version`.
    pub version: String,
}

impl PgBinaries {
    /// Path of one tool in the bin directory.
    pub fn tool(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// Path of a client tool of the same installation (pg_dump, pg_restore, pgbench):
    /// in the bin directory, else beside the real `postgres` when the directory holds a
    /// link to it (`/usr/local/bin/postgres`), else the name alone, for PATH.
    pub fn client_tool(&self, name: &str) -> PathBuf {
        let here = self.bindir.join(name);
        if here.is_file() {
            return here;
        }
        if let Ok(real) = self.bindir.join("postgres").canonicalize()
            && let Some(dir) = real.parent()
            && dir.join(name).is_file()
        {
            return dir.join(name);
        }
        PathBuf::from(name)
    }
}

/// Finds PostgreSQL >= 15 server binaries: `TALLY_PG_BINDIR` if set, else the first
/// qualifying directory among PATH, `pg_config --bindir` and `/usr/lib/postgresql/*/bin`
/// (newest version first).
pub fn find_binaries() -> Result<PgBinaries, Error> {
    if let Some(dir) = env::var_os(BINDIR_ENV) {
        return binaries_in(Path::new(&dir));
    }
    let mut looked_at = Vec::new();
    for dir in candidates() {
        match probe(&dir) {
            Ok(found) => return Ok(found),
            Err(reason) => looked_at.push(format!("{}: {reason}", dir.display())),
        }
    }
    if looked_at.is_empty() {
        looked_at.push("PATH, pg_config --bindir, /usr/lib/postgresql/*/bin: nothing".into());
    }
    Err(Error::NotFound {
        min_major: MIN_MAJOR,
        looked_at: looked_at.join("; "),
        env: BINDIR_ENV,
    })
}

/// Candidate directories in search order, without repeats.
fn candidates() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path).filter(|d| d.join("postgres").is_file()));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !dir.is_empty() {
            dirs.push(PathBuf::from(dir));
        }
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|v| std::cmp::Reverse(v.0));
    dirs.extend(versioned.into_iter().map(|(_, dir)| dir));

    let mut seen = Vec::new();
    dirs.retain(|d| {
        let key = d.canonicalize().unwrap_or_else(|_| d.clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    dirs
}

/// Uses the binaries in `dir`, failing with what is wrong with it.
pub fn binaries_in(dir: &Path) -> Result<PgBinaries, Error> {
    probe(dir).map_err(|reason| Error::BadBindir {
        env: BINDIR_ENV,
        dir: dir.to_path_buf(),
        reason,
        min_major: MIN_MAJOR,
    })
}

/// Checks that `dir` holds the server tools at a supported version.
fn probe(dir: &Path) -> Result<PgBinaries, String> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|t| !dir.join(t).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing {}", missing.join(", ")));
    }
    let out = Command::new(dir.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run postgres --version: {e}"))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let major = parse_major(&version).ok_or_else(|| format!("unrecognised version {version:?}"))?;
    if major < MIN_MAJOR {
        return Err(format!("version {major} is older than {MIN_MAJOR}"));
    }
    Ok(PgBinaries {
        bindir: dir.to_path_buf(),
        major,
        version,
    })
}

/// Major version from `postgres (PostgreSQL) 15.18 (Debian ...)` or `... 17devel`.
fn parse_major(version_line: &str) -> Option<u32> {
    let after = version_line.split("(PostgreSQL)").nth(1)?.trim_start();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_and_development_versions() {
        assert_eq!(
            parse_major("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(parse_major("postgres (PostgreSQL) 17devel"), Some(17));
        assert_eq!(parse_major("postgres (PostgreSQL) 16beta2"), Some(16));
        assert_eq!(parse_major("something else"), None);
    }

    #[test]
    fn a_directory_without_the_tools_is_refused_with_what_is_missing() {
        let reason = probe(Path::new("/nonexistent-tally-bin")).unwrap_err();
        assert!(reason.contains("initdb"), "{reason}");
        assert!(reason.contains("pg_ctl"), "{reason}");
    }

    #[test]
    fn finds_binaries_on_this_machine() {
        let found = find_binaries().expect("the README's prerequisites are installed");
        assert!(found.major >= MIN_MAJOR, "{found:?}");
        assert!(found.tool("initdb").is_file());
    }
}
