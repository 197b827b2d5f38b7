//! Helpers shared by the schema's integration tests.

use schema::APP_ROLE;
use tokio_postgres::Client;

/// A transaction as the application role with `org` as the tenant (or none set).
pub async fn app_tx(client: &mut Client, org: Option<i64>) -> tokio_postgres::Transaction<'_> {
    let tx = client.transaction().await.unwrap();
    tx.batch_execute(&format!("SET LOCAL ROLE {APP_ROLE}"))
        .await
        .unwrap();
    if let Some(org) = org {
        tx.execute(
            "SELECT set_config('tally.organization_id', $1, true)",
            &[&org.to_string()],
        )
        .await
        .unwrap();
    }
    tx
}
