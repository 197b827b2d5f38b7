// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct AdminCreateParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::BytesSql> {
    pub organization_id: i64,
    pub name: T1,
    pub role_id: i64,
    pub prefix: T2,
    pub key_hash: T3,
}
#[derive(Clone, Copy, Debug)]
pub struct AdminRevokeParams {
    pub organization_id: i64,
    pub id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ApiKey {
    pub organization_id: i64,
    pub id: i64,
    pub name: String,
    pub role_id: i64,
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct ApiKeyBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub name: &'a str,
    pub role_id: i64,
    pub prefix: &'a str,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<ApiKeyBorrowed<'a>> for ApiKey {
    fn from(
        ApiKeyBorrowed {
            organization_id,
            id,
            name,
            role_id,
            prefix,
            created_at,
            updated_at,
            revoked_at,
        }: ApiKeyBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            name: name.into(),
            role_id,
            prefix: prefix.into(),
            created_at,
            updated_at,
            revoked_at,
        }
    }
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Caller {
    pub organization_id: i64,
    pub key_id: i64,
    pub role_id: i64,
    pub permissions: Vec<String>,
}
pub struct CallerBorrowed<'a> {
    pub organization_id: i64,
    pub key_id: i64,
    pub role_id: i64,
    pub permissions: crate::ArrayIterator<'a, &'a str>,
}
impl<'a> From<CallerBorrowed<'a>> for Caller {
    fn from(
        CallerBorrowed {
            organization_id,
            key_id,
            role_id,
            permissions,
        }: CallerBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            key_id,
            role_id,
            permissions: permissions.map(|v| v.into()).collect(),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct ApiKeyQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ApiKeyBorrowed, tokio_postgres::Error>,
    mapper: fn(ApiKeyBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ApiKeyQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(ApiKeyBorrowed) -> R) -> ApiKeyQuery<'c, 'a, 's, C, R, N> {
        ApiKeyQuery {
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
pub struct CallerQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<CallerBorrowed, tokio_postgres::Error>,
    mapper: fn(CallerBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> CallerQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(CallerBorrowed) -> R) -> CallerQuery<'c, 'a, 's, C, R, N> {
        CallerQuery {
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
pub struct AdminCreateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn admin_create() -> AdminCreateStmt {
    AdminCreateStmt(
        "INSERT INTO api_keys (organization_id, name, role_id, prefix, key_hash) VALUES ($1, $2, $3, $4, $5) RETURNING organization_id, id, name, role_id, prefix, created_at, updated_at, revoked_at",
        None,
    )
}
impl AdminCreateStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<
        'c,
        'a,
        's,
        C: GenericClient,
        T1: crate::StringSql,
        T2: crate::StringSql,
        T3: crate::BytesSql,
    >(
        &'s self,
        client: &'c C,
        organization_id: &'a i64,
        name: &'a T1,
        role_id: &'a i64,
        prefix: &'a T2,
        key_hash: &'a T3,
    ) -> ApiKeyQuery<'c, 'a, 's, C, ApiKey, 5> {
        ApiKeyQuery {
            client,
            params: [organization_id, name, role_id, prefix, key_hash],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ApiKeyBorrowed, tokio_postgres::Error> {
                    Ok(ApiKeyBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        role_id: row.try_get(3)?,
                        prefix: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                        updated_at: row.try_get(6)?,
                        revoked_at: row.try_get(7)?,
                    })
                },
            mapper: |it| ApiKey::from(it),
        }
    }
}
impl<
        'c,
        'a,
        's,
        C: GenericClient,
        T1: crate::StringSql,
        T2: crate::StringSql,
        T3: crate::BytesSql,
    >
    crate::client::async_::Params<
        'c,
        'a,
        's,
        AdminCreateParams<T1, T2, T3>,
        ApiKeyQuery<'c, 'a, 's, C, ApiKey, 5>,
        C,
    > for AdminCreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a AdminCreateParams<T1, T2, T3>,
    ) -> ApiKeyQuery<'c, 'a, 's, C, ApiKey, 5> {
        self.bind(
            client,
            &params.organization_id,
            &params.name,
            &params.role_id,
            &params.prefix,
            &params.key_hash,
        )
    }
}
pub struct AdminRevokeStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn admin_revoke() -> AdminRevokeStmt {
    AdminRevokeStmt(
        "UPDATE api_keys SET revoked_at = now() WHERE organization_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING organization_id, id, name, role_id, prefix, created_at, updated_at, revoked_at",
        None,
    )
}
impl AdminRevokeStmt {
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
        organization_id: &'a i64,
        id: &'a i64,
    ) -> ApiKeyQuery<'c, 'a, 's, C, ApiKey, 2> {
        ApiKeyQuery {
            client,
            params: [organization_id, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ApiKeyBorrowed, tokio_postgres::Error> {
                    Ok(ApiKeyBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        role_id: row.try_get(3)?,
                        prefix: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                        updated_at: row.try_get(6)?,
                        revoked_at: row.try_get(7)?,
                    })
                },
            mapper: |it| ApiKey::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        AdminRevokeParams,
        ApiKeyQuery<'c, 'a, 's, C, ApiKey, 2>,
        C,
    > for AdminRevokeStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a AdminRevokeParams,
    ) -> ApiKeyQuery<'c, 'a, 's, C, ApiKey, 2> {
        self.bind(client, &params.organization_id, &params.id)
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT organization_id, id, name, role_id, prefix, created_at, updated_at, revoked_at FROM api_keys WHERE organization_id = tally_current_org() AND id > $1 ORDER BY id LIMIT $2",
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
    ) -> ApiKeyQuery<'c, 'a, 's, C, ApiKey, 2> {
        ApiKeyQuery {
            client,
            params: [after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ApiKeyBorrowed, tokio_postgres::Error> {
                    Ok(ApiKeyBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        role_id: row.try_get(3)?,
                        prefix: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                        updated_at: row.try_get(6)?,
                        revoked_at: row.try_get(7)?,
                    })
                },
            mapper: |it| ApiKey::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<'c, 'a, 's, ListParams, ApiKeyQuery<'c, 'a, 's, C, ApiKey, 2>, C>
    for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> ApiKeyQuery<'c, 'a, 's, C, ApiKey, 2> {
        self.bind(client, &params.after, &params.limit)
    }
}
pub struct AuthenticateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn authenticate() -> AuthenticateStmt {
    AuthenticateStmt(
        "SELECT organization_id, key_id, role_id, permissions FROM tally_authenticate($1)",
        None,
    )
}
impl AuthenticateStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::BytesSql>(
        &'s self,
        client: &'c C,
        key_hash: &'a T1,
    ) -> CallerQuery<'c, 'a, 's, C, Caller, 1> {
        CallerQuery {
            client,
            params: [key_hash],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CallerBorrowed, tokio_postgres::Error> {
                    Ok(CallerBorrowed {
                        organization_id: row.try_get(0)?,
                        key_id: row.try_get(1)?,
                        role_id: row.try_get(2)?,
                        permissions: row.try_get(3)?,
                    })
                },
            mapper: |it| Caller::from(it),
        }
    }
}
