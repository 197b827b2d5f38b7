// This file was generated with `clorinde`. Do not modify.

#[derive(Debug)]
pub struct ListParams<T1: crate::StringSql> {
    pub after: i64,
    pub reason: Option<T1>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub limit: i64,
}
#[derive(Clone, Copy, Debug)]
pub struct GetParams {
    pub max_payload_bytes: i32,
    pub id: i64,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    pub organization_id: i64,
    pub id: i64,
    pub topic: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub payload_bytes: i32,
    pub reason: String,
    pub detail: Option<String>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub replay_attempts: i32,
    pub last_replay_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replayed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replay_outcome: Option<String>,
    pub replayed_event_id: Option<String>,
}
pub struct DeadLetterBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub topic: &'a str,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub payload_bytes: i32,
    pub reason: &'a str,
    pub detail: Option<&'a str>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub replay_attempts: i32,
    pub last_replay_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replayed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replay_outcome: Option<&'a str>,
    pub replayed_event_id: Option<&'a str>,
}
impl<'a> From<DeadLetterBorrowed<'a>> for DeadLetter {
    fn from(
        DeadLetterBorrowed {
            organization_id,
            id,
            topic,
            kafka_partition,
            kafka_offset,
            payload_bytes,
            reason,
            detail,
            received_at,
            replay_attempts,
            last_replay_at,
            replayed_at,
            replay_outcome,
            replayed_event_id,
        }: DeadLetterBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            topic: topic.into(),
            kafka_partition,
            kafka_offset,
            payload_bytes,
            reason: reason.into(),
            detail: detail.map(|v| v.into()),
            received_at,
            replay_attempts,
            last_replay_at,
            replayed_at,
            replay_outcome: replay_outcome.map(|v| v.into()),
            replayed_event_id: replayed_event_id.map(|v| v.into()),
        }
    }
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeadLetterRecord {
    pub organization_id: i64,
    pub id: i64,
    pub topic: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub payload_bytes: i32,
    pub payload_head: Vec<u8>,
    pub reason: String,
    pub detail: Option<String>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub replay_attempts: i32,
    pub last_replay_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replayed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replay_outcome: Option<String>,
    pub replayed_event_id: Option<String>,
}
pub struct DeadLetterRecordBorrowed<'a> {
    pub organization_id: i64,
    pub id: i64,
    pub topic: &'a str,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub payload_bytes: i32,
    pub payload_head: &'a [u8],
    pub reason: &'a str,
    pub detail: Option<&'a str>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub replay_attempts: i32,
    pub last_replay_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replayed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub replay_outcome: Option<&'a str>,
    pub replayed_event_id: Option<&'a str>,
}
impl<'a> From<DeadLetterRecordBorrowed<'a>> for DeadLetterRecord {
    fn from(
        DeadLetterRecordBorrowed {
            organization_id,
            id,
            topic,
            kafka_partition,
            kafka_offset,
            payload_bytes,
            payload_head,
            reason,
            detail,
            received_at,
            replay_attempts,
            last_replay_at,
            replayed_at,
            replay_outcome,
            replayed_event_id,
        }: DeadLetterRecordBorrowed<'a>,
    ) -> Self {
        Self {
            organization_id,
            id,
            topic: topic.into(),
            kafka_partition,
            kafka_offset,
            payload_bytes,
            payload_head: payload_head.into(),
            reason: reason.into(),
            detail: detail.map(|v| v.into()),
            received_at,
            replay_attempts,
            last_replay_at,
            replayed_at,
            replay_outcome: replay_outcome.map(|v| v.into()),
            replayed_event_id: replayed_event_id.map(|v| v.into()),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct DeadLetterQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<DeadLetterBorrowed, tokio_postgres::Error>,
    mapper: fn(DeadLetterBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> DeadLetterQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(DeadLetterBorrowed) -> R,
    ) -> DeadLetterQuery<'c, 'a, 's, C, R, N> {
        DeadLetterQuery {
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
pub struct DeadLetterRecordQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<DeadLetterRecordBorrowed, tokio_postgres::Error>,
    mapper: fn(DeadLetterRecordBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> DeadLetterRecordQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(DeadLetterRecordBorrowed) -> R,
    ) -> DeadLetterRecordQuery<'c, 'a, 's, C, R, N> {
        DeadLetterRecordQuery {
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
pub struct ListStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn list() -> ListStmt {
    ListStmt(
        "SELECT organization_id, id, topic, kafka_partition, kafka_offset, octet_length(payload) AS payload_bytes, reason, detail, received_at, replay_attempts, last_replay_at, replayed_at, replay_outcome, replayed_event_id::text AS replayed_event_id FROM dead_letters WHERE organization_id = tally_current_org() AND id > $1 AND ($2::text IS NULL OR reason = $2) AND ($3::timestamptz IS NULL OR received_at >= $3) ORDER BY id LIMIT $4",
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
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        after: &'a i64,
        reason: &'a Option<T1>,
        since: &'a Option<chrono::DateTime<chrono::Utc>>,
        limit: &'a i64,
    ) -> DeadLetterQuery<'c, 'a, 's, C, DeadLetter, 4> {
        DeadLetterQuery {
            client,
            params: [after, reason, since, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<DeadLetterBorrowed, tokio_postgres::Error> {
                    Ok(DeadLetterBorrowed {
                        organization_id: row.try_get(0)?,
                        id: row.try_get(1)?,
                        topic: row.try_get(2)?,
                        kafka_partition: row.try_get(3)?,
                        kafka_offset: row.try_get(4)?,
                        payload_bytes: row.try_get(5)?,
                        reason: row.try_get(6)?,
                        detail: row.try_get(7)?,
                        received_at: row.try_get(8)?,
                        replay_attempts: row.try_get(9)?,
                        last_replay_at: row.try_get(10)?,
                        replayed_at: row.try_get(11)?,
                        replay_outcome: row.try_get(12)?,
                        replayed_event_id: row.try_get(13)?,
                    })
                },
            mapper: |it| DeadLetter::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        ListParams<T1>,
        DeadLetterQuery<'c, 'a, 's, C, DeadLetter, 4>,
        C,
    > for ListStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a ListParams<T1>,
    ) -> DeadLetterQuery<'c, 'a, 's, C, DeadLetter, 4> {
        self.bind(
            client,
            &params.after,
            &params.reason,
            &params.since,
            &params.limit,
        )
    }
}
pub struct GetStmt(&'static str, Option<tokio_postgres::Statement>);
pub fn get() -> GetStmt {
    GetStmt(
        "SELECT organization_id, id, topic, kafka_partition, kafka_offset, octet_length(payload) AS payload_bytes, substring(payload FROM 1 FOR $1) AS payload_head, reason, detail, received_at, replay_attempts, last_replay_at, replayed_at, replay_outcome, replayed_event_id::text AS replayed_event_id FROM dead_letters WHERE organization_id = tally_current_org() AND id = $2",
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
        max_payload_bytes: &'a i32,
        id: &'a i64,
    ) -> DeadLetterRecordQuery<'c, 'a, 's, C, DeadLetterRecord, 2> {
        DeadLetterRecordQuery {
            client,
            params: [max_payload_bytes, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<DeadLetterRecordBorrowed, tokio_postgres::Error> {
                Ok(DeadLetterRecordBorrowed {
                    organization_id: row.try_get(0)?,
                    id: row.try_get(1)?,
                    topic: row.try_get(2)?,
                    kafka_partition: row.try_get(3)?,
                    kafka_offset: row.try_get(4)?,
                    payload_bytes: row.try_get(5)?,
                    payload_head: row.try_get(6)?,
                    reason: row.try_get(7)?,
                    detail: row.try_get(8)?,
                    received_at: row.try_get(9)?,
                    replay_attempts: row.try_get(10)?,
                    last_replay_at: row.try_get(11)?,
                    replayed_at: row.try_get(12)?,
                    replay_outcome: row.try_get(13)?,
                    replayed_event_id: row.try_get(14)?,
                })
            },
            mapper: |it| DeadLetterRecord::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetParams,
        DeadLetterRecordQuery<'c, 'a, 's, C, DeadLetterRecord, 2>,
        C,
    > for GetStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetParams,
    ) -> DeadLetterRecordQuery<'c, 'a, 's, C, DeadLetterRecord, 2> {
        self.bind(client, &params.max_payload_bytes, &params.id)
    }
}
