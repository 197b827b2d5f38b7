// This file was generated with `clorinde`. Do not modify.

#[derive(Clone, Copy, Debug)]
pub struct AssignListParams {
    pub list: i64,
    pub campaign_id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct AssignParams {
    pub campaign_id: i64,
    pub contact_id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub campaign_id: i64,
    pub after: i64,
    pub status: Option<crate::types::AssignmentStatus>,
    pub limit: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct MarkParams {
    pub status: crate::types::AssignmentStatus,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub id: i64,
}
#[derive(Debug, Clone, PartialEq, Copy, serde::Serialize, serde::Deserialize)]
pub struct Assignment {
    pub organization_id: i64,
    pub id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub status: crate::types::AssignmentStatus,
    pub assigned_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct AssignmentQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<Assignment, tokio_postgres::Error>,
    mapper: fn(Assignment) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> AssignmentQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(Assignment) -> R) -> AssignmentQuery<'c, 'a, 's, C, R, N> {
        AssignmentQuery {
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
pub struct AssignListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn assign_list() -> AssignListStmt {
    AssignListStmt(
        "INSERT INTO campaign_contact_assignments (organization_id, campaign_id, contact_id) SELECT c.organization_id, cp.id, c.id FROM campaigns cp JOIN contacts c ON c.organization_id = cp.organization_id AND c.contact_list_id = $1 WHERE cp.organization_id = tally_current_org() AND cp.id = $2 AND cp.deleted_at IS NULL AND c.deleted_at IS NULL AND c.validation_status = 'valid' ON CONFLICT (organization_id, campaign_id, contact_id) DO NOTHING",
        None,
    )
}
impl AssignListStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
        list: &'a i64,
        campaign_id: &'a i64,
    ) -> Result<u64, tokio_postgres::Error> {
        client.execute(self.0, &[list, campaign_id]).await
    }
}
impl<'a, C: GenericClient + Send + Sync>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        AssignListParams,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for AssignListStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a AssignListParams,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(client, &params.list, &params.campaign_id))
    }
}
pub struct AssignStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn assign() -> AssignStmt {
    AssignStmt(
        "INSERT INTO campaign_contact_assignments (organization_id, campaign_id, contact_id) VALUES (tally_current_org(), $1, $2) RETURNING *",
        None,
    )
}
impl AssignStmt {
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
        campaign_id: &'a i64,
        contact_id: &'a i64,
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 2> {
        AssignmentQuery {
            client,
            params: [campaign_id, contact_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Assignment, tokio_postgres::Error> {
                Ok(Assignment {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    campaign_id: row.try_get(2)?,
                    contact_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    assigned_at: row.try_get(5)?,
                    sent_at: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                    deleted_at: row.try_get(9)?,
                })
            },
            mapper: |it| Assignment::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        AssignParams,
        AssignmentQuery<'c, 'a, 's, C, Assignment, 2>,
        C,
    > for AssignStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a AssignParams,
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 2> {
        self.bind(client, &params.campaign_id, &params.contact_id)
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM campaign_contact_assignments WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 1> {
        AssignmentQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Assignment, tokio_postgres::Error> {
                Ok(Assignment {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    campaign_id: row.try_get(2)?,
                    contact_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    assigned_at: row.try_get(5)?,
                    sent_at: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                    deleted_at: row.try_get(9)?,
                })
            },
            mapper: |it| Assignment::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM campaign_contact_assignments WHERE organization_id = tally_current_org() AND campaign_id = $1 AND deleted_at IS NULL AND id > $2 AND ($3::assignment_status IS NULL OR status = $3) ORDER BY id LIMIT $4",
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
        campaign_id: &'a i64,
        after: &'a i64,
        status: &'a Option<crate::types::AssignmentStatus>,
        limit: &'a i64,
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 4> {
        AssignmentQuery {
            client,
            params: [campaign_id, after, status, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Assignment, tokio_postgres::Error> {
                Ok(Assignment {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    campaign_id: row.try_get(2)?,
                    contact_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    assigned_at: row.try_get(5)?,
                    sent_at: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                    deleted_at: row.try_get(9)?,
                })
            },
            mapper: |it| Assignment::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        AssignmentQuery<'c, 'a, 's, C, Assignment, 4>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 4> {
        self.bind(
            client,
            &params.campaign_id,
            &params.after,
            &params.status,
            &params.limit,
        )
    }
}
pub struct MarkStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn mark() -> MarkStmt {
    MarkStmt(
        "UPDATE campaign_contact_assignments SET status = $1, sent_at = $2 WHERE organization_id = tally_current_org() AND id = $3 AND deleted_at IS NULL RETURNING *",
        None,
    )
}
impl MarkStmt {
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
        status: &'a crate::types::AssignmentStatus,
        sent_at: &'a Option<chrono::DateTime<chrono::Utc>>,
        id: &'a i64,
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 3> {
        AssignmentQuery {
            client,
            params: [status, sent_at, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Assignment, tokio_postgres::Error> {
                Ok(Assignment {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    campaign_id: row.try_get(2)?,
                    contact_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    assigned_at: row.try_get(5)?,
                    sent_at: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                    deleted_at: row.try_get(9)?,
                })
            },
            mapper: |it| Assignment::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        MarkParams,
        AssignmentQuery<'c, 'a, 's, C, Assignment, 3>,
        C,
    > for MarkStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a MarkParams,
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 3> {
        self.bind(client, &params.status, &params.sent_at, &params.id)
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE campaign_contact_assignments SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
        None,
    )
}
impl SoftDeleteStmt {
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
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 1> {
        AssignmentQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Assignment, tokio_postgres::Error> {
                Ok(Assignment {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    campaign_id: row.try_get(2)?,
                    contact_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    assigned_at: row.try_get(5)?,
                    sent_at: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                    deleted_at: row.try_get(9)?,
                })
            },
            mapper: |it| Assignment::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE campaign_contact_assignments SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
        None,
    )
}
impl RestoreStmt {
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
    ) -> AssignmentQuery<'c, 'a, 's, C, Assignment, 1> {
        AssignmentQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<Assignment, tokio_postgres::Error> {
                Ok(Assignment {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    campaign_id: row.try_get(2)?,
                    contact_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    assigned_at: row.try_get(5)?,
                    sent_at: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                    deleted_at: row.try_get(9)?,
                })
            },
            mapper: |it| Assignment::from(it),
        }
    }
}
