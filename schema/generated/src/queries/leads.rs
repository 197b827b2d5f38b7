// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<T1: crate::StringSql> {
    pub contact_id: i64,
    pub campaign_id: Option<i64>,
    pub form_id: Option<i64>,
    pub score: i32,
    pub notes: Option<T1>,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub status: Option<crate::types::LeadStatus>,
    pub campaign: Option<i64>,
    pub limit: i64,
}
#[derive(Debug)]
pub struct UpdateParams<T1: crate::StringSql> {
    pub score: i32,
    pub notes: Option<T1>,
    pub id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct MoveToParams {
    pub status: crate::types::LeadStatus,
    pub id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct GetForParams {
    pub contact_id: i64,
    pub campaign_id: Option<i64>,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lead {
    pub organization_id: i64,
    pub id: i64,
    pub contact_id: i64,
    pub campaign_id: Option<i64>,
    pub form_id: Option<i64>,
    pub status: crate::types::LeadStatus,
    pub score: i32,
    pub notes: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct LeadBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub contact_id: i64,
    pub campaign_id: Option<i64>,
    pub form_id: Option<i64>,
    pub status: crate::types::LeadStatus,
    pub score: i32,
    pub notes: Option<&'a str>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<LeadBorrowed<'a>> for Lead {
    fn from(
        LeadBorrowed {
            organization_id,
            id,
            contact_id,
            campaign_id,
            form_id,
            status,
            score,
            notes,
            created_at,
            updated_at,
            deleted_at,
        }: LeadBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            contact_id,
            campaign_id,
            form_id,
            status,
            score,
            notes: notes.map(|v| v.into()),
            created_at,
            updated_at,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct LeadQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<LeadBorrowed, tokio_postgres::Error>,
    mapper: fn(LeadBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> LeadQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(LeadBorrowed) -> R) -> LeadQuery<'c, 'a, 's, C, R, N> {
        LeadQuery {
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
        "INSERT INTO leads (organization_id, contact_id, campaign_id, form_id, score, notes) VALUES (tally_current_org(), $1, $2, $3, $4, $5) RETURNING *",
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
        contact_id: &'a i64,
        campaign_id: &'a Option<i64>,
        form_id: &'a Option<i64>,
        score: &'a i32,
        notes: &'a Option<T1>,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 5> {
        LeadQuery {
            client,
            params: [contact_id, campaign_id, form_id, score, notes],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1>,
        LeadQuery<'c, 'a, 's, C, Lead, 5>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1>,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 5> {
        self.bind(
            client,
            &params.contact_id,
            &params.campaign_id,
            &params.form_id,
            &params.score,
            &params.notes,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM leads WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 1> {
        LeadQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM leads WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > $1 AND ($2::lead_status IS NULL OR status = $2) AND ($3::bigint IS NULL OR campaign_id = $3) ORDER BY id LIMIT $4",
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
        status: &'a Option<crate::types::LeadStatus>,
        campaign: &'a Option<i64>,
        limit: &'a i64,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 4> {
        LeadQuery {
            client,
            params: [after, status, campaign, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<'c, 'a, 's, ListParams, LeadQuery<'c, 'a, 's, C, Lead, 4>, C>
    for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 4> {
        self.bind(
            client,
            &params.after,
            &params.status,
            &params.campaign,
            &params.limit,
        )
    }
}
pub struct UpdateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn update() -> UpdateStmt {
    UpdateStmt(
        "UPDATE leads SET score = $1, notes = $2 WHERE organization_id = tally_current_org() AND id = $3 AND deleted_at IS NULL RETURNING *",
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
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        score: &'a i32,
        notes: &'a Option<T1>,
        id: &'a i64,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 3> {
        LeadQuery {
            client,
            params: [score, notes, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpdateParams<T1>,
        LeadQuery<'c, 'a, 's, C, Lead, 3>,
        C,
    > for UpdateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpdateParams<T1>,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 3> {
        self.bind(client, &params.score, &params.notes, &params.id)
    }
}
pub struct MoveToStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn move_to() -> MoveToStmt {
    MoveToStmt(
        "UPDATE leads SET status = $1 WHERE organization_id = tally_current_org() AND id = $2 AND deleted_at IS NULL RETURNING *",
        None,
    )
}
impl MoveToStmt {
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
        status: &'a crate::types::LeadStatus,
        id: &'a i64,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 2> {
        LeadQuery {
            client,
            params: [status, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<'c, 'a, 's, MoveToParams, LeadQuery<'c, 'a, 's, C, Lead, 2>, C>
    for MoveToStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a MoveToParams,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 2> {
        self.bind(client, &params.status, &params.id)
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE leads SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
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
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 1> {
        LeadQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE leads SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
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
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 1> {
        LeadQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
pub struct GetForStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get_for() -> GetForStmt {
    GetForStmt(
        "SELECT * FROM leads WHERE organization_id = tally_current_org() AND contact_id = $1 AND campaign_id IS NOT DISTINCT FROM $2 AND deleted_at IS NULL ORDER BY id LIMIT 1",
        None,
    )
}
impl GetForStmt {
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
        contact_id: &'a i64,
        campaign_id: &'a Option<i64>,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 2> {
        LeadQuery {
            client,
            params: [contact_id, campaign_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<LeadBorrowed, tokio_postgres::Error> {
                Ok(LeadBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    contact_id: row.try_get(2)?,
                    campaign_id: row.try_get(3)?,
                    form_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                    score: row.try_get(6)?,
                    notes: row.try_get(7)?,
                    created_at: row.try_get(8)?,
                    updated_at: row.try_get(9)?,
                    deleted_at: row.try_get(10)?,
                })
            },
            mapper: |it| Lead::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<'c, 'a, 's, GetForParams, LeadQuery<'c, 'a, 's, C, Lead, 2>, C>
    for GetForStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetForParams,
    ) -> LeadQuery<'c, 'a, 's, C, Lead, 2> {
        self.bind(client, &params.contact_id, &params.campaign_id)
    }
}
