//! From framed records to contact rows or refusals: the header's columns, the `csv`
//! crate's byte records, encoding, the email rule and duplicates within the file.

use std::collections::HashMap;

use csv::ByteRecord;

use crate::email::{check_email, parts};
use crate::error::ImportError;
use crate::report::RefusedReason;

/// What the header says each column is.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Columns in the header, including blank ones.
    count: usize,
    email: usize,
    first_name: Option<usize>,
    last_name: Option<usize>,
    phone: Option<usize>,
    /// Split at its first white space into first and last name where those are blank.
    name: Option<usize>,
    /// Every other named column: (index, name as written, trimmed).
    attributes: Vec<(usize, String)>,
    /// Display names of the columns, for details.
    names: Vec<String>,
}

impl Columns {
    /// Reads the header record. Column names are trimmed; the named columns are
    /// matched case-insensitively; blank names are ignored columns.
    pub fn from_header(record: &ByteRecord) -> Result<Columns, ImportError> {
        let mut names = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            let field = if i == 0 {
                field.strip_prefix(b"\xef\xbb\xbf").unwrap_or(field)
            } else {
                field
            };
            let name = std::str::from_utf8(field).map_err(|_| ImportError::BadHeader {
                reason: format!("is not valid UTF-8 in column {}", i + 1),
            })?;
            names.push(name.trim().to_owned());
        }
        let mut columns = Columns {
            count: names.len(),
            email: usize::MAX,
            first_name: None,
            last_name: None,
            phone: None,
            name: None,
            attributes: Vec::new(),
            names: Vec::new(),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let folded = name.to_lowercase();
            if let Some(first) = seen.insert(folded.clone(), i) {
                return Err(ImportError::BadHeader {
                    reason: format!(
                        "names column {name:?} twice (columns {} and {})",
                        first + 1,
                        i + 1
                    ),
                });
            }
            match folded.as_str() {
                "email" => columns.email = i,
                "first_name" => columns.first_name = Some(i),
                "last_name" => columns.last_name = Some(i),
                "phone" => columns.phone = Some(i),
                "name" => columns.name = Some(i),
                _ => columns.attributes.push((i, name.clone())),
            }
        }
        if columns.email == usize::MAX {
            return Err(ImportError::MissingEmailColumn {
                found: names.into_iter().filter(|n| !n.is_empty()).collect(),
            });
        }
        columns.names = names
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                if n.is_empty() {
                    format!("column {}", i + 1)
                } else {
                    n
                }
            })
            .collect();
        Ok(columns)
    }

    /// Whether column `i` is one of the named ones, where a line break is never
    /// meant (one there is a quote left open).
    fn is_named(&self, i: usize) -> bool {
        i == self.email
            || [self.first_name, self.last_name, self.phone, self.name].contains(&Some(i))
    }
}

/// A contact read from the file, borrowing its record.
#[derive(Debug)]
pub struct Row<'r> {
    /// The address as written (trimmed).
    pub email: &'r str,
    /// The address lower-cased: the duplicate key; `domain` and `local_part` are its
    /// halves.
    pub key: String,
    /// First name: its column, else the name column's first word; None when blank.
    pub first_name: Option<&'r str>,
    /// Last name: its column, else the rest of the name column; None when blank.
    pub last_name: Option<&'r str>,
    /// Phone; None when blank.
    pub phone: Option<&'r str>,
    /// The attribute columns with a value.
    pub attributes: Attributes<'r>,
}

impl Row<'_> {
    /// The lower-cased halves of the address, for rule matching.
    pub fn parts(&self) -> (&str, &str) {
        parts(&self.key)
    }
}

/// Attribute columns with a value, serialized as a JSON object.
#[derive(Debug)]
pub struct Attributes<'r>(Vec<(&'r str, &'r str)>);

impl serde::Serialize for Attributes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().copied())
    }
}

/// What becomes of one record.
#[derive(Debug)]
pub enum Verdict<'r> {
    /// A contact to stage.
    Accept(Row<'r>),
    /// Refused, with the detail.
    Refuse(RefusedReason, String),
    /// A multi-line record whose fields show a quote left open on its first line.
    Reframe,
}

/// The addresses accepted so far: lower-cased address -> its line.
#[derive(Debug, Default)]
pub struct Seen(HashMap<String, u64>);

impl Columns {
    /// The verdict on the record starting at `line`; `multi_line` when it spans lines.
    /// An accepted address is remembered in `seen`.
    pub fn row<'r>(
        &'r self,
        seen: &mut Seen,
        line: u64,
        record: &'r ByteRecord,
        multi_line: bool,
    ) -> Verdict<'r> {
        let c = self;
        if record.len() != c.count {
            if multi_line {
                return Verdict::Reframe;
            }
            return Verdict::Refuse(
                RefusedReason::MalformedRow,
                format!(
                    "{} fields where the header has {} columns",
                    record.len(),
                    c.count
                ),
            );
        }
        let mut fields: Vec<&'r str> = Vec::with_capacity(record.len());
        for (i, bytes) in record.iter().enumerate() {
            if let Some(at) = bytes.iter().position(|&b| b == 0) {
                return Verdict::Refuse(
                    RefusedReason::BadEncoding,
                    format!(
                        "column {:?} holds a NUL byte at byte {}",
                        c.names[i],
                        at + 1
                    ),
                );
            }
            match std::str::from_utf8(bytes) {
                Ok(text) => {
                    if multi_line && c.is_named(i) && text.contains('\n') {
                        return Verdict::Reframe;
                    }
                    fields.push(text.trim());
                }
                Err(e) => {
                    return Verdict::Refuse(
                        RefusedReason::BadEncoding,
                        format!(
                            "column {:?} is not valid UTF-8 (byte {} of the field); save the \
                             file as UTF-8",
                            c.names[i],
                            e.valid_up_to() + 1
                        ),
                    );
                }
            }
        }
        let email = fields[c.email];
        if email.is_empty() {
            return Verdict::Refuse(
                RefusedReason::MissingEmail,
                "the email field is empty".into(),
            );
        }
        if let Err(why) = check_email(email) {
            return Verdict::Refuse(RefusedReason::InvalidEmail, format!("{email:?} {why}"));
        }
        let key = email.to_lowercase();
        if let Some(first) = seen.0.get(&key) {
            return Verdict::Refuse(
                RefusedReason::DuplicateInFile,
                format!("{email:?} is already on line {first}"),
            );
        }
        seen.0.insert(key.clone(), line);
        let value = |i: Option<usize>| i.map(|i| fields[i]).filter(|v| !v.is_empty());
        let (mut first_name, mut last_name) = (value(c.first_name), value(c.last_name));
        if let Some(name) = value(c.name) {
            let (first, last) = match name.split_once(char::is_whitespace) {
                Some((first, last)) => (Some(first), Some(last.trim())),
                None => (Some(name), None),
            };
            first_name = first_name.or(first);
            last_name = last_name.or(last.filter(|l| !l.is_empty()));
        }
        let attributes = c
            .attributes
            .iter()
            .filter(|(i, _)| !fields[*i].is_empty())
            .map(|(i, name)| (name.as_str(), fields[*i]))
            .collect();
        Verdict::Accept(Row {
            email,
            key,
            first_name,
            last_name,
            phone: value(c.phone),
            attributes: Attributes(attributes),
        })
    }
}

/// A CSV reader over framed records: `\n` ends a record (a `\r` before it was removed
/// by the framer), and rows may differ in length (refused here, not by the reader).
pub fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(bytes.len().clamp(64, 1 << 16))
        .from_reader(bytes)
}
