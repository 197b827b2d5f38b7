// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct AdminCreateParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub domain: Option<T2>,
}
#[derive(Clone, Copy, Debug)]
pub struct AdminListParams {
    pub after: i64,
    pub limit: i64,
}
#[derive(Debug)]
pub struct UpdateParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub domain: Option<T2>,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct OrganizationBorrowed<'a> {
    pub id: i64,
    pub name: &'a str,
    pub domain: Option<&'a str>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<OrganizationBorrowed<'a>> for Organization {
    fn from(
        OrganizationBorrowed {
            id,
            name,
            domain,
            created_at,
            updated_at,
            deleted_at,
        }: OrganizationBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            name: name.into(),
            domain: domain.map(|v| v.into()),
            created_at,
            updated_at,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct OrganizationQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<OrganizationBorrowed, tokio_postgres::Error>,
    mapper: fn(OrganizationBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> OrganizationQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(OrganizationBorrowed) -> R,
    ) -> OrganizationQuery<'c, 'a, 's, C, R, N> {
        OrganizationQuery {
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
        "INSERT INTO organizations (name, domain) VALUES ($1, $2) RETURNING *",
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
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        name: &'a T1,
        domain: &'a Option<T2>,
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 2> {
        OrganizationQuery {
            client,
            params: [name, domain],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<OrganizationBorrowed, tokio_postgres::Error> {
                    Ok(OrganizationBorrowed {
                        id: row.try_get(0)?,
                        name: row.try_get(1)?,
                        domain: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        updated_at: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Organization::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        AdminCreateParams<T1, T2>,
        OrganizationQuery<'c, 'a, 's, C, Organization, 2>,
        C,
    > for AdminCreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a AdminCreateParams<T1, T2>,
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 2> {
        self.bind(client, &params.name, &params.domain)
    }
}
pub struct AdminListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn admin_list() -> AdminListStmt {
    AdminListStmt(
        "SELECT * FROM organizations WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
        None,
    )
}
impl AdminListStmt {
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
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 2> {
        OrganizationQuery {
            client,
            params: [after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<OrganizationBorrowed, tokio_postgres::Error> {
                    Ok(OrganizationBorrowed {
                        id: row.try_get(0)?,
                        name: row.try_get(1)?,
                        domain: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        updated_at: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Organization::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        AdminListParams,
        OrganizationQuery<'c, 'a, 's, C, Organization, 2>,
        C,
    > for AdminListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a AdminListParams,
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 2> {
        self.bind(client, &params.after, &params.limit)
    }
}
pub struct AdminSoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn admin_soft_delete() -> AdminSoftDeleteStmt {
    AdminSoftDeleteStmt(
        "UPDATE organizations SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING *",
        None,
    )
}
impl AdminSoftDeleteStmt {
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
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 1> {
        OrganizationQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<OrganizationBorrowed, tokio_postgres::Error> {
                    Ok(OrganizationBorrowed {
                        id: row.try_get(0)?,
                        name: row.try_get(1)?,
                        domain: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        updated_at: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Organization::from(it),
        }
    }
}
pub struct AdminRestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn admin_restore() -> AdminRestoreStmt {
    AdminRestoreStmt(
        "UPDATE organizations SET deleted_at = NULL WHERE id = $1 AND deleted_at IS NOT NULL RETURNING *",
        None,
    )
}
impl AdminRestoreStmt {
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
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 1> {
        OrganizationQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<OrganizationBorrowed, tokio_postgres::Error> {
                    Ok(OrganizationBorrowed {
                        id: row.try_get(0)?,
                        name: row.try_get(1)?,
                        domain: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        updated_at: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Organization::from(it),
        }
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM organizations WHERE id = tally_current_org() AND deleted_at IS NULL",
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
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 0> {
        OrganizationQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<OrganizationBorrowed, tokio_postgres::Error> {
                    Ok(OrganizationBorrowed {
                        id: row.try_get(0)?,
                        name: row.try_get(1)?,
                        domain: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        updated_at: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Organization::from(it),
        }
    }
}
pub struct UpdateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn update() -> UpdateStmt {
    UpdateStmt(
        "UPDATE organizations SET name = $1, domain = $2 WHERE id = tally_current_org() AND deleted_at IS NULL RETURNING *",
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
        domain: &'a Option<T2>,
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 2> {
        OrganizationQuery {
            client,
            params: [name, domain],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<OrganizationBorrowed, tokio_postgres::Error> {
                    Ok(OrganizationBorrowed {
                        id: row.try_get(0)?,
                        name: row.try_get(1)?,
                        domain: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        updated_at: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Organization::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpdateParams<T1, T2>,
        OrganizationQuery<'c, 'a, 's, C, Organization, 2>,
        C,
    > for UpdateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpdateParams<T1, T2>,
    ) -> OrganizationQuery<'c, 'a, 's, C, Organization, 2> {
        self.bind(client, &params.name, &params.domain)
    }
}
