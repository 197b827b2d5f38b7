//! Writes records as newline-delimited JSON (one payload per line).

use std::io::{BufWriter, Write};

use super::Record;

/// Writes each record's payload on its own line (buffered) and returns how many were
/// written. A malformed payload is written as it is, so the file mirrors the topic.
pub fn write_ndjson(
    out: impl Write,
    records: impl Iterator<Item = Record>,
) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut written = 0u64;
    for record in records {
        out.write_all(&record.payload)?;
        out.write_all(b"\n")?;
        written += 1;
    }
    out.flush()?;
    Ok(written)
}
