// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct CreateParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::JsonSql> {
    pub name: T1,
    pub rule_type: T2,
    pub definition: T3,
}
#[derive(Clone, Copy, Debug)]
pub struct ListParams {
    pub after: i64,
    pub active: Option<bool>,
    pub limit: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct LogsParams {
    pub contact_id: i64,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ValidationRule {
    pub organization_id: i64,
    pub id: i64,
    pub name: String,
    pub version: i32,
    pub rule_type: String,
    pub definition: serde_json::Value,
    pub is_active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
pub struct ValidationRuleBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub name: &'a str,
    pub version: i32,
    pub rule_type: &'a str,
    pub definition: postgres_types::Json<&'a serde_json::value::RawValue>,
    pub is_active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
impl<'a> From<ValidationRuleBorrowed<'a>> for ValidationRule {
    fn from(
        ValidationRuleBorrowed {
            organization_id,
            id,
            name,
            version,
            rule_type,
            definition,
            is_active,
            created_at,
            updated_at,
        }: ValidationRuleBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            name: name.into(),
            version,
            rule_type: rule_type.into(),
            definition: serde_json::from_str(definition.0.get()).unwrap(),
            is_active,
            created_at,
            updated_at,
        }
    }
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ValidationLog {
    pub organization_id: i64,
    pub id: i64,
    pub contact_id: i64,
    pub rule_id: i64,
    pub result: crate::types::ValidationStatus,
    pub details: serde_json::Value,
    pub validated_at: chrono::DateTime<chrono::Utc>,
}
pub struct ValidationLogBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub contact_id: i64,
    pub rule_id: i64,
    pub result: crate::types::ValidationStatus,
    pub details: postgres_types::Json<&'a serde_json::value::RawValue>,
    pub validated_at: chrono::DateTime<chrono::Utc>,
}
impl<'a> From<ValidationLogBorrowed<'a>> for ValidationLog {
    fn from(
        ValidationLogBorrowed {
            organization_id,
            id,
            contact_id,
            rule_id,
            result,
            details,
            validated_at,
        }: ValidationLogBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            contact_id,
            rule_id,
            result,
            details: serde_json::from_str(details.0.get()).unwrap(),
            validated_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct ValidationRuleQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ValidationRuleBorrowed, tokio_postgres::Error>,
    mapper: fn(ValidationRuleBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ValidationRuleQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(ValidationRuleBorrowed) -> R,
    ) -> ValidationRuleQuery<'c, 'a, 's, C, R, N> {
        ValidationRuleQuery {
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
pub struct ValidationLogQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ValidationLogBorrowed, tokio_postgres::Error>,
    mapper: fn(ValidationLogBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ValidationLogQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(ValidationLogBorrowed) -> R,
    ) -> ValidationLogQuery<'c, 'a, 's, C, R, N> {
        ValidationLogQuery {
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
pub struct DeactivateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn deactivate() -> DeactivateStmt {
    DeactivateStmt(
        "UPDATE validation_rules SET is_active = false WHERE organization_id = tally_current_org() AND name = $1 AND is_active RETURNING *",
        None,
    )
}
impl DeactivateStmt {
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
        name: &'a T1,
    ) -> ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 1> {
        ValidationRuleQuery {
            client,
            params: [name],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<ValidationRuleBorrowed, tokio_postgres::Error> {
                Ok(ValidationRuleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    version: row.try_get(3)?,
                    rule_type: row.try_get(4)?,
                    definition: row.try_get(5)?,
                    is_active: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                })
            },
            mapper: |it| ValidationRule::from(it),
        }
    }
}
pub struct CreateStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn create() -> CreateStmt {
    CreateStmt(
        "INSERT INTO validation_rules (organization_id, name, version, rule_type, definition) SELECT tally_current_org(), $1, coalesce(max(version), 0) + 1, $2, $3 FROM validation_rules WHERE organization_id = tally_current_org() AND name = $1 RETURNING *",
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
        T3: crate::JsonSql,
    >(
        &'s self,
        client: &'c C,
        name: &'a T1,
        rule_type: &'a T2,
        definition: &'a T3,
    ) -> ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 3> {
        ValidationRuleQuery {
            client,
            params: [name, rule_type, definition],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<ValidationRuleBorrowed, tokio_postgres::Error> {
                Ok(ValidationRuleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    version: row.try_get(3)?,
                    rule_type: row.try_get(4)?,
                    definition: row.try_get(5)?,
                    is_active: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                })
            },
            mapper: |it| ValidationRule::from(it),
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
        CreateParams<T1, T2, T3>,
        ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 3>,
        C,
    > for CreateStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a CreateParams<T1, T2, T3>,
    ) -> ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 3> {
        self.bind(client, &params.name, &params.rule_type, &params.definition)
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT * FROM validation_rules WHERE organization_id = tally_current_org() AND id = $1",
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
    ) -> ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 1> {
        ValidationRuleQuery {
            client,
            params: [id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<ValidationRuleBorrowed, tokio_postgres::Error> {
                Ok(ValidationRuleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    version: row.try_get(3)?,
                    rule_type: row.try_get(4)?,
                    definition: row.try_get(5)?,
                    is_active: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                })
            },
            mapper: |it| ValidationRule::from(it),
        }
    }
}
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT * FROM validation_rules WHERE organization_id = tally_current_org() AND id > $1 AND ($2::boolean IS NULL OR is_active = $2) ORDER BY id LIMIT $3",
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
        active: &'a Option<bool>,
        limit: &'a i64,
    ) -> ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 3> {
        ValidationRuleQuery {
            client,
            params: [after, active, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<ValidationRuleBorrowed, tokio_postgres::Error> {
                Ok(ValidationRuleBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    version: row.try_get(3)?,
                    rule_type: row.try_get(4)?,
                    definition: row.try_get(5)?,
                    is_active: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                    updated_at: row.try_get(8)?,
                })
            },
            mapper: |it| ValidationRule::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams,
        ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 3>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams,
    ) -> ValidationRuleQuery<'c, 'a, 's, C, ValidationRule, 3> {
        self.bind(client, &params.after, &params.active, &params.limit)
    }
}
pub struct LogsStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn logs() -> LogsStmt {
    LogsStmt(
        "SELECT * FROM validation_logs WHERE organization_id = tally_current_org() AND contact_id = $1 ORDER BY validated_at DESC, id DESC LIMIT $2",
        None,
    )
}
impl LogsStmt {
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
        limit: &'a i64,
    ) -> ValidationLogQuery<'c, 'a, 's, C, ValidationLog, 2> {
        ValidationLogQuery {
            client,
            params: [contact_id, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ValidationLogBorrowed, tokio_postgres::Error> {
                    Ok(ValidationLogBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        contact_id: row.try_get(2)?,
                        rule_id: row.try_get(3)?,
                        result: row.try_get(4)?,
                        details: row.try_get(5)?,
                        validated_at: row.try_get(6)?,
                    })
                },
            mapper: |it| ValidationLog::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        LogsParams,
        ValidationLogQuery<'c, 'a, 's, C, ValidationLog, 2>,
        C,
    > for LogsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a LogsParams,
    ) -> ValidationLogQuery<'c, 'a, 's, C, ValidationLog, 2> {
        self.bind(client, &params.contact_id, &params.limit)
    }
}
