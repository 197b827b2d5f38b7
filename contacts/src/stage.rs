//! Reading the file into the staging table: frames, CSV records, verdicts, and the
//! binary COPY of the accepted rows, as the file is read.

use std::io::BufRead;
use std::pin::Pin;

use csv::ByteRecord;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, ToSql, Type};

use crate::error::{ImportError, db};
use crate::frame::{Framed, Framer, Line, MAX_LINE_BYTES};
use crate::parse::{Columns, Row, Seen, Verdict, reader};
use crate::report::{RefusedLine, RefusedReason};

/// The staging table's COPY statement and its column types.
pub const COPY_ROWS: &str = include_str!("sql/copy_rows.sql");
/// The types of [`COPY_ROWS`]'s columns.
pub const COPY_TYPES: [Type; 9] = [
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::JSONB,
    Type::TEXT,
];

/// How a staged address's erasure marker is made: the organization and the key.
#[derive(Debug, Clone, Copy)]
pub struct Marking<'a> {
    /// The importing organization.
    pub organization: i64,
    /// The key erased addresses are hashed under.
    pub key: &'a gdpr::ErasureKey,
}

/// Single-line records parsed together by one CSV reader.
const CHUNK_BYTES: usize = 1 << 20;

/// What reading the file found.
#[derive(Debug, Default)]
pub struct Staged {
    /// Records read after the header.
    pub records: u64,
    /// Rows written to the staging table.
    pub accepted: u64,
    /// Lines refused, in no particular order.
    pub refused: Vec<RefusedLine>,
    /// Whether an accepted address holds a character beyond ASCII: only then can the
    /// database's lower() disagree with the parser's (see sql/dedup.sql).
    pub non_ascii: bool,
}

impl Staged {
    fn refuse(&mut self, line: u64, reason: RefusedReason, detail: String) {
        self.refused.push(RefusedLine {
            line,
            reason,
            detail,
        });
    }
}

/// Reads the header record: the first one that is not blank.
pub fn header<R: BufRead>(framer: &mut Framer<R>) -> Result<Columns, ImportError> {
    let read = |source| ImportError::Read { bytes: 0, source };
    let lines = match framer.next().map_err(read)? {
        None => return Err(ImportError::EmptyFile),
        Some(Framed::Record(lines)) => lines,
        Some(Framed::TooLong(_)) => {
            return Err(ImportError::BadHeader {
                reason: format!("is longer than {MAX_LINE_BYTES} bytes"),
            });
        }
        Some(Framed::Unterminated(_)) => {
            return Err(ImportError::BadHeader {
                reason: "opens a quoted column name that is never closed".into(),
            });
        }
    };
    let bytes = join(&lines);
    let mut record = ByteRecord::new();
    match reader(&bytes).read_byte_record(&mut record) {
        Ok(true) => Columns::from_header(&record),
        Ok(false) => Err(ImportError::EmptyFile),
        Err(e) => Err(ImportError::BadHeader {
            reason: format!("cannot be read as CSV: {e}"),
        }),
    }
}

/// Reads every record after the header into the staging table through `writer`,
/// calling `progress` with the bytes read after each chunk.
pub async fn stage<R: BufRead>(
    framer: &mut Framer<R>,
    columns: &Columns,
    mut writer: Pin<&mut BinaryCopyInWriter>,
    marking: Option<Marking<'_>>,
    progress: &mut impl FnMut(u64),
) -> Result<Staged, ImportError> {
    let mut staged = Staged::default();
    let mut seen = Seen::default();
    let mut chunk = Chunk::default();
    loop {
        let framed = framer.next().map_err(|source| ImportError::Read {
            bytes: framer.bytes_read(),
            source,
        })?;
        match framed {
            None => break,
            Some(Framed::TooLong(n)) => {
                staged.records += 1;
                staged.refuse(
                    n,
                    RefusedReason::MalformedRow,
                    format!("the line is longer than {MAX_LINE_BYTES} bytes"),
                );
            }
            Some(Framed::Unterminated(n)) => {
                staged.records += 1;
                staged.refuse(n, RefusedReason::MalformedRow, unterminated());
            }
            Some(Framed::Record(lines)) if lines.len() == 1 => {
                staged.records += 1;
                chunk.push(&lines[0]);
                if chunk.bytes.len() >= CHUNK_BYTES {
                    chunk
                        .flush(columns, &mut seen, &mut staged, writer.as_mut(), marking)
                        .await?;
                    progress(framer.bytes_read());
                }
            }
            Some(Framed::Record(lines)) => {
                // File order matters for duplicates: what came before goes first.
                chunk
                    .flush(columns, &mut seen, &mut staged, writer.as_mut(), marking)
                    .await?;
                let first = lines[0].number;
                let bytes = join(&lines);
                let mut rdr = reader(&bytes);
                let mut records = rdr.byte_records();
                // One record, or the lines were not meant to be one.
                let parsed = match (records.next(), records.next()) {
                    (Some(Ok(record)), None) => Some(record),
                    _ => None,
                };
                let verdict = match &parsed {
                    Some(record) => columns.row(&mut seen, first, record, true),
                    None => Verdict::Reframe,
                };
                match verdict {
                    Verdict::Reframe => {
                        staged.records += 1;
                        framer.reframe(lines);
                        staged.refuse(first, RefusedReason::MalformedRow, unterminated());
                    }
                    verdict => {
                        staged.records += 1;
                        take(&mut staged, first, verdict, writer.as_mut(), marking).await?;
                    }
                }
            }
        }
    }
    chunk
        .flush(columns, &mut seen, &mut staged, writer.as_mut(), marking)
        .await?;
    progress(framer.bytes_read());
    Ok(staged)
}

