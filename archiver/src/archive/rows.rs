//! The archive's row format: the Arrow schema of the Parquet objects, record batches
//! built from a partition's binary COPY, and the content checksum, which is computed
//! from record batches only, so rows read from Postgres and rows read back from Parquet
//! go through the same code.

use std::error::Error;
use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    FixedSizeBinaryBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{
    Array, FixedSizeBinaryArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::extension::{Json, Uuid as UuidExtension};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use twox_hash::XxHash3_128;

use super::pgbinary::CopyRow;

/// The columns of a partition in archive order, as the export copies them: every
/// column of `events`, in the table's order.
pub(super) use schema::STORED_EVENT_COLUMNS as COLUMNS;

/// The binary COPY types of the restore's staging table: `COLUMNS` with event_type,
/// ip_address and event_data as their text forms, which the restore casts back.
pub(super) const COPY_TYPES: [Type; 9] = [
    Type::UUID,
    Type::INT8,
    Type::INT8,
    Type::INT8,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
];

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC).
pub(super) const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let utc = || DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::FixedSizeBinary(16), false)
            .with_extension_type(UuidExtension),
        Field::new("organization_id", DataType::Int64, false),
        Field::new("campaign_id", DataType::Int64, false),
        Field::new("contact_id", DataType::Int64, false),
        Field::new("event_type", DataType::Utf8, false),
        Field::new("occurred_at", utc(), false),
        Field::new("ip_address", DataType::Utf8, true),
        Field::new("event_data", DataType::Utf8, false).with_extension_type(Json::default()),
        Field::new("received_at", utc(), false),
    ]))
});

/// The Arrow schema of an archived day (docs/archive.md).
pub(super) fn schema() -> SchemaRef {
    Arc::clone(&SCHEMA)
}

/// A timestamptz as microseconds since the Unix epoch, read and written without a
/// calendar conversion.
#[derive(Debug, Clone, Copy)]
pub(super) struct Micros(pub i64);

impl<'a> FromSql<'a> for Micros {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let bytes: [u8; 8] = raw
            .try_into()
            .map_err(|_| format!("timestamptz of {} bytes", raw.len()))?;
        Ok(Micros(
            i64::from_be_bytes(bytes).saturating_add(PG_EPOCH_MICROS),
        ))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

impl ToSql for Micros {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        let pg = self
            .0
            .checked_sub(PG_EPOCH_MICROS)
            .ok_or("timestamp out of range")?;
        out.extend_from_slice(&pg.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }

    to_sql_checked!();
}

/// Accumulates COPY rows into record batches of the archive schema.
pub(super) struct BatchBuilder {
    event_id: FixedSizeBinaryBuilder,
    organization_id: Int64Builder,
    campaign_id: Int64Builder,
    contact_id: Int64Builder,
    event_type: StringBuilder,
    occurred_at: TimestampMicrosecondBuilder,
    ip_address: StringBuilder,
    event_data: StringBuilder,
    received_at: TimestampMicrosecondBuilder,
    rows: usize,
    /// The current row's address as text, reused from row to row.
    ip_text: String,
}

impl BatchBuilder {
    pub fn new(capacity: usize) -> BatchBuilder {
        BatchBuilder {
            event_id: FixedSizeBinaryBuilder::with_capacity(capacity, 16),
            organization_id: Int64Builder::with_capacity(capacity),
            campaign_id: Int64Builder::with_capacity(capacity),
            contact_id: Int64Builder::with_capacity(capacity),
            event_type: StringBuilder::with_capacity(capacity, capacity * 6),
            occurred_at: TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            ip_address: StringBuilder::with_capacity(capacity, capacity * 14),
            event_data: StringBuilder::with_capacity(capacity, capacity * 64),
            received_at: TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            rows: 0,
            ip_text: String::with_capacity(64),
        }
    }

