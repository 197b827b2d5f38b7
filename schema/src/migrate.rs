//! The migration runner: applies `sql/NNNN_name.up.sql` in order, one transaction each,
//! records version and checksum, refuses an applied file that has changed, and rolls
//! back with the `.down.sql` files.
//!
//! Written here rather than taken from refinery because tally needs down migrations
//! (`tally migrate down --to N` is the rollback procedure) and refinery has none.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;
use tracing::instrument;

use crate::describe_pg_error;

/// One numbered migration with its up and down SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Its number, from 1, without gaps.
    pub version: u32,
    /// The name part of its file names.
    pub name: &'static str,
    /// SQL that applies it.
    pub up: &'static str,
    /// SQL that exactly undoes `up`.
    pub down: &'static str,
}

impl Migration {
    /// Path of the up file relative to the repository, for messages.
    pub fn up_file(&self) -> String {
        format!("sql/{:04}_{}.up.sql", self.version, self.name)
    }

    /// Path of the down file relative to the repository, for messages.
    pub fn down_file(&self) -> String {
        format!("sql/{:04}_{}.down.sql", self.version, self.name)
    }

    /// Hex SHA-256 of the up file: what was applied, so later edits are noticed.
    pub fn checksum(&self) -> String {
        hex(&Sha256::digest(self.up.as_bytes()))
    }
}

/// Every migration in `sql/`, embedded at build time.
pub static MIGRATIONS: &[Migration] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// An applied up file was edited afterwards.
    #[error(
        "migration {file} has changed since it was applied (recorded checksum {recorded}, \
         file now {current}); applied migrations are never rewritten: restore the file and \
         put the change in a new migration"
    )]
    Changed {
        /// The file that changed.
        file: String,
        /// Checksum recorded when it was applied.
        recorded: String,
        /// Checksum of the file now.
        current: String,
    },
    /// The database holds a migration this build does not have.
    #[error(
        "the database has migration {version} ({name}), which this build of tally does not \
         know: run the newer tally that applied it, or roll back with that build"
    )]
    Unknown {
        /// Its number.
        version: u32,
        /// Its recorded name.
        name: String,
    },
    /// A migration's SQL failed; its transaction was rolled back.
    #[error("{file} failed and was rolled back: {}", describe_pg_error(source))]
    Failed {
        /// The file that failed.
        file: String,
        /// The database error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The runner's own bookkeeping failed.
    #[error("{what}: {}", describe_pg_error(source))]
    Db {
        /// What the runner was doing.
        what: &'static str,
        /// The database error.
        #[source]
        source: tokio_postgres::Error,
    },
}

/// Where one migration stands in a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    /// Applied, and the file still matches what was applied.
    Applied,
    /// Applied, but the file has changed since.
    Changed,
    /// Not applied yet.
    Pending,
    /// Applied by a build that had a migration this one lacks.
    Unknown,
}

/// A migration's version, name and state, for `tally migrate status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Its number.
    pub version: u32,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub state: MigrationState,
}

struct AppliedRow {
    version: u32,
    name: String,
    checksum: String,
}

/// Applies and rolls back a list of migrations; `Migrator::default()` uses `sql/`.
#[derive(Debug, Clone, Copy)]
pub struct Migrator<'a> {
    migrations: &'a [Migration],
}

impl Default for Migrator<'static> {
    fn default() -> Self {
        Migrator {
            migrations: MIGRATIONS,
        }
    }
}

impl<'a> Migrator<'a> {
    /// A runner over an explicit list, ordered by version.
    pub fn new(migrations: &'a [Migration]) -> Self {
        Migrator { migrations }
    }

