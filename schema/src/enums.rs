//! Rust mirrors of the Postgres enums; a test compares each with the database's labels.

use postgres_types::{FromSql, ToSql};

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

        impl PgEnum for $name {
            const PG_TYPE: &'static str = $pg;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }

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

pg_enum!(
    /// Outcome of validating a contact's address.
    ValidationStatus = "validation_status" {
        /// Not validated yet.
        Pending = "pending",
        /// Deliverable.
        Valid = "valid",
        /// Not deliverable.
        Invalid = "invalid",
        /// Deliverable but likely to bounce or complain.
        Risky = "risky",
        /// Validation could not decide.
        Unknown = "unknown",
    }
);

pg_enum!(
    /// Lifecycle of a campaign.
    CampaignStatus = "campaign_status" {
        /// Being written.
        Draft = "draft",
        /// Will start at its scheduled time.
        Scheduled = "scheduled",
        /// Sending.
        Active = "active",
        /// Done.
        Completed = "completed",
    }
);

pg_enum!(
    /// Delivery state of one contact within a campaign.
    AssignmentStatus = "assignment_status" {
        /// Not sent yet.
        Pending = "pending",
        /// Sent.
        Sent = "sent",
        /// Sending failed.
        Failed = "failed",
        /// Deliberately not sent.
        Skipped = "skipped",
    }
);

pg_enum!(
    /// Sales state of a lead.
    LeadStatus = "lead_status" {
        /// Just captured.
        New = "new",
        /// Worth pursuing.
        Qualified = "qualified",
        /// Not worth pursuing.
        Disqualified = "disqualified",
        /// Sales has reached out.
        Contacted = "contacted",
        /// Became a customer.
        Converted = "converted",
    }
);

pg_enum!(
    /// What a data subject asked for under GDPR.
    GdprRequestType = "gdpr_request_type" {
        /// A copy of their data.
        Export = "export",
        /// Erasure of their data.
        Deletion = "deletion",
    }
);

pg_enum!(
    /// Progress of a GDPR request.
    GdprRequestStatus = "gdpr_request_status" {
        /// Received.
        Pending = "pending",
        /// Being carried out.
        Processing = "processing",
        /// Done.
        Completed = "completed",
        /// Could not be completed.
        Failed = "failed",
    }
);

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