    /// Rows added since the last batch.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Appends one row of a binary COPY of `COLUMNS`.
    pub fn push(&mut self, row: &CopyRow) {
        // A 16-byte value into a 16-byte column cannot fail.
        let _ = self.event_id.append_value(row.event_id);
        self.organization_id.append_value(row.organization_id);
        self.campaign_id.append_value(row.campaign_id);
        self.contact_id.append_value(row.contact_id);
        self.event_type.append_value(row.event_type);
        self.occurred_at.append_value(row.occurred_at);
        match row.ip_address {
            Some(ip) => {
                self.ip_text.clear();
                ip.write_abbrev(&mut self.ip_text);
                self.ip_address.append_value(&self.ip_text);
            }
            None => self.ip_address.append_null(),
        }
        self.event_data.append_value(row.event_data);
        self.received_at.append_value(row.received_at);
        self.rows += 1;
    }

    /// The rows added so far as one batch; the builder starts empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        self.rows = 0;
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(self.event_id.finish()),
                Arc::new(self.organization_id.finish()),
                Arc::new(self.campaign_id.finish()),
                Arc::new(self.contact_id.finish()),
                Arc::new(self.event_type.finish()),
                Arc::new(self.occurred_at.finish()),
                Arc::new(self.ip_address.finish()),
                Arc::new(self.event_data.finish()),
                Arc::new(self.received_at.finish()),
            ],
        )
    }
}

/// A record batch of the archive schema, its columns checked and typed. Batches read
/// from an object are outside data: every column's type and nullability is checked
/// before a value is read.
pub(super) struct Columns<'a> {
    pub event_id: &'a FixedSizeBinaryArray,
    pub organization_id: &'a Int64Array,
    pub campaign_id: &'a Int64Array,
    pub contact_id: &'a Int64Array,
    pub event_type: &'a StringArray,
    pub occurred_at: &'a TimestampMicrosecondArray,
    pub ip_address: &'a StringArray,
    pub event_data: &'a StringArray,
    pub received_at: &'a TimestampMicrosecondArray,
}

impl<'a> Columns<'a> {
    /// The batch's columns, or what does not fit the archive schema.
    pub fn of(batch: &'a RecordBatch) -> Result<Columns<'a>, String> {
        let expected = schema();
        if batch.num_columns() != expected.fields().len() {
            return Err(format!(
                "{} columns, expected {}",
                batch.num_columns(),
                expected.fields().len()
            ));
        }
        for (i, field) in expected.fields().iter().enumerate() {
            let got = batch.schema_ref().field(i).clone();
            if got.name() != field.name() || got.data_type() != field.data_type() {
                return Err(format!(
                    "column {i} is {} {}, expected {} {}",
                    got.name(),
                    got.data_type(),
                    field.name(),
                    field.data_type()
                ));
            }
            if !field.is_nullable() && batch.column(i).null_count() > 0 {
                return Err(format!("column {} has nulls", field.name()));
            }
        }
        fn col<T: 'static>(batch: &RecordBatch, i: usize) -> Result<&T, String> {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<T>()
                .ok_or_else(|| format!("column {i} has an unexpected array type"))
        }
        let event_id: &FixedSizeBinaryArray = col(batch, 0)?;
        if event_id.value_length() != 16 {
            return Err(format!("event_id of {} bytes", event_id.value_length()));
        }
        Ok(Columns {
            event_id,
            organization_id: col(batch, 1)?,
            campaign_id: col(batch, 2)?,
            contact_id: col(batch, 3)?,
            event_type: col(batch, 4)?,
            occurred_at: col(batch, 5)?,
            ip_address: col(batch, 6)?,
            event_data: col(batch, 7)?,
            received_at: col(batch, 8)?,
        })
    }

    /// Row `i`'s `ip_address`, NULL as None.
    pub fn ip(&self, i: usize) -> Option<&'a str> {
        (!self.ip_address.is_null(i)).then(|| self.ip_address.value(i))
    }
}