    /// The migrations this runner knows.
    pub fn migrations(&self) -> &'a [Migration] {
        self.migrations
    }

    /// Hex SHA-256 over every migration's up and down file: equal fingerprints mean
    /// the same schema, which lets a test harness reuse a migrated template.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        for m in self.migrations {
            hasher.update(m.version.to_le_bytes());
            for text in [m.up, m.down] {
                hasher.update((text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
        }
        hex(&hasher.finalize())
    }

    /// Applies every pending migration in order, each in its own transaction, and
    /// returns the versions applied (empty when the database was up to date).
    pub async fn up(&self, client: &mut Client) -> Result<Vec<u32>, MigrateError> {
        lock(client).await?;
        let result = self.up_locked(client).await;
        unlock(client, result).await
    }

    /// Runs the down files of every applied migration above `target`, newest first,
    /// each in its own transaction, and returns the versions rolled back.
    pub async fn down_to(
        &self,
        client: &mut Client,
        target: u32,
    ) -> Result<Vec<u32>, MigrateError> {
        lock(client).await?;
        let result = self.down_locked(client, target).await;
        unlock(client, result).await
    }

    /// Every known migration's state, plus any the database has that this build lacks.
    pub async fn status(&self, client: &mut Client) -> Result<Vec<MigrationStatus>, MigrateError> {
        ensure_table(client).await?;
        let applied = applied(client).await?;
        let mut out: Vec<MigrationStatus> = self
            .migrations
            .iter()
            .map(|m| {
                let state = match applied.iter().find(|a| a.version == m.version) {
                    Some(a) if a.checksum == m.checksum() => MigrationState::Applied,
                    Some(_) => MigrationState::Changed,
                    None => MigrationState::Pending,
                };
                MigrationStatus {
                    version: m.version,
                    name: m.name.to_owned(),
                    state,
                }
            })
            .collect();
        out.extend(
            applied
                .into_iter()
                .filter(|a| self.find(a.version).is_none())
                .map(|a| MigrationStatus {
                    version: a.version,
                    name: a.name,
                    state: MigrationState::Unknown,
                }),
        );
        out.sort_by_key(|s| s.version);
        Ok(out)
    }

    /// Fails unless every applied migration is known and unchanged; what a service
    /// checks before it starts.
    pub async fn verify(&self, client: &mut Client) -> Result<(), MigrateError> {
        ensure_table(client).await?;
        let applied = applied(client).await?;
        self.check_applied(&applied)
    }

    /// The versions this build knows that the database has not applied, after checking
    /// (as [`Migrator::verify`] does) that the applied ones are unchanged: what a
    /// command that needs the whole schema refuses to start on.
    pub async fn pending(&self, client: &mut Client) -> Result<Vec<u32>, MigrateError> {
        self.verify(client).await?;
        Ok(self
            .status(client)
            .await?
            .into_iter()
            .filter(|m| m.state == MigrationState::Pending)
            .map(|m| m.version)
            .collect())
    }

    async fn up_locked(&self, client: &mut Client) -> Result<Vec<u32>, MigrateError> {
        ensure_table(client).await?;
        let applied = applied(client).await?;
        self.check_applied(&applied)?;
        let mut done = Vec::new();
        for m in self
            .migrations
            .iter()
            .filter(|m| applied.iter().all(|a| a.version != m.version))
        {
            step(client, m, Direction::Up).await?;
            done.push(m.version);
        }
        Ok(done)
    }

    async fn down_locked(
        &self,
        client: &mut Client,
        target: u32,
    ) -> Result<Vec<u32>, MigrateError> {
        ensure_table(client).await?;
        let applied = applied(client).await?;
        self.check_applied(&applied)?;
        let mut done = Vec::new();
        for row in applied.iter().rev().filter(|a| a.version > target) {
            // check_applied has just confirmed every applied version is known.
            if let Some(m) = self.find(row.version) {
                step(client, m, Direction::Down).await?;
                done.push(m.version);
            }
        }
        Ok(done)
    }

    fn find(&self, version: u32) -> Option<&'a Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    fn check_applied(&self, applied: &[AppliedRow]) -> Result<(), MigrateError> {
        for row in applied {
            let Some(m) = self.find(row.version) else {
                return Err(MigrateError::Unknown {
                    version: row.version,
                    name: row.name.clone(),
                });
            };
            let current = m.checksum();
            if current != row.checksum {
                return Err(MigrateError::Changed {
                    file: m.up_file(),
                    recorded: row.checksum.clone(),
                    current,
                });
            }
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// Runs one migration file and its bookkeeping in one transaction.
#[instrument(skip_all, fields(version = m.version, direction = ?direction))]
async fn step(
    client: &mut Client,
    m: &Migration,
    direction: Direction,
) -> Result<(), MigrateError> {
    let (file, sql) = match direction {
        Direction::Up => (m.up_file(), m.up),
        Direction::Down => (m.down_file(), m.down),
    };
    let failed = |source| MigrateError::Failed {
        file: file.clone(),
        source,
    };
    let tx = client.transaction().await.map_err(failed)?;
    tx.batch_execute(sql).await.map_err(failed)?;
    let version = m.version as i32;
    match direction {
        Direction::Up => {
            tx.execute(
                "INSERT INTO tally_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[&version, &m.name, &m.checksum()],
            )
            .await
        }
        Direction::Down => {
            tx.execute(
                "DELETE FROM tally_migrations WHERE version = $1",
                &[&version],
            )
            .await
        }
    }
    .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    tracing::info!(
        version = m.version,
        file = %file,
        direction = ?direction,
        "migration step done"
    );
    Ok(())
}

async fn lock(client: &Client) -> Result<(), MigrateError> {
    crate::advisory::lock(client, crate::AdvisoryLock::Migrations)
        .await
        .map_err(|source| MigrateError::Db {
            what: "taking the migration lock",
            source,
        })
}

/// Releases the lock whatever `result` is, and returns `result` (its error first).
async fn unlock<T>(client: &Client, result: Result<T, MigrateError>) -> Result<T, MigrateError> {
    let unlocked = crate::advisory::unlock(client, crate::AdvisoryLock::Migrations).await;
    let value = result?;
    unlocked.map_err(|source| MigrateError::Db {
        what: "releasing the migration lock",
        source,
    })?;
    Ok(value)
}

async fn ensure_table(client: &Client) -> Result<(), MigrateError> {
    client
        .batch_execute(include_str!("migrate/bookkeeping.sql"))
        .await
        .map_err(|source| MigrateError::Db {
            what: "creating the tally_migrations table",
            source,
        })
}

async fn applied(client: &Client) -> Result<Vec<AppliedRow>, MigrateError> {
    let rows = client
        .query(
            "SELECT version, name, checksum FROM tally_migrations ORDER BY version",
            &[],
        )
        .await
        .map_err(|source| MigrateError::Db {
            what: "reading tally_migrations",
            source,
        })?;
    Ok(rows
        .iter()
        .map(|r| AppliedRow {
            version: r.get::<_, i32>(0) as u32,
            name: r.get(1),
            checksum: r.get(2),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_migrations_are_numbered_from_one_without_gaps() {
        assert!(!MIGRATIONS.is_empty());
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.up_file());
            assert!(!m.up.trim().is_empty(), "{} is empty", m.up_file());
            assert!(!m.down.trim().is_empty(), "{} is empty", m.down_file());
        }
    }

    #[test]
    fn checksum_changes_with_the_up_file() {
        let a = Migration {
            version: 1,
            name: "x",
            up: "SELECT 1;",
            down: "SELECT 1;",
        };
        let b = Migration {
            up: "SELECT 2;",
            ..a
        };
        assert_eq!(a.checksum().len(), 64);
        assert_ne!(a.checksum(), b.checksum());
        assert_eq!(a.up_file(), "sql/0001_x.up.sql");
    }
}
