//! The thin shared schema crate: ids, the enums that mirror the Postgres enums, the
//! `Event` type, tenant scoping, and the migration runner over `sql/`.

mod enums;
mod event;
mod ids;
mod migrate;
mod pg_error;
mod sketch;
mod tenant;

pub use enums::{
    AssignmentStatus, CampaignStatus, EventType, GdprRequestStatus, GdprRequestType, JobStatus,
    LeadStatus, PgEnum, ValidationStatus,
};
pub use event::Event;
pub use ids::{CampaignId, ContactId, OrganizationId};
pub use migrate::{MIGRATIONS, MigrateError, Migration, MigrationState, Migrator};
pub use pg_error::describe_pg_error;
pub use sketch::{Counted, Fragment, Sketch, SketchError, SketchKey};
pub use tenant::{APP_ROLE, ORGANIZATION_SETTING, begin_tenant};