/// The content checksum of a set of rows: the sum, modulo 2^128, of the XXH3-128 hash
/// (seed 0) of each row's canonical encoding. A sum does not
/// depend on the order of the rows, so a partition scanned in any order and the object
/// read back give the same value; the row count is compared beside it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Checksum {
    pub rows: u64,
    pub sum: u128,
}

impl Checksum {
    /// Adds every row of `batch`.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), String> {
        let c = Columns::of(batch)?;
        let mut buf = Vec::with_capacity(256);
        for i in 0..batch.num_rows() {
            buf.clear();
            buf.extend_from_slice(c.event_id.value(i));
            buf.extend_from_slice(&c.organization_id.value(i).to_le_bytes());
            buf.extend_from_slice(&c.campaign_id.value(i).to_le_bytes());
            buf.extend_from_slice(&c.contact_id.value(i).to_le_bytes());
            text(&mut buf, c.event_type.value(i));
            buf.extend_from_slice(&c.occurred_at.value(i).to_le_bytes());
            match c.ip(i) {
                None => buf.push(0),
                Some(ip) => {
                    buf.push(1);
                    text(&mut buf, ip);
                }
            }
            text(&mut buf, c.event_data.value(i));
            buf.extend_from_slice(&c.received_at.value(i).to_le_bytes());
            self.sum = self.sum.wrapping_add(XxHash3_128::oneshot(&buf));
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Adds the rows another checksum has counted.
    pub fn merge(&mut self, other: &Checksum) {
        self.rows += other.rows;
        self.sum = self.sum.wrapping_add(other.sum);
    }

    /// The checksum as the manifest stores it: 32 lower-case hex digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

/// A string in the canonical encoding: its length (u32, little-endian), then its bytes.
fn text(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ids: &[u8], ip: Option<&str>) -> RecordBatch {
        let mut b = BatchBuilder::new(4);
        for id in ids {
            let _ = b.event_id.append_value([*id; 16]);
            b.organization_id.append_value(1);
            b.campaign_id.append_value(2);
            b.contact_id.append_value(3);
            b.event_type.append_value("SENT");
            b.occurred_at.append_value(1_700_000_000_000_000);
            b.ip_address.append_option(ip);
            b.event_data.append_value("{}");
            b.received_at.append_value(1_700_000_000_000_001);
            b.rows += 1;
        }
        b.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_checksum_ignores_row_order_and_batching() {
        let mut one = Checksum::default();
        one.add(&batch(&[1, 2, 3], Some("10.0.0.1")))
            .unwrap_or_default();
        let mut two = Checksum::default();
        two.add(&batch(&[3], Some("10.0.0.1"))).unwrap_or_default();
        two.add(&batch(&[2, 1], Some("10.0.0.1")))
            .unwrap_or_default();
        assert_eq!(one, two);
        assert_eq!(one.rows, 3);
        let mut part = Checksum::default();
        part.add(&batch(&[2], Some("10.0.0.1"))).unwrap_or_default();
        let mut merged = Checksum::default();
        merged
            .add(&batch(&[3, 1], Some("10.0.0.1")))
            .unwrap_or_default();
        merged.merge(&part);
        assert_eq!(merged, one, "merged parts add up to the whole");
    }

    #[test]
    fn the_checksum_sees_every_column_and_null() {
        let mut a = Checksum::default();
        a.add(&batch(&[1], Some("10.0.0.1"))).unwrap_or_default();
        let mut b = Checksum::default();
        b.add(&batch(&[1], None)).unwrap_or_default();
        let mut c = Checksum::default();
        c.add(&batch(&[1], Some(""))).unwrap_or_default();
        assert_ne!(a.sum, b.sum);
        assert_ne!(b.sum, c.sum, "NULL and the empty string differ");
    }

    #[test]
    fn a_batch_of_another_shape_is_refused() {
        let other = RecordBatch::try_from_iter([(
            "event_id",
            Arc::new(Int64Array::from(vec![1])) as Arc<dyn Array>,
        )])
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(Checksum::default().add(&other).is_err());
    }
}
