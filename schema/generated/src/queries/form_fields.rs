// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::JsonSql,
> {
    pub form_id: i64,
    pub field_key: T1,
    pub label: T2,
    pub field_type: T3,
    pub required: bool,
    pub position: i32,
    pub options: Option<T4>,
}
#[derive(Debug)]
pub struct UpdateParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::JsonSql> {
    pub label: T1,
    pub field_type: T2,
    pub required: bool,
    pub position: i32,
    pub options: Option<T3>,
    pub id: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormField {
    pub organization_id: i64,
    pub id: i64,
    pub form_id: i64,
    pub field_key: String,
    pub label: String,
    pub field_type: String,
    pub required: bool,
    pub position: i32,
    pub options: Option<serde_json::Value>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
pub struct FormFieldBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub form_id: i64,
    pub field_key: &'a str,
    pub label: &'a str,
    pub field_type: &'a str,
    pub required: bool,
    pub position: i32,
    pub options: Option<postgres_types::Json<&'a serde_json::value::RawValue>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
impl<'a> From<FormFieldBorrowed<'a>> for FormField {
    fn from(
        FormFieldBorrowed {
            organization_id,
            id,
            form_id,
            field_key,
            label,
            field_type,
            required,
            position,
            options,
            created_at,
            updated_at,
            deleted_at,
        }: FormFieldBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            form_id,
            field_key: field_key.into(),
            label: label.into(),
            field_type: field_type.into(),
            required,
            position,
            options: options.map(|v| serde_json::from_str(v.0.get()).unwrap()),
            created_at,
            updated_at,
            deleted_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct FormFieldQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<FormFieldBorrowed, tokio_postgres::Error>,
    mapper: fn(FormFieldBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> FormFieldQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(FormFieldBorrowed) -> R) -> FormFieldQuery<'c, 'a, 's, C, R, N> {
        FormFieldQuery {
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
        "INSERT INTO form_fields (organization_id, form_id, field_key, label, field_type, required, position, options) VALUES (tally_current_org(), $1, $2, $3, $4, $5, $6, $7) RETURNING *",
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
        T4: crate::JsonSql,
    >(
        &'s self,
        client: &'c C,
        form_id: &'a i64,
        field_key: &'a T1,
        label: &'a T2,
        field_type: &'a T3,
        required: &'a bool,
        position: &'a i32,
        options: &'a Option<T4>,
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 7> {
        FormFieldQuery {
            client,
            params: [
                form_id, field_key, label, field_type, required, position, options,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormFieldBorrowed, tokio_postgres::Error> {
                    Ok(FormFieldBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        field_key: row.try_get(3)?,
                        label: row.try_get(4)?,
                        field_type: row.try_get(5)?,
                        required: row.try_get(6)?,
                        position: row.try_get(7)?,
                        options: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                    })
                },
            mapper: |it| FormField::from(it),
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
        T4: crate::JsonSql,
    >
    crate::client::async_::Params<
        'c,
        'a,
        's,
        CreateParams<T1, T2, T3, T4>,
        FormFieldQuery<'c, 'a, 's, C, FormField, 7>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2, T3, T4>,
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 7> {
        self.bind(
            client,
            &params.form_id,
            &params.field_key,
            &params.label,
            &params.field_type,
            &params.required,
            &params.position,
            &params.options,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM form_fields WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL",
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
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 1> {
        FormFieldQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormFieldBorrowed, tokio_postgres::Error> {
                    Ok(FormFieldBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        field_key: row.try_get(3)?,
                        label: row.try_get(4)?,
                        field_type: row.try_get(5)?,
                        required: row.try_get(6)?,
                        position: row.try_get(7)?,
                        options: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                    })
                },
            mapper: |it| FormField::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM form_fields WHERE organization_id = tally_current_org() AND form_id = $1 AND deleted_at IS NULL ORDER BY position, id",
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
        form_id: &'a i64,
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 1> {
        FormFieldQuery {
            client,
            params: [form_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormFieldBorrowed, tokio_postgres::Error> {
                    Ok(FormFieldBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        field_key: row.try_get(3)?,
                        label: row.try_get(4)?,
                        field_type: row.try_get(5)?,
                        required: row.try_get(6)?,
                        position: row.try_get(7)?,
                        options: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                    })
                },
            mapper: |it| FormField::from(it),
        }
    }
}
pub struct UpdateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn update() -> UpdateStmt {
    UpdateStmt(
        "UPDATE form_fields SET label = $1, field_type = $2, required = $3, position = $4, options = $5 WHERE organization_id = tally_current_org() AND id = $6 AND deleted_at IS NULL RETURNING *",
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
        T3: crate::JsonSql,
    >(
        &'s self,
        client: &'c C,
        label: &'a T1,
        field_type: &'a T2,
        required: &'a bool,
        position: &'a i32,
        options: &'a Option<T3>,
        id: &'a i64,
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 6> {
        FormFieldQuery {
            client,
            params: [label, field_type, required, position, options, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormFieldBorrowed, tokio_postgres::Error> {
                    Ok(FormFieldBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        field_key: row.try_get(3)?,
                        label: row.try_get(4)?,
                        field_type: row.try_get(5)?,
                        required: row.try_get(6)?,
                        position: row.try_get(7)?,
                        options: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                    })
                },
            mapper: |it| FormField::from(it),
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
        T3: crate::JsonSql,
    >
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpdateParams<T1, T2, T3>,
        FormFieldQuery<'c, 'a, 's, C, FormField, 6>,
        C,
    > for UpdateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpdateParams<T1, T2, T3>,
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 6> {
        self.bind(
            client,
            &params.label,
            &params.field_type,
            &params.required,
            &params.position,
            &params.options,
            &params.id,
        )
    }
}
pub struct SoftDeleteStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn soft_delete() -> SoftDeleteStmt {
    SoftDeleteStmt(
        "UPDATE form_fields SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NULL RETURNING *",
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
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 1> {
        FormFieldQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormFieldBorrowed, tokio_postgres::Error> {
                    Ok(FormFieldBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        field_key: row.try_get(3)?,
                        label: row.try_get(4)?,
                        field_type: row.try_get(5)?,
                        required: row.try_get(6)?,
                        position: row.try_get(7)?,
                        options: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                    })
                },
            mapper: |it| FormField::from(it),
        }
    }
}
pub struct RestoreStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn restore() -> RestoreStmt {
    RestoreStmt(
        "UPDATE form_fields SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = $1 AND deleted_at IS NOT NULL RETURNING *",
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
    ) -> FormFieldQuery<'c, 'a, 's, C, FormField, 1> {
        FormFieldQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<FormFieldBorrowed, tokio_postgres::Error> {
                    Ok(FormFieldBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        form_id: row.try_get(2)?,
                        field_key: row.try_get(3)?,
                        label: row.try_get(4)?,
                        field_type: row.try_get(5)?,
                        required: row.try_get(6)?,
                        position: row.try_get(7)?,
                        options: row.try_get(8)?,
                        created_at: row.try_get(9)?,
                        updated_at: row.try_get(10)?,
                        deleted_at: row.try_get(11)?,
                    })
                },
            mapper: |it| FormField::from(it),
        }
    }
}
