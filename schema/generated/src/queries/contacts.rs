// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::StringSql,
    T5: crate::JsonSql,
> {
    pub contact_list_id: i64,
    pub email: T1,
    pub first_name: Option<T2>,
    pub last_name: Option<T3>,
    pub phone: Option<T4>,
    pub attributes: T5,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub list: Option<i64>,
    pub status: Option<crate::types::ValidationStatus>,
    pub limit: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct ListCreatedParams {
    pub after_created_at: chrono::DateTime<chrono::Utc>,
    pub after: i64,
    pub created_before: Option<chrono::DateTime<chrono::Utc>>,
    pub limit: i64,
}
#[derive(Debug)]
pub struct UpdateParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::StringSql,
    T5: crate::JsonSql,
> {
    pub email: T1,
    pub first_name: Option<T2>,
    pub last_name: Option<T3>,
    pub phone: Option<T4>,
    pub attributes: T5,
    pub id: i64,
}
#[derive(Debug)]
pub struct GetByEmailParams<T1: crate::StringSql> {
    pub list: i64,
    pub email: T1,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    pub organization_id: i64,
    pub id: i64,
    pub contact_list_id: i64,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub validation_status: crate::types::ValidationStatus,
    pub validation_details: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attributes: serde_json::Value,
}
pub struct ContactBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub contact_list_id: i64,
    pub email: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub validation_status: crate::types::ValidationStatus,
    pub validation_details: postgres_types::Json<&'a serde_json::value::RawValue>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attributes: postgres_types::Json<&'a serde_json::value::RawValue>,
}
impl<'a> From<ContactBorrowed<'a>> for Contact {
    fn from(
        ContactBorrowed {
            organization_id,
            id,
            contact_list_id,
            email,
            first_name,
            last_name,
            phone,
            validation_status,
            validation_details,
            created_at,
            updated_at,
            deleted_at,
            attributes,
        }: ContactBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            contact_list_id,
            email: email.into(),
            first_name: first_name.map(|v| v.into()),
            last_name: last_name.map(|v| v.into()),
            phone: phone.map(|v| v.into()),
            validation_status,
            validation_details: serde_json::from_str(validation_details.0.get()).unwrap(),
            created_at,
            updated_at,
            deleted_at,
            attributes: serde_json::from_str(attributes.0.get()).unwrap(),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct ContactQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ContactBorrowed, tokio_postgres::Error>,
    mapper: fn(ContactBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ContactQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(ContactBorrowed) -> R) -> ContactQuery<'c, 'a, 's, C, R, N> {
        ContactQuery {
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
        "INSERT INTO contacts (organization_id, contact_list_id, email, first_name, last_name, phone, attributes) VALUES (tally_current_org(), $1, $2::text, $3, $4, $5, $6) RETURNING *",
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
        T5: crate::JsonSql,
    >(
        &'s self,
        client: &'c C,
        contact_list_id: &'a i64,
        email: &'a T1,
        first_name: &'a Option<T2>,
        last_name: &'a Option<T3>,
        phone: &'a Option<T4>,
        attributes: &'a T5,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 6> {
        ContactQuery {
            client,
            params: [
                contact_list_id,
                email,
                first_name,
                last_name,
                phone,
                attributes,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
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
        T5: crate::JsonSql,
    >
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1, T2, T3, T4, T5>,
        ContactQuery<'c, 'a, 's, C, Contact, 6>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2, T3, T4, T5>,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 6> {
        self.bind(
            client,
            &params.contact_list_id,
            &params.email,
            &params.first_name,
            &params.last_name,
            &params.phone,
            &params.attributes,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM contacts WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 1> {
        ContactQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM contacts WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > $1 AND ($2::bigint IS NULL OR contact_list_id = $2) AND ($3::validation_status IS NULL OR validation_status = $3) ORDER BY id LIMIT $4",
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
        list: &'a Option<i64>,
        status: &'a Option<crate::types::ValidationStatus>,
        limit: &'a i64,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 4> {
        ContactQuery {
            client,
            params: [after, list, status, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        ContactQuery<'c, 'a, 's, C, Contact, 4>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 4> {
        self.bind(
            client,
            &params.after,
            &params.list,
            &params.status,
            &params.limit,
        )
    }
}
pub struct ListCreatedStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list_created() -> ListCreatedStmt {
    ListCreatedStmt(
        "SELECT * FROM contacts WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND (created_at, id) > ($1, $2) AND ($3::timestamptz IS NULL OR created_at < $3) ORDER BY created_at, id LIMIT $4",
        None,
    )
}
impl ListCreatedStmt {
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
        after_created_at: &'a chrono::DateTime<chrono::Utc>,
        after: &'a i64,
        created_before: &'a Option<chrono::DateTime<chrono::Utc>>,
        limit: &'a i64,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 4> {
        ContactQuery {
            client,
            params: [after_created_at, after, created_before, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListCreatedParams,
        ContactQuery<'c, 'a, 's, C, Contact, 4>,
        C,
    > for ListCreatedStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListCreatedParams,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 4> {
        self.bind(
            client,
            &params.after_created_at,
            &params.after,
            &params.created_before,
            &params.limit,
        )
    }
}
pub struct UpdateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn update() -> UpdateStmt {
    UpdateStmt(
        "UPDATE contacts SET email = $1::text, first_name = $2, last_name = $3, phone = $4, attributes = $5 WHERE organization_id = tally_current_org() AND id = $6 AND deleted_at IS NULL RETURNING *",
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
    pub fn bind<
        'c,
        'a,
        's,
        C: GenericClient,
        T1: crate::StringSql,
        T2: crate::StringSql,
        T3: crate::StringSql,
        T4: crate::StringSql,
        T5: crate::JsonSql,
    >(
        &'s self,
        client: &'c C,
        email: &'a T1,
        first_name: &'a Option<T2>,
        last_name: &'a Option<T3>,
        phone: &'a Option<T4>,
        attributes: &'a T5,
        id: &'a i64,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 6> {
        ContactQuery {
            client,
            params: [email, first_name, last_name, phone, attributes, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
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
        T5: crate::JsonSql,
    >
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpdateParams<T1, T2, T3, T4, T5>,
        ContactQuery<'c, 'a, 's, C, Contact, 6>,
        C,
    > for UpdateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpdateParams<T1, T2, T3, T4, T5>,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 6> {
        self.bind(
            client,
            &params.email,
            &params.first_name,
            &params.last_name,
            &params.phone,
            &params.attributes,
            &params.id,
        )
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE contacts SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
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
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 1> {
        ContactQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE contacts SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
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
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 1> {
        ContactQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
        }
    }
}
pub struct GetByEmailStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get_by_email() -> GetByEmailStmt {
    GetByEmailStmt("SELECT * FROM tally_contact_by_email($1, $2::text)", None)
}
impl GetByEmailStmt {
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
        list: &'a i64,
        email: &'a T1,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 2> {
        ContactQuery {
            client,
            params: [list, email],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ContactBorrowed, tokio_postgres::Error> {
                    Ok(ContactBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_list_id: row.try_get(2)?,
                        email: row.try_get(3)?,
                        first_name: row.try_get(4)?,
                        last_name: row.try_get(5)?,
                        phone: row.try_get(6)?,
                        validation_status: row.try_get(7)?,
                        validation_details: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                        attributes: row.try_get(12)?,
                    })
                },
            mapper: |it| Contact::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetByEmailParams<T1>,
        ContactQuery<'c, 'a, 's, C, Contact, 2>,
        C,
    > for GetByEmailStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetByEmailParams<T1>,
    ) -> ContactQuery<'c, 'a, 's, C, Contact, 2> {
        self.bind(client, &params.list, &params.email)
    }
}
