// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct ForEntityParams<T1: crate::StringSql> {
    pub entity_type: T1,
    pub entity_id: Option<i64>,
    pub after: i64,
    pub limit: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub organization_id: i64,
    pub id: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub changes: serde_json::Value,
    pub ip_address: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
}
pub struct AuditEntryBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<i64>,
    pub changes: postgres_types::Json<&'a serde_json::value::RawValue>,
    pub ip_address: Option<std::net::IpAddr>,
    pub user_agent: Option<&'a str>,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub actor: &'a str,
}
impl<'a> From<AuditEntryBorrowed<'a>> for AuditEntry {
    fn from(
        AuditEntryBorrowed {
            organization_id,
            id,
            actor_user_id,
            action,
            entity_type,
            entity_id,
            changes,
            ip_address,
            user_agent,
            occurred_at,
            actor,
        }: AuditEntryBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            actor_user_id,
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id,
            changes: serde_json::from_str(changes.0.get()).unwrap(),
            ip_address,
            user_agent: user_agent.map(|v| v.into()),
            occurred_at,
            actor: actor.into(),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct AuditEntryQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<AuditEntryBorrowed, tokio_postgres::Error>,
    mapper: fn(AuditEntryBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> AuditEntryQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(AuditEntryBorrowed) -> R,
    ) -> AuditEntryQuery<'c, 'a, 's, C, R, N> {
        AuditEntryQuery {
            client: self.client,
            params: self.params,
            query: self.query,
            cached: self.cached,
            extractor: self.extractor,
            mapper,
        }
    }
    pub async fn one(self) -> Result<T, tokio_postgres::Error> {
        let row =
            crate::client::async_::one(self.client, self.query, &self.params, self.cached).await?;
        Ok((self.mapper)((self.extractor)(&row)?))
    }
    pub async fn all(self) -> Result<Vec<T>, tokio_postgres::Error> {
        self.iter().await?.try_collect().await
    }
    pub async fn opt(self) -> Result<Option<T>, tokio_postgres::Error> {
        let opt_row =
            crate::client::async_::opt(self.client, self.query, &self.params, self.cached).await?;
        Ok(opt_row
            .map(|row| {
                let extracted = (self.extractor)(&row)?;
                Ok((self.mapper)(extracted))
            })
            .transpose()?)
    }
    pub async fn iter(
        self,
    ) -> Result<
        impl futures::Stream<Item = Result<T, tokio_postgres::Error>> + 'c,
        tokio_postgres::Error,
    > {
        let stream = crate::client::async_::raw(
            self.client,
            self.query,
            crate::slice_iter(&self.params),
            self.cached,
        )
        .await?;
        let mapped = stream
            .map(move |res| {
                res.and_then(|row| {
                    let extracted = (self.extractor)(&row)?;
                    Ok((self.mapper)(extracted))
                })
            })
            .into_stream();
        Ok(mapped)
    }
}
pub struct ForEntityStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn for_entity() -> ForEntityStmt {
    ForEntityStmt(
        "SELECT * FROM audit_logs WHERE organization_id = tally_current_org() AND entity_type = $1 AND entity_id IS NOT DISTINCT FROM $2 AND id > $3 ORDER BY id LIMIT $4",
        None,
    )
}
impl ForEntityStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        entity_type: &'a T1,
        entity_id: &'a Option<i64>,
        after: &'a i64,
        limit: &'a i64,
    ) -> AuditEntryQuery<'c, 'a, 's, C, AuditEntry, 4> {
        AuditEntryQuery {
            client,
            params: [entity_type, entity_id, after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<AuditEntryBorrowed, tokio_postgres::Error> {
                    Ok(AuditEntryBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        actor_user_id: row.try_get(2)?,
                        action: row.try_get(3)?,
                        entity_type: row.try_get(4)?,
                        entity_id: row.try_get(5)?,
                        changes: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        occurred_at: row.try_get(9)?,
                        actor: row.try_get(10)?,
                    })
                },
            mapper: |it| AuditEntry::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ForEntityParams<T1>,
        AuditEntryQuery<'c, 'a, 's, C, AuditEntry, 4>,
        C,
    > for ForEntityStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ForEntityParams<T1>,
    ) -> AuditEntryQuery<'c, 'a, 's, C, AuditEntry, 4> {
        self.bind(
            client,
            &params.entity_type,
            &params.entity_id,
            &params.after,
            &params.limit,
        )
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM audit_logs WHERE organization_id = tally_current_org() AND id > $1 ORDER BY id LIMIT $2",
        None,
    )
}
impl ListStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
        after: &'a i64,
        limit: &'a i64,
    ) -> AuditEntryQuery<'c, 'a, 's, C, AuditEntry, 2> {
        AuditEntryQuery {
            client,
            params: [after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<AuditEntryBorrowed, tokio_postgres::Error> {
                    Ok(AuditEntryBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        actor_user_id: row.try_get(2)?,
                        action: row.try_get(3)?,
                        entity_type: row.try_get(4)?,
                        entity_id: row.try_get(5)?,
                        changes: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        occurred_at: row.try_get(9)?,
                        actor: row.try_get(10)?,
                    })
                },
            mapper: |it| AuditEntry::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        AuditEntryQuery<'c, 'a, 's, C, AuditEntry, 2>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> AuditEntryQuery<'c, 'a, 's, C, AuditEntry, 2> {
        self.bind(client, &params.after, &params.limit)
    }
}
