// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub description: Option<T2>,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub limit: i64,
}
#[derive(Debug)]
pub struct UpdateParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub description: Option<T2>,
    pub id: i64,
}
#[derive(Debug)]
pub struct GrantParams<T1: crate::StringSql> {
    pub role_id: i64,
    pub permission: T1,
}
#[derive(Debug)]
pub struct RevokeParams<T1: crate::StringSql> {
    pub role_id: i64,
    pub permission: T1,
}
#[derive(Clone, Copy, Debug)]
pub struct AddMemberParams {
    pub user_id: i64,
    pub role_id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct MembersParams {
    pub after: i64,
    pub limit: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct ChangeMemberRoleParams {
    pub role_id: i64,
    pub id: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Role {
    pub organization_id: i64,
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
pub struct RoleBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
impl<'a> From<RoleBorrowed<'a>> for Role {
    fn from(
        RoleBorrowed {
            organization_id,
            id,
            name,
            description,
            created_at,
            updated_at,
        }: RoleBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            name: name.into(),
            description: description.map(|v| v.into()),
            created_at,
            updated_at,
        }
    }
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Permission {
    pub id: i64,
    pub key: String,
    pub description: Option<String>,
}
pub struct PermissionBorrowed<'a> {
    pub id: i64,
    pub key: &'a str,
    pub description: Option<&'a str>,
}
impl<'a> From<PermissionBorrowed<'a>> for Permission {
    fn from(
        PermissionBorrowed {
            id,
            key,
            description,
        }: PermissionBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            key: key.into(),
            description: description.map(|v| v.into()),
        }
    }
}
#[derive(Debug, Clone, PartialEq, Copy, serde::Serialize, serde::Deserialize)]
pub struct Membership {
    pub organization_id: i64,
    pub id: i64,
    pub user_id: i64,
    pub role_id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct RoleQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<RoleBorrowed, tokio_postgres::Error>,
    mapper: fn(RoleBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> RoleQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(RoleBorrowed) -> R) -> RoleQuery<'c, 'a, 's, C, R, N> {
        RoleQuery {
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
pub struct PermissionQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<PermissionBorrowed, tokio_postgres::Error>,
    mapper: fn(PermissionBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> PermissionQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(PermissionBorrowed) -> R,
    ) -> PermissionQuery<'c, 'a, 's, C, R, N> {
        PermissionQuery {
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
pub struct MembershipQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<Membership, tokio_postgres::Error>,
    mapper: fn(Membership) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> MembershipQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(Membership) -> R) -> MembershipQuery<'c, 'a, 's, C, R, N> {
        MembershipQuery {
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
pub struct CreateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn create() -> CreateStmt {
    CreateStmt(
        "INSERT INTO roles (organization_id, name, description) VALUES (tally_current_org(), $1, $2) RETURNING *",
        None,
    )
}
impl CreateStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        name: &'a T1,
        description: &'a Option<T2>,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 2> {
        RoleQuery {
            client,
            params: [name, description],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<RoleBorrowed, tokio_postgres::Error> {
                Ok(RoleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    description: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Role::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1, T2>,
        RoleQuery<'c, 'a, 's, C, Role, 2>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2>,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 2> {
        self.bind(client, &params.name, &params.description)
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM roles WHERE organization_id = tally_current_org() AND id = $1",
        None,
    )
}
impl GetStmt {
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
        id: &'a i64,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 1> {
        RoleQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<RoleBorrowed, tokio_postgres::Error> {
                Ok(RoleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    description: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Role::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM roles WHERE organization_id = tally_current_org() AND id > $1 ORDER BY id LIMIT $2",
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
    ) -> RoleQuery<'c, 'a, 's, C, Role, 2> {
        RoleQuery {
            client,
            params: [after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<RoleBorrowed, tokio_postgres::Error> {
                Ok(RoleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    description: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Role::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<'c, 'a, 's, ListParams, RoleQuery<'c, 'a, 's, C, Role, 2>, C>
    for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 2> {
        self.bind(client, &params.after, &params.limit)
    }
}
pub struct UpdateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn update() -> UpdateStmt {
    UpdateStmt(
        "UPDATE roles SET name = $1, description = $2 WHERE organization_id = tally_current_org() AND id = $3 RETURNING *",
        None,
    )
}
impl UpdateStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        name: &'a T1,
        description: &'a Option<T2>,
        id: &'a i64,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 3> {
        RoleQuery {
            client,
            params: [name, description, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<RoleBorrowed, tokio_postgres::Error> {
                Ok(RoleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    description: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Role::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpdateParams<T1, T2>,
        RoleQuery<'c, 'a, 's, C, Role, 3>,
        C,
    > for UpdateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpdateParams<T1, T2>,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 3> {
        self.bind(client, &params.name, &params.description, &params.id)
    }
}
pub struct DeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn delete() -> DeleteStmt {
    DeleteStmt(
        "DELETE FROM roles WHERE organization_id = tally_current_org() AND id = $1 RETURNING *",
        None,
    )
}
impl DeleteStmt {
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
        id: &'a i64,
    ) -> RoleQuery<'c, 'a, 's, C, Role, 1> {
        RoleQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<RoleBorrowed, tokio_postgres::Error> {
                Ok(RoleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    description: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Role::from(it),
        }
    }
}
pub struct PermissionsStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn permissions() -> PermissionsStmt {
    PermissionsStmt(
        "SELECT id, key, description FROM permissions ORDER BY key",
        None,
    )
}
impl PermissionsStmt {
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
    ) -> PermissionQuery<'c, 'a, 's, C, Permission, 0> {
        PermissionQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<PermissionBorrowed, tokio_postgres::Error> {
                    Ok(PermissionBorrowed {
                        id: row.try_get(0)?,
                        key: row.try_get(1)?,
                        description: row.try_get(2)?,
                    })
                },
            mapper: |it| Permission::from(it),
        }
    }
}
pub struct GrantStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn grant() -> GrantStmt {
    GrantStmt(
        "INSERT INTO role_permissions (organization_id, role_id, permission_id) SELECT r.organization_id, r.id, p.id FROM roles r, permissions p WHERE r.organization_id = tally_current_org() AND r.id = $1 AND p.key = $2 ON CONFLICT DO NOTHING",
        None,
    )
}
impl GrantStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        role_id: &'a i64,
        permission: &'a T1,
    ) -> Result<u64, tokio_postgres::Error> {
        client.execute(self.0, &[role_id, permission]).await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        GrantParams<T1>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for GrantStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a GrantParams<T1>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(client, &params.role_id, &params.permission))
    }
}
pub struct RevokeStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn revoke() -> RevokeStmt {
    RevokeStmt(
        "DELETE FROM role_permissions rp USING permissions p WHERE rp.organization_id = tally_current_org() AND rp.role_id = $1 AND rp.permission_id = p.id AND p.key = $2",
        None,
    )
}
impl RevokeStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        role_id: &'a i64,
        permission: &'a T1,
    ) -> Result<u64, tokio_postgres::Error> {
        client.execute(self.0, &[role_id, permission]).await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        RevokeParams<T1>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for RevokeStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a RevokeParams<T1>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(client, &params.role_id, &params.permission))
    }
}
pub struct RolePermissionsStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn role_permissions() -> RolePermissionsStmt {
    RolePermissionsStmt(
        "SELECT p.id, p.key, p.description FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id WHERE rp.organization_id = tally_current_org() AND rp.role_id = $1 ORDER BY p.key",
        None,
    )
}
impl RolePermissionsStmt {
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
        role_id: &'a i64,
    ) -> PermissionQuery<'c, 'a, 's, C, Permission, 1> {
        PermissionQuery {
            client,
            params: [role_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<PermissionBorrowed, tokio_postgres::Error> {
                    Ok(PermissionBorrowed {
                        id: row.try_get(0)?,
                        key: row.try_get(1)?,
                        description: row.try_get(2)?,
                    })
                },
            mapper: |it| Permission::from(it),
        }
    }
}
pub struct AddMemberStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn add_member() -> AddMemberStmt {
    AddMemberStmt(
        "INSERT INTO memberships (organization_id, user_id, role_id) VALUES (tally_current_org(), $1, $2) RETURNING *",
        None,
    )
}
impl AddMemberStmt {
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
        user_id: &'a i64,
        role_id: &'a i64,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 2> {
        MembershipQuery {
            client,
            params: [user_id, role_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Membership, tokio_postgres::Error> {
                Ok(Membership {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    user_id: row.try_get(2)?,
                    role_id: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Membership::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        AddMemberParams,
        MembershipQuery<'c, 'a, 's, C, Membership, 2>,
        C,
    > for AddMemberStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a AddMemberParams,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 2> {
        self.bind(client, &params.user_id, &params.role_id)
    }
}
pub struct MembersStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn members() -> MembersStmt {
    MembersStmt(
        "SELECT * FROM memberships WHERE organization_id = tally_current_org() AND id > $1 ORDER BY id LIMIT $2",
        None,
    )
}
impl MembersStmt {
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
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 2> {
        MembershipQuery {
            client,
            params: [after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Membership, tokio_postgres::Error> {
                Ok(Membership {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    user_id: row.try_get(2)?,
                    role_id: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Membership::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        MembersParams,
        MembershipQuery<'c, 'a, 's, C, Membership, 2>,
        C,
    > for MembersStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a MembersParams,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 2> {
        self.bind(client, &params.after, &params.limit)
    }
}
pub struct MembersOfStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn members_of() -> MembersOfStmt {
    MembersOfStmt(
        "SELECT * FROM memberships WHERE organization_id = tally_current_org() AND user_id = ANY($1::bigint[]) ORDER BY id",
        None,
    )
}
impl MembersOfStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::ArraySql<Item = i64>>(
        &'s self,
        client: &'c C,
        users: &'a T1,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 1> {
        MembershipQuery {
            client,
            params: [users],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Membership, tokio_postgres::Error> {
                Ok(Membership {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    user_id: row.try_get(2)?,
                    role_id: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Membership::from(it),
        }
    }
}
pub struct ChangeMemberRoleStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn change_member_role() -> ChangeMemberRoleStmt {
    ChangeMemberRoleStmt(
        "UPDATE memberships SET role_id = $1 WHERE organization_id = tally_current_org() AND id = $2 RETURNING *",
        None,
    )
}
impl ChangeMemberRoleStmt {
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
        role_id: &'a i64,
        id: &'a i64,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 2> {
        MembershipQuery {
            client,
            params: [role_id, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Membership, tokio_postgres::Error> {
                Ok(Membership {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    user_id: row.try_get(2)?,
                    role_id: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Membership::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ChangeMemberRoleParams,
        MembershipQuery<'c, 'a, 's, C, Membership, 2>,
        C,
    > for ChangeMemberRoleStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ChangeMemberRoleParams,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 2> {
        self.bind(client, &params.role_id, &params.id)
    }
}
pub struct RemoveMemberStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn remove_member() -> RemoveMemberStmt {
    RemoveMemberStmt(
        "DELETE FROM memberships WHERE organization_id = tally_current_org() AND id = $1 RETURNING *",
        None,
    )
}
impl RemoveMemberStmt {
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
        id: &'a i64,
    ) -> MembershipQuery<'c, 'a, 's, C, Membership, 1> {
        MembershipQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Membership, tokio_postgres::Error> {
                Ok(Membership {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    user_id: row.try_get(2)?,
                    role_id: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| Membership::from(it),
        }
    }
}
