//! Rust mirrors of the Postgres enums; a test compares each with the database's labels.

use postgres_types::{FromSql, ToSql};

pub use schema_queries::types::{
    AssignmentStatus, CampaignStatus, GdprRequestStatus, GdprRequestType, LeadStatus,
    ValidationStatus,
};

/// What every mirrored enum offers, so one test can check them all against Postgres.
pub trait PgEnum: Sized + Copy + 'static {
    /// The Postgres type name.
    const PG_TYPE: &'static str;
    /// Every value, in the order of the Postgres enum's labels.
    const ALL: &'static [Self];
    /// The Postgres label of this value.
    fn as_str(self) -> &'static str;
}

macro_rules! pg_enum {
    // The trait alone: for an enum clorinde generated (schema-queries), whose Display
    // the orphan rule leaves to that crate.
    (impl $name:ident = $pg:tt { $($variant:ident = $label:tt),+ $(,)? }) => {
        impl PgEnum for $name {
            const PG_TYPE: &'static str = $pg;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident = $pg:tt { $($(#[$vdoc:meta])* $variant:ident = $label:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ToSql, FromSql,
            serde::Serialize, serde::Deserialize,
        )]
        #[postgres(name = $pg)]
        pub enum $name {
            $($(#[$vdoc])* #[postgres(name = $label)] #[serde(rename = $label)] $variant),+
        }

        pg_enum!(impl $name = $pg { $($variant = $label),+ });

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pg_enum!(
    /// Kind of campaign event, as producers send it.
    EventType = "event_type" {
        /// An email was sent.
        Sent = "SENT",
        /// The email was opened.
        Open = "OPEN",
        /// A link in it was clicked.
        Click = "CLICK",
        /// It bounced.
        Bounce = "BOUNCE",
        /// The contact unsubscribed.
        Unsubscribe = "UNSUBSCRIBE",
        /// The campaign's form was viewed.
        FormView = "FORM_VIEW",
        /// The form was submitted.
        FormSubmit = "FORM_SUBMIT",
    }
);

// The enums of the CRUD domains are generated with their queries (schema-queries).
pg_enum!(impl ValidationStatus = "validation_status" {
    pending = "pending",
    valid = "valid",
    invalid = "invalid",
    risky = "risky",
    unknown = "unknown",
});

pg_enum!(impl CampaignStatus = "campaign_status" {
    draft = "draft",
    scheduled = "scheduled",
    active = "active",
    completed = "completed",
});

pg_enum!(impl AssignmentStatus = "assignment_status" {
    pending = "pending",
    sent = "sent",
    failed = "failed",
    skipped = "skipped",
});

pg_enum!(impl LeadStatus = "lead_status" {
    new = "new",
    qualified = "qualified",
    disqualified = "disqualified",
    contacted = "contacted",
    converted = "converted",
});

pg_enum!(impl GdprRequestType = "gdpr_request_type" {
    export = "export",
    deletion = "deletion",
});

pg_enum!(impl GdprRequestStatus = "gdpr_request_status" {
    pending = "pending",
    processing = "processing",
    completed = "completed",
    failed = "failed",
});

pg_enum!(
    /// Outcome of one scheduled job run.
    JobStatus = "job_status" {
        /// Started, not finished.
        Running = "running",
        /// Finished without error.
        Succeeded = "succeeded",
        /// Finished with an error.
        Failed = "failed",
    }
);
