// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::StringSql,
> {
    pub name: T1,
    pub subject: T2,
    pub body_html: T3,
    pub body_text: Option<T4>,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmailTemplate {
    pub organization_id: i64,
    pub id: i64,
    pub name: String,
    pub version: i32,
    pub subject: String,
    pub body_html: String,
    pub body_text: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct EmailTemplateBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub name: &'a str,
    pub version: i32,
    pub subject: &'a str,
    pub body_html: &'a str,
    pub body_text: Option<&'a str>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<EmailTemplateBorrowed<'a>> for EmailTemplate {
    fn from(
        EmailTemplateBorrowed {
            organization_id,
            id,
            name,
            version,
            subject,
            body_html,
            body_text,
            created_at,
            updated_at,
            deleted_at,
        }: EmailTemplateBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            name: name.into(),
            version,
            subject: subject.into(),
            body_html: body_html.into(),
            body_text: body_text.map(|v| v.into()),
            created_at,
            updated_at,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct EmailTemplateQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EmailTemplateBorrowed, tokio_postgres::Error>,
    mapper: fn(EmailTemplateBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EmailTemplateQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(EmailTemplateBorrowed) -> R,
    ) -> EmailTemplateQuery<'c, 'a, 's, C, R, N> {
        EmailTemplateQuery {
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
        "INSERT INTO email_templates (organization_id, name, version, subject, body_html, body_text) SELECT tally_current_org(), $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM email_templates WHERE organization_id = tally_current_org() AND name = $1 RETURNING *",
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
    pub fn bind<
        'c,
        'a,
        's,
        C: GenericClient,
        T1: crate::StringSql,
        T2: crate::StringSql,
        T3: crate::StringSql,
        T4: crate::StringSql,
    >(
        &'s self,
        client: &'c C,
        name: &'a T1,
        subject: &'a T2,
        body_html: &'a T3,
        body_text: &'a Option<T4>,
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 4> {
        EmailTemplateQuery {
            client,
            params: [name, subject, body_html, body_text],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmailTemplateBorrowed, tokio_postgres::Error> {
                    Ok(EmailTemplateBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        version: row.try_get(3)?,
                        subject: row.try_get(4)?,
                        body_html: row.try_get(5)?,
                        body_text: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                        deleted_at: row.try_get(9)?,
                    })
                },
            mapper: |it| EmailTemplate::from(it),
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
        T3: crate::StringSql,
        T4: crate::StringSql,
    >
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1, T2, T3, T4>,
        EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 4>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2, T3, T4>,
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 4> {
        self.bind(
            client,
            &params.name,
            &params.subject,
            &params.body_html,
            &params.body_text,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM email_templates WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 1> {
        EmailTemplateQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmailTemplateBorrowed, tokio_postgres::Error> {
                    Ok(EmailTemplateBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        version: row.try_get(3)?,
                        subject: row.try_get(4)?,
                        body_html: row.try_get(5)?,
                        body_text: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                        deleted_at: row.try_get(9)?,
                    })
                },
            mapper: |it| EmailTemplate::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM email_templates WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
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
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 2> {
        EmailTemplateQuery {
            client,
            params: [after, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmailTemplateBorrowed, tokio_postgres::Error> {
                    Ok(EmailTemplateBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        version: row.try_get(3)?,
                        subject: row.try_get(4)?,
                        body_html: row.try_get(5)?,
                        body_text: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                        deleted_at: row.try_get(9)?,
                    })
                },
            mapper: |it| EmailTemplate::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 2>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 2> {
        self.bind(client, &params.after, &params.limit)
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE email_templates SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
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
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 1> {
        EmailTemplateQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmailTemplateBorrowed, tokio_postgres::Error> {
                    Ok(EmailTemplateBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        version: row.try_get(3)?,
                        subject: row.try_get(4)?,
                        body_html: row.try_get(5)?,
                        body_text: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                        deleted_at: row.try_get(9)?,
                    })
                },
            mapper: |it| EmailTemplate::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE email_templates SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
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
    ) -> EmailTemplateQuery<'c, 'a, 's, C, EmailTemplate, 1> {
        EmailTemplateQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmailTemplateBorrowed, tokio_postgres::Error> {
                    Ok(EmailTemplateBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        name: row.try_get(2)?,
                        version: row.try_get(3)?,
                        subject: row.try_get(4)?,
                        body_html: row.try_get(5)?,
                        body_text: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                        deleted_at: row.try_get(9)?,
                    })
                },
            mapper: |it| EmailTemplate::from(it),
        }
    }
}
