use tokio_postgres::{Client, Transaction};

use crate::OrganizationId;

/// The session setting row-level security reads to find the current tenant.
pub const ORGANIZATION_SETTING: &str = "tally.organization_id";

/// The application role: not a superuser, does not bypass row-level security.
pub const APP_ROLE: &str = "tally_app";

/// Opens a transaction scoped to one organization: row-level security shows and accepts
/// only that organization's rows until the transaction ends.
pub async fn begin_tenant(
    client: &mut Client,
    organization: OrganizationId,
) -> Result<Transaction<'_>, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    // Transaction-local (`true`), so a pooled connection never carries a tenant over.
    tx.execute(
        "SELECT set_config('tally.organization_id', $1, true)",
        &[&organization.0.to_string()],
    )
    .await?;
    Ok(tx)
}
