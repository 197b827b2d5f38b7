// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub email_template_id: Option<i64>,
    pub form_id: Option<i64>,
    pub contact_list_id: Option<i64>,
    pub landing_page_slug: Option<T2>,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub status: Option<crate::types::CampaignStatus>,
    pub limit: i64,
}
#[derive(Debug)]
pub struct UpdateParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub email_template_id: Option<i64>,
    pub form_id: Option<i64>,
    pub contact_list_id: Option<i64>,
    pub landing_page_slug: Option<T2>,
    pub id: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct MoveToParams {
    pub status: crate::types::CampaignStatus,
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub id: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Campaign {
    pub organization_id: i64,
    pub id: i64,
    pub name: String,
    pub status: crate::types::CampaignStatus,
    pub email_template_id: Option<i64>,
    pub form_id: Option<i64>,
    pub contact_list_id: Option<i64>,
    pub landing_page_slug: Option<String>,
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct CampaignBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub name: &'a str,
    pub status: crate::types::CampaignStatus,
    pub email_template_id: Option<i64>,
    pub form_id: Option<i64>,
    pub contact_list_id: Option<i64>,
    pub landing_page_slug: Option<&'a str>,
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<CampaignBorrowed<'a>> for Campaign {
    fn from(
        CampaignBorrowed {
            organization_id,
            id,
            name,
            status,
            email_template_id,
            form_id,
            contact_list_id,
            landing_page_slug,
            scheduled_at,
            started_at,
            completed_at,
            created_at,
            updated_at,
            deleted_at,
        }: CampaignBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            name: name.into(),
            status,
            email_template_id,
            form_id,
            contact_list_id,
            landing_page_slug: landing_page_slug.map(|v| v.into()),
            scheduled_at,
            started_at,
            completed_at,
            created_at,
            updated_at,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct CampaignQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<CampaignBorrowed, tokio_postgres::Error>,
    mapper: fn(CampaignBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> CampaignQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(CampaignBorrowed) -> R) -> CampaignQuery<'c, 'a, 's, C, R, N> {
        CampaignQuery {
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
        "INSERT INTO campaigns (organization_id, name, email_template_id, form_id, contact_list_id, landing_page_slug) VALUES (tally_current_org(), $1, $2, $3, $4, $5) RETURNING *",
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
        email_template_id: &'a Option<i64>,
        form_id: &'a Option<i64>,
        contact_list_id: &'a Option<i64>,
        landing_page_slug: &'a Option<T2>,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 5> {
        CampaignQuery {
            client,
            params: [
                name,
                email_template_id,
                form_id,
                contact_list_id,
                landing_page_slug,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1, T2>,
        CampaignQuery<'c, 'a, 's, C, Campaign, 5>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2>,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 5> {
        self.bind(
            client,
            &params.name,
            &params.email_template_id,
            &params.form_id,
            &params.contact_list_id,
            &params.landing_page_slug,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM campaigns WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 1> {
        CampaignQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
pub struct GetBySlugStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get_by_slug() -> GetBySlugStmt {
    GetBySlugStmt(
        "SELECT * FROM campaigns WHERE organization_id = tally_current_org() AND landing_page_slug = $1 AND deleted_at IS NULL",
        None,
    )
}
impl GetBySlugStmt {
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
        slug: &'a T1,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 1> {
        CampaignQuery {
            client,
            params: [slug],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM campaigns WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > $1 AND ($2::campaign_status IS NULL OR status = $2) ORDER BY id LIMIT $3",
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
        status: &'a Option<crate::types::CampaignStatus>,
        limit: &'a i64,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 3> {
        CampaignQuery {
            client,
            params: [after, status, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        CampaignQuery<'c, 'a, 's, C, Campaign, 3>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 3> {
        self.bind(client, &params.after, &params.status, &params.limit)
    }
}
pub struct UpdateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn update() -> UpdateStmt {
    UpdateStmt(
        "UPDATE campaigns SET name = $1, email_template_id = $2, form_id = $3, contact_list_id = $4, landing_page_slug = $5 WHERE organization_id = tally_current_org() AND id = $6 AND deleted_at IS NULL RETURNING *",
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
        email_template_id: &'a Option<i64>,
        form_id: &'a Option<i64>,
        contact_list_id: &'a Option<i64>,
        landing_page_slug: &'a Option<T2>,
        id: &'a i64,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 6> {
        CampaignQuery {
            client,
            params: [
                name,
                email_template_id,
                form_id,
                contact_list_id,
                landing_page_slug,
                id,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpdateParams<T1, T2>,
        CampaignQuery<'c, 'a, 's, C, Campaign, 6>,
        C,
    > for UpdateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpdateParams<T1, T2>,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 6> {
        self.bind(
            client,
            &params.name,
            &params.email_template_id,
            &params.form_id,
            &params.contact_list_id,
            &params.landing_page_slug,
            &params.id,
        )
    }
}
pub struct MoveToStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn move_to() -> MoveToStmt {
    MoveToStmt(
        "UPDATE campaigns SET status = $1, scheduled_at = CASE WHEN $1::campaign_status = 'scheduled' THEN coalesce($2, scheduled_at) ELSE scheduled_at END WHERE organization_id = tally_current_org() AND id = $3 AND deleted_at IS NULL RETURNING *",
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
        status: &'a crate::types::CampaignStatus,
        scheduled_at: &'a Option<chrono::DateTime<chrono::Utc>>,
        id: &'a i64,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 3> {
        CampaignQuery {
            client,
            params: [status, scheduled_at, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        MoveToParams,
        CampaignQuery<'c, 'a, 's, C, Campaign, 3>,
        C,
    > for MoveToStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a MoveToParams,
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 3> {
        self.bind(client, &params.status, &params.scheduled_at, &params.id)
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE campaigns SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
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
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 1> {
        CampaignQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE campaigns SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
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
    ) -> CampaignQuery<'c, 'a, 's, C, Campaign, 1> {
        CampaignQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<CampaignBorrowed, tokio_postgres::Error> {
                    Ok(CampaignBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        status: row.try_get(3)?,
                        email_template_id: row.try_get(4)?,
                        form_id: row.try_get(5)?,
                        contact_list_id: row.try_get(6)?,
                        landing_page_slug: row.try_get(7)?,
                        scheduled_at: row.try_get(8)?,
                        started_at: row.try_get(9)?,
                        completed_at: row.try_get(10)?,
                        created_at: row.try_get(11)?,
                        updated_at: row.try_get(12)?,
                        deleted_at: row.try_get(13)?,
                    })
                },
            mapper: |it| Campaign::from(it),
        }
    }
}
