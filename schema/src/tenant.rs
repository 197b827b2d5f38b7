use schema_queries::client::GenericClient;
use tokio_postgres::types::{BorrowToSql, ToSql};
use tokio_postgres::{Client, Row, RowStream, Statement, ToStatement, Transaction};

use crate::OrganizationId;

/// The session setting row-level security reads to find the current tenant.
pub const ORGANIZATION_SETTING: &str = "tally.organization_id";

/// The session setting the audit trail reads to name who made a change.
pub const ACTOR_SETTING: &str = "tally.actor";

/// The application role: not a superuser, does not bypass row-level security.
pub const APP_ROLE: &str = "tally_app";

/// Who makes the changes of a transaction, as the audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A person signed in to the platform (`users.id`).
    User(i64),
    /// A service holding an organization's API key (the key's id).
    ApiKey(i64),
    /// A named back-end process: `import`, `seed`, `gdpr`, ...
    Process(&'static str),
    /// Nobody in particular; what the database records when no actor is set.
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::ApiKey(id) => write!(f, "api_key:{id}"),
            Actor::Process(name) => f.write_str(name),
            Actor::System => f.write_str("system"),
        }
    }
}

/// One organization's view of the database, and who acts in it: what every domain
/// query of this crate runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The organization whose rows the transaction sees and writes.
    pub organization: OrganizationId,
    /// Who the audit trail names for the transaction's changes.
    pub actor: Actor,
}

impl Tenant {
    /// A tenant acting as `actor`.
    pub fn new(organization: OrganizationId, actor: Actor) -> Self {
        Self {
            organization,
            actor,
        }
    }

    /// Opens a transaction as this tenant: the application role (so row-level security
    /// applies whatever role the connection logged in as), this organization, this actor.
    /// All three are transaction-local, so a pooled connection carries none of them over.
    /// Every statement is planned for its values (`force_custom_plan`): the lists'
    /// optional filters (`$1 IS NULL OR ...`) fold away, and a status picks its partial
    /// index, only in a plan made for the values at hand.
    pub async fn begin<'c>(
        &self,
        client: &'c mut Client,
    ) -> Result<Transaction<'c>, tokio_postgres::Error> {
        let tx = client.transaction().await?;
        tx.batch_execute(&self.settings("force_custom_plan"))
            .await?;
        Ok(tx)
    }

    /// [`Tenant::begin`] on a pooled connection: the generated queries run in it are
    /// prepared once per connection (the pool's statement cache) instead of parsed
    /// and described on every call, one round trip each instead of two.
    pub async fn begin_pooled<'c>(
        &self,
        client: &'c mut deadpool_postgres::ClientWrapper,
    ) -> Result<PooledTransaction<'c>, tokio_postgres::Error> {
        let tx = client.transaction().await?;
        tx.batch_execute(&self.settings("force_custom_plan"))
            .await?;
        Ok(PooledTransaction(tx))
    }

    /// [`Tenant::begin_pooled`] for transactions whose statements have no optional
    /// filters (inserts, lookups by key): PostgreSQL's default plan caching applies, so a
    /// prepared statement is planned once for the connection instead of every time.
    pub async fn begin_pooled_generic<'c>(
        &self,
        client: &'c mut deadpool_postgres::ClientWrapper,
    ) -> Result<PooledTransaction<'c>, tokio_postgres::Error> {
        let tx = client.transaction().await?;
        tx.batch_execute(&self.settings("auto")).await?;
        Ok(PooledTransaction(tx))
    }

    /// The transaction's settings as one simple query: literals rather than parameters
    /// of a statement that would be prepared first, so one round trip.
    fn settings(&self, plan_cache_mode: &str) -> String {
        format!(
            "SELECT set_config('role', '{APP_ROLE}', true), \
                    set_config('tally.organization_id', '{}', true), \
                    set_config('tally.actor', {}, true), \
                    set_config('plan_cache_mode', '{plan_cache_mode}', true)",
            self.organization.0,
            quote_literal(&self.actor.to_string()),
        )
    }
}

/// A tenant transaction on a pooled connection ([`Tenant::begin_pooled`]): the
/// generated queries bound to it are prepared once per connection, in the pool's
/// statement cache. (The generated code prepares nothing in a transaction of its own
/// accord: it would parse, describe and plan every statement on every call, two round
/// trips each.) Everything else is the underlying transaction's, by `Deref`.
pub struct PooledTransaction<'c>(deadpool_postgres::Transaction<'c>);

impl<'c> PooledTransaction<'c> {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), tokio_postgres::Error> {
        self.0.commit().await
    }

    /// Rolls the transaction back (dropping it does the same, without waiting).
    pub async fn rollback(self) -> Result<(), tokio_postgres::Error> {
        self.0.rollback().await
    }
}

impl<'c> std::ops::Deref for PooledTransaction<'c> {
    type Target = deadpool_postgres::Transaction<'c>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl GenericClient for PooledTransaction<'_> {
    fn stmt_cache() -> bool {
        true
    }

    async fn prepare(&self, query: &str) -> Result<Statement, tokio_postgres::Error> {
        self.0.prepare_cached(query).await
    }

    async fn execute<T>(
        &self,
        query: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error>
    where
        T: ?Sized + ToStatement + Sync + Send,
    {
        Transaction::execute(&self.0, query, params).await
    }

    async fn query_one<T>(
        &self,
        statement: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, tokio_postgres::Error>
    where
        T: ?Sized + ToStatement + Sync + Send,
    {
        Transaction::query_one(&self.0, statement, params).await
    }

    async fn query_opt<T>(
        &self,
        statement: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, tokio_postgres::Error>
    where
        T: ?Sized + ToStatement + Sync + Send,
    {
        Transaction::query_opt(&self.0, statement, params).await
    }

    async fn query<T>(
        &self,
        query: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error>
    where
        T: ?Sized + ToStatement + Sync + Send,
    {
        Transaction::query(&self.0, query, params).await
    }

    async fn query_raw<T, I>(
        &self,
        statement: &T,
        params: I,
    ) -> Result<RowStream, tokio_postgres::Error>
    where
        T: ?Sized + ToStatement + Sync + Send,
        I: IntoIterator + Sync + Send,
        I::IntoIter: ExactSizeIterator,
        I::Item: BorrowToSql,
    {
        Transaction::query_raw(&self.0, statement, params).await
    }
}

/// Opens a transaction scoped to one organization: row-level security shows and accepts
/// only that organization's rows until the transaction ends. The caller's role is kept
/// (see [`Tenant::begin`] for the application role and an actor).
pub async fn begin_tenant(
    client: &mut Client,
    organization: OrganizationId,
) -> Result<Transaction<'_>, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    // Transaction-local (`true`), so a pooled connection never carries a tenant over.
    tx.execute(
        "SELECT set_config('tally.organization_id', $1, true)",
        &[&organization.0.to_string()],
    )
    .await?;
    Ok(tx)
}

/// A SQL string literal: single quotes doubled, so any text is one literal.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::{Actor, quote_literal};

    #[test]
    fn actors_are_quoted_as_one_literal() {
        assert_eq!(quote_literal(&Actor::User(7).to_string()), "'user:7'");
        assert_eq!(quote_literal("o'neil"), "'o''neil'");
    }
}
