// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<T1: crate::JsonSql, T2: crate::StringSql> {
    pub form_id: i64,
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub response_data: T1,
    pub ip_address: Option<std::net::IpAddr>,
    pub user_agent: Option<T2>,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub form: Option<i64>,
    pub campaign: Option<i64>,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormResponse {
    pub organization_id: i64,
    pub id: i64,
    pub form_id: i64,
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub response_data: serde_json::Value,
    pub ip_address: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct FormResponseBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub form_id: i64,
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub response_data: postgres_types::Json<&'a serde_json::value::RawValue>,
    pub ip_address: Option<std::net::IpAddr>,
    pub user_agent: Option<&'a str>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<FormResponseBorrowed<'a>> for FormResponse {
    fn from(
        FormResponseBorrowed {
            organization_id,
            id,
            form_id,
            campaign_id,
            contact_id,
            lead_id,
            response_data,
            ip_address,
            user_agent,
            submitted_at,
            deleted_at,
        }: FormResponseBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            form_id,
            campaign_id,
            contact_id,
            lead_id,
            response_data: serde_json::from_str(response_data.0.get()).unwrap(),
            ip_address,
            user_agent: user_agent.map(|v| v.into()),
            submitted_at,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct FormResponseQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<FormResponseBorrowed, tokio_postgres::Error>,
    mapper: fn(FormResponseBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> FormResponseQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(FormResponseBorrowed) -> R,
    ) -> FormResponseQuery<'c, 'a, 's, C, R, N> {
        FormResponseQuery {
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
        "INSERT INTO form_responses (organization_id, form_id, campaign_id, contact_id, lead_id, response_data, ip_address, user_agent) VALUES (tally_current_org(), $1, $2, $3, $4, $5, $6, $7) RETURNING *",
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
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::JsonSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        form_id: &'a i64,
        campaign_id: &'a Option<i64>,
        contact_id: &'a Option<i64>,
        lead_id: &'a Option<i64>,
        response_data: &'a T1,
        ip_address: &'a Option<std::net::IpAddr>,
        user_agent: &'a Option<T2>,
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 7> {
        FormResponseQuery {
            client,
            params: [
                form_id,
                campaign_id,
                contact_id,
                lead_id,
                response_data,
                ip_address,
                user_agent,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormResponseBorrowed, tokio_postgres::Error> {
                    Ok(FormResponseBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        campaign_id: row.try_get(3)?,
                        contact_id: row.try_get(4)?,
                        lead_id: row.try_get(5)?,
                        response_data: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        submitted_at: row.try_get(9)?,
                        deleted_at: row.try_get(10)?,
                    })
                },
            mapper: |it| FormResponse::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::JsonSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1, T2>,
        FormResponseQuery<'c, 'a, 's, C, FormResponse, 7>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2>,
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 7> {
        self.bind(
            client,
            &params.form_id,
            &params.campaign_id,
            &params.contact_id,
            &params.lead_id,
            &params.response_data,
            &params.ip_address,
            &params.user_agent,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM form_responses WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 1> {
        FormResponseQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormResponseBorrowed, tokio_postgres::Error> {
                    Ok(FormResponseBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        campaign_id: row.try_get(3)?,
                        contact_id: row.try_get(4)?,
                        lead_id: row.try_get(5)?,
                        response_data: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        submitted_at: row.try_get(9)?,
                        deleted_at: row.try_get(10)?,
                    })
                },
            mapper: |it| FormResponse::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM form_responses WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > $1 AND ($2::bigint IS NULL OR form_id = $2) AND ($3::bigint IS NULL OR campaign_id = $3) ORDER BY id LIMIT $4",
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
        form: &'a Option<i64>,
        campaign: &'a Option<i64>,
        limit: &'a i64,
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 4> {
        FormResponseQuery {
            client,
            params: [after, form, campaign, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormResponseBorrowed, tokio_postgres::Error> {
                    Ok(FormResponseBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        campaign_id: row.try_get(3)?,
                        contact_id: row.try_get(4)?,
                        lead_id: row.try_get(5)?,
                        response_data: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        submitted_at: row.try_get(9)?,
                        deleted_at: row.try_get(10)?,
                    })
                },
            mapper: |it| FormResponse::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        FormResponseQuery<'c, 'a, 's, C, FormResponse, 4>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 4> {
        self.bind(
            client,
            &params.after,
            &params.form,
            &params.campaign,
            &params.limit,
        )
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE form_responses SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
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
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 1> {
        FormResponseQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormResponseBorrowed, tokio_postgres::Error> {
                    Ok(FormResponseBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        campaign_id: row.try_get(3)?,
                        contact_id: row.try_get(4)?,
                        lead_id: row.try_get(5)?,
                        response_data: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        submitted_at: row.try_get(9)?,
                        deleted_at: row.try_get(10)?,
                    })
                },
            mapper: |it| FormResponse::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE form_responses SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
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
    ) -> FormResponseQuery<'c, 'a, 's, C, FormResponse, 1> {
        FormResponseQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormResponseBorrowed, tokio_postgres::Error> {
                    Ok(FormResponseBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        campaign_id: row.try_get(3)?,
                        contact_id: row.try_get(4)?,
                        lead_id: row.try_get(5)?,
                        response_data: row.try_get(6)?,
                        ip_address: row.try_get(7)?,
                        user_agent: row.try_get(8)?,
                        submitted_at: row.try_get(9)?,
                        deleted_at: row.try_get(10)?,
                    })
                },
            mapper: |it| FormResponse::from(it),
        }
    }
}
