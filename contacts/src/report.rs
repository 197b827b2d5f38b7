//! What an import is asked to do and what it reports back.

use schema::{Actor, PgEnum, ValidationStatus};

/// How an import treats addresses already live in the list, and who it acts as.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Update a known contact's email casing, names, phone and attributes from the
    /// file (blank fields keep the stored value; attributes are merged, the file's keys
    /// winning) and validate it again; otherwise it is left as it is.
    pub update_existing: bool,
    /// The audit trail's actor of the import's changes: `import` for the command line,
    /// the API key for an upload.
    pub actor: Actor,
    /// The key erased addresses are hashed under (`TALLY_GDPR_KEY`): with it, a line
    /// whose address the organization erased is refused as [`RefusedReason::Erased`];
    /// without it, such a line is imported like any other.
    pub erasure_key: Option<gdpr::ErasureKey>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            update_existing: false,
            actor: Actor::Process("import"),
            erasure_key: None,
        }
    }
}

/// Why a line of the file was not imported: a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefusedReason {
    /// A field is not valid UTF-8, or holds a NUL byte (Postgres text cannot).
    BadEncoding,
    /// Not as many fields as the header has columns, a quoted field never closed, or
    /// a line longer than the parser accepts.
    MalformedRow,
    /// The email field is empty.
    MissingEmail,
    /// The address is one the `email_address` domain refuses (see the crate docs).
    InvalidEmail,
    /// The same address (case-insensitively) is on an earlier line; the first one wins.
    DuplicateInFile,
    /// The organization erased this address at its owner's request (GDPR): it is not
    /// imported again (docs/gdpr.md, "Recognising an erased person").
    Erased,
}

impl RefusedReason {
    /// Every reason, in the order reports list them.
    pub const ALL: [RefusedReason; 6] = [
        RefusedReason::BadEncoding,
        RefusedReason::MalformedRow,
        RefusedReason::MissingEmail,
        RefusedReason::InvalidEmail,
        RefusedReason::DuplicateInFile,
        RefusedReason::Erased,
    ];

    /// The reason's stable name, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusedReason::BadEncoding => "bad_encoding",
            RefusedReason::MalformedRow => "malformed_row",
            RefusedReason::MissingEmail => "missing_email",
            RefusedReason::InvalidEmail => "invalid_email",
            RefusedReason::DuplicateInFile => "duplicate_in_file",
            RefusedReason::Erased => "erased",
        }
    }
}

impl std::fmt::Display for RefusedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Honours width and alignment, so reports can align a column of reasons.
        f.pad(self.as_str())
    }
}

/// One line of the file that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLine {
    /// The line's number in the file, 1-based; the header is line 1. A record that
    /// spans lines (a quoted field with line breaks) is known by its first line.
    pub line: u64,
    /// Why.
    pub reason: RefusedReason,
    /// What exactly, for a person fixing the file.
    pub detail: String,
}

/// A validation rule version the import applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRule {
    /// The rule's name.
    pub name: String,
    /// Its active version.
    pub version: i32,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records read after the header (blank lines not counted): inserted, updated,
    /// unchanged and refused add up to it.
    pub records: u64,
    /// New contacts.
    pub inserted: u64,
    /// Contacts already in the list that the file changed (only with
    /// [`ImportOptions::update_existing`]).
    pub updated: u64,
    /// Contacts already in the list and left as they were.
    pub unchanged: u64,
    /// Lines not imported, in file order.
    pub refused: Vec<RefusedLine>,
    /// How many of the contacts this import inserted or updated got each validation
    /// status, in the order of the Postgres enum; statuses nobody got are left out.
    pub by_status: Vec<(ValidationStatus, u64)>,
    /// The active rules applied (including `syntax` and `duplicate_in_file`, which the
    /// parser enforces), by name.
    pub rules: Vec<AppliedRule>,
    /// Active rules of a type this version does not know, by name: not applied.
    pub skipped_rules: Vec<String>,
}

impl ImportReport {
    /// How many inserted or updated contacts got `status`.
    pub fn status_count(&self, status: ValidationStatus) -> u64 {
        self.by_status
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// Puts [`by_status`](Self::by_status) in the enum's order.
    pub(crate) fn sort_statuses(&mut self) {
        self.by_status.sort_by_key(|(s, _)| {
            ValidationStatus::ALL
                .iter()
                .position(|a| a == s)
                .unwrap_or(usize::MAX)
        });
    }

    /// Refused lines with `reason`.
    pub fn refused_with(&self, reason: RefusedReason) -> impl Iterator<Item = &RefusedLine> {
        self.refused.iter().filter(move |r| r.reason == reason)
    }
}