fn unterminated() -> String {
    "a quoted field opened on this line is never closed; the lines after it were read \
     on their own"
        .into()
}

/// Stages an accepted row, or records the refusal.
async fn take(
    staged: &mut Staged,
    line: u64,
    verdict: Verdict<'_>,
    writer: Pin<&mut BinaryCopyInWriter>,
    marking: Option<Marking<'_>>,
) -> Result<(), ImportError> {
    match verdict {
        Verdict::Accept(row) => {
            staged.non_ascii |= !row.email.is_ascii();
            write(writer, line, &row, marking).await?;
            staged.accepted += 1;
        }
        Verdict::Refuse(reason, detail) => staged.refuse(line, reason, detail),
        Verdict::Reframe => staged.refuse(line, RefusedReason::MalformedRow, unterminated()),
    }
    Ok(())
}

async fn write(
    writer: Pin<&mut BinaryCopyInWriter>,
    line: u64,
    row: &Row<'_>,
    marking: Option<Marking<'_>>,
) -> Result<(), ImportError> {
    let (local_part, domain) = row.parts();
    let line = i64::try_from(line).unwrap_or(i64::MAX);
    let attributes = Json(&row.attributes);
    let erased = marking.map(|m| m.key.marker(m.organization, row.email));
    let values: [&(dyn ToSql + Sync); 9] = [
        &line,
        &row.email,
        &domain,
        &local_part,
        &row.first_name,
        &row.last_name,
        &row.phone,
        &attributes,
        &erased,
    ];
    writer
        .write(&values)
        .await
        .map_err(db("copying the accepted lines into the staging table"))
}

/// Single-line records waiting to be parsed together.
#[derive(Debug, Default)]
struct Chunk {
    bytes: Vec<u8>,
    lines: Vec<u64>,
}

impl Chunk {
    fn push(&mut self, line: &Line) {
        self.bytes.extend_from_slice(&line.bytes);
        self.bytes.push(b'\n');
        self.lines.push(line.number);
    }

    /// Parses the chunk with one CSV reader and stages or refuses each record. The
    /// reader's record i starts on the chunk's line i + 1 (one line per record, by
    /// the framer's construction); a line it skipped would be refused, not lost.
    async fn flush(
        &mut self,
        columns: &Columns,
        seen: &mut Seen,
        staged: &mut Staged,
        mut writer: Pin<&mut BinaryCopyInWriter>,
        marking: Option<Marking<'_>>,
    ) -> Result<(), ImportError> {
        if self.lines.is_empty() {
            return Ok(());
        }
        let mut rdr = reader(&self.bytes);
        let mut record = ByteRecord::new();
        let mut next = 0;
        loop {
            let read = rdr.read_byte_record(&mut record);
            let at = record
                .position()
                .map_or(next, |p| (p.line() as usize).saturating_sub(1));
            while next < at.min(self.lines.len()) {
                staged.refuse(self.lines[next], RefusedReason::MalformedRow, unparsed());
                next += 1;
            }
            match read {
                Ok(true) if at < self.lines.len() && at == next => {
                    let line = self.lines[at];
                    let verdict = columns.row(seen, line, &record, false);
                    take(staged, line, verdict, writer.as_mut(), marking).await?;
                    next = at + 1;
                }
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    if let Some(&line) = self.lines.get(at) {
                        staged.refuse(line, RefusedReason::MalformedRow, e.to_string());
                        next = at + 1;
                    }
                }
            }
        }
        for &line in &self.lines[next.min(self.lines.len())..] {
            staged.refuse(line, RefusedReason::MalformedRow, unparsed());
        }
        self.bytes.clear();
        self.lines.clear();
        Ok(())
    }
}

fn unparsed() -> String {
    "the CSV parser could not read this line".into()
}

/// The lines of a record joined with the line breaks the framer removed.
fn join(lines: &[Line]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(lines.iter().map(|l| l.bytes.len() + 1).sum());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&line.bytes);
    }
    bytes.push(b'\n');
    bytes
}
