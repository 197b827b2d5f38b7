// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<T1: crate::StringSql> {
    pub contact_id: Option<i64>,
    pub subject_email: T1,
    pub request_type: crate::types::GdprRequestType,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub status: Option<crate::types::GdprRequestStatus>,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GdprRequest {
    pub organization_id: i64,
    pub id: i64,
    pub contact_id: Option<i64>,
    pub subject_email: String,
    pub request_type: crate::types::GdprRequestType,
    pub status: crate::types::GdprRequestStatus,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub result_location: Option<String>,
    pub error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
pub struct GdprRequestBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub contact_id: Option<i64>,
    pub subject_email: &'a str,
    pub request_type: crate::types::GdprRequestType,
    pub status: crate::types::GdprRequestStatus,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub result_location: Option<&'a str>,
    pub error: Option<&'a str>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
impl<'a> From<GdprRequestBorrowed<'a>> for GdprRequest {
    fn from(
        GdprRequestBorrowed {
            organization_id,
            id,
            contact_id,
            subject_email,
            request_type,
            status,
            requested_at,
            completed_at,
            result_location,
            error,
            created_at,
            updated_at,
        }: GdprRequestBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            contact_id,
            subject_email: subject_email.into(),
            request_type,
            status,
            requested_at,
            completed_at,
            result_location: result_location.map(|v| v.into()),
            error: error.map(|v| v.into()),
            created_at,
            updated_at,
        }
    }
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataDeletion {
    pub organization_id: i64,
    pub id: i64,
    pub gdpr_request_id: i64,
    pub table_name: String,
    pub rows_deleted: i64,
    pub deleted_at: chrono::DateTime<chrono::Utc>,
}
pub struct DataDeletionBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub gdpr_request_id: i64,
    pub table_name: &'a str,
    pub rows_deleted: i64,
    pub deleted_at: chrono::DateTime<chrono::Utc>,
}
impl<'a> From<DataDeletionBorrowed<'a>> for DataDeletion {
    fn from(
        DataDeletionBorrowed {
            organization_id,
            id,
            gdpr_request_id,
            table_name,
            rows_deleted,
            deleted_at,
        }: DataDeletionBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            gdpr_request_id,
            table_name: table_name.into(),
            rows_deleted,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct GdprRequestQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<GdprRequestBorrowed, tokio_postgres::Error>,
    mapper: fn(GdprRequestBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> GdprRequestQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(GdprRequestBorrowed) -> R,
    ) -> GdprRequestQuery<'c, 'a, 's, C, R, N> {
        GdprRequestQuery {
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
pub struct DataDeletionQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<DataDeletionBorrowed, tokio_postgres::Error>,
    mapper: fn(DataDeletionBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> DataDeletionQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(DataDeletionBorrowed) -> R,
    ) -> DataDeletionQuery<'c, 'a, 's, C, R, N> {
        DataDeletionQuery {
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
        "INSERT INTO gdpr_requests (organization_id, contact_id, subject_email, request_type) VALUES (tally_current_org(), $1, $2::text, $3) RETURNING *",
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
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        contact_id: &'a Option<i64>,
        subject_email: &'a T1,
        request_type: &'a crate::types::GdprRequestType,
    ) -> GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 3> {
        GdprRequestQuery {
            client,
            params: [contact_id, subject_email, request_type],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<GdprRequestBorrowed, tokio_postgres::Error> {
                    Ok(GdprRequestBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_id: row.try_get(2)?,
                        subject_email: row.try_get(3)?,
                        request_type: row.try_get(4)?,
                        status: row.try_get(5)?,
                        requested_at: row.try_get(6)?,
                        completed_at: row.try_get(7)?,
                        result_location: row.try_get(8)?,
                        error: row.try_get(9)?,
                        created_at: row.try_get(10)?,
                        updated_at: row.try_get(11)?,
                    })
                },
            mapper: |it| GdprRequest::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1>,
        GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 3>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1>,
    ) -> GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 3> {
        self.bind(
            client,
            &params.contact_id,
            &params.subject_email,
            &params.request_type,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM gdpr_requests WHERE organization_id = tally_current_org() AND id = $1",
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
    ) -> GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 1> {
        GdprRequestQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<GdprRequestBorrowed, tokio_postgres::Error> {
                    Ok(GdprRequestBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_id: row.try_get(2)?,
                        subject_email: row.try_get(3)?,
                        request_type: row.try_get(4)?,
                        status: row.try_get(5)?,
                        requested_at: row.try_get(6)?,
                        completed_at: row.try_get(7)?,
                        result_location: row.try_get(8)?,
                        error: row.try_get(9)?,
                        created_at: row.try_get(10)?,
                        updated_at: row.try_get(11)?,
                    })
                },
            mapper: |it| GdprRequest::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM gdpr_requests WHERE organization_id = tally_current_org() AND id > $1 AND ($2::gdpr_request_status IS NULL OR status = $2) ORDER BY id LIMIT $3",
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
        status: &'a Option<crate::types::GdprRequestStatus>,
        limit: &'a i64,
    ) -> GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 3> {
        GdprRequestQuery {
            client,
            params: [after, status, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<GdprRequestBorrowed, tokio_postgres::Error> {
                    Ok(GdprRequestBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_id: row.try_get(2)?,
                        subject_email: row.try_get(3)?,
                        request_type: row.try_get(4)?,
                        status: row.try_get(5)?,
                        requested_at: row.try_get(6)?,
                        completed_at: row.try_get(7)?,
                        result_location: row.try_get(8)?,
                        error: row.try_get(9)?,
                        created_at: row.try_get(10)?,
                        updated_at: row.try_get(11)?,
                    })
                },
            mapper: |it| GdprRequest::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 3>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> GdprRequestQuery<'c, 'a, 's, C, GdprRequest, 3> {
        self.bind(client, &params.after, &params.status, &params.limit)
    }
}
pub struct DeletionsStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn deletions() -> DeletionsStmt {
    DeletionsStmt(
        "SELECT * FROM data_deletions WHERE organization_id = tally_current_org() AND gdpr_request_id = $1 ORDER BY id",
        None,
    )
}
impl DeletionsStmt {
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
        gdpr_request_id: &'a i64,
    ) -> DataDeletionQuery<'c, 'a, 's, C, DataDeletion, 1> {
        DataDeletionQuery {
            client,
            params: [gdpr_request_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<DataDeletionBorrowed, tokio_postgres::Error> {
                    Ok(DataDeletionBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        gdpr_request_id: row.try_get(2)?,
                        table_name: row.try_get(3)?,
                        rows_deleted: row.try_get(4)?,
                        deleted_at: row.try_get(5)?,
                    })
                },
            mapper: |it| DataDeletion::from(it),
        }
    }
}
